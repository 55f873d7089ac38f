import { parentPort, workerData } from "node:worker_threads";
import { sendPage, type PagePace } from "./page-sending.js";
import { PushSender } from "./push-sender.js";
import type { SendingThreadRequest, SendingThreadSetup } from "./sending-thread.js";

/**
 * The sending thread's body: encrypting a message for each reader (an ECDH and AES-GCM apiece) and
 * the TLS to push services cost CPU by the page, which the node's event loop, serving readers, must
 * not pay. Pages come in from the main thread, their outcomes go back.
 */
const setup = workerData as SendingThreadSetup;
const sender = new PushSender(setup.keys, setup.contact, setup.pace.concurrency);
const pace: PagePace = setup.pace;
let stopping = false;

parentPort!.on("message", (request: SendingThreadRequest) => {
  if (request.kind === "stop") {
    stopping = true;
    return;
  }
  void sendPage(sender, request.page, request.body, request.topic, pace, () => stopping).then((outcomes) => parentPort!.postMessage({ id: request.id, outcomes }));
});
