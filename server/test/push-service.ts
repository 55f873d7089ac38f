import { execFileSync } from "node:child_process";
import { createECDH, createPublicKey, hkdfSync, createDecipheriv, randomBytes, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for a browser's push service, as real as a test can have one: an https server on
 * 127.0.0.1 with a throwaway certificate (made here with Debian's openssl; the server under test
 * trusts it through NODE_EXTRA_CA_CERTS), and readers' subscriptions whose private keys the test
 * holds, so that it decrypts what arrives per RFC 8291 and checks the VAPID JWT per RFC 8292 with
 * Node's own crypto, never with the sender's library.
 */

/** A request the push service received. */
export interface ReceivedPush {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface LocalPushService {
  origin: string;
  /** PEM file of the certificate, for NODE_EXTRA_CA_CERTS. */
  certificateFile: string;
  /** What arrived (nothing is kept with `count` only: the bench's 100,000 pushes). */
  received: ReceivedPush[];
  /** Requests answered so far. */
  count(): number;
  /** The status to answer a path with (201 unless set); a list is answered in turn, its last one from then on. */
  answer(path: string, statuses: number[]): void;
  close(): Promise<void>;
}

export async function startPushService(options: { keep?: boolean } = {}): Promise<LocalPushService> {
  const keep = options.keep ?? true;
  let answered = 0;
  const dir = mkdtempSync(join(tmpdir(), "live-ticker-push-"));
  const keyFile = join(dir, "test-only-key.pem");
  const certificateFile = join(dir, "test-only-cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certificateFile, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: "ignore" });
  const received: ReceivedPush[] = [];
  const answers = new Map<string, number[]>();
  const server: Server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certificateFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "";
      answered++;
      if (keep) received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      const queue = answers.get(path);
      const status = queue && queue.length > 1 ? queue.shift()! : (queue?.[0] ?? 201);
      res.writeHead(status, status === 429 ? { "retry-after": "0" } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    certificateFile,
    received,
    count: () => answered,
    answer: (path, statuses) => void answers.set(path, [...statuses]),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A reader's browser's subscription: what it sends the server, and the private key only it holds. */
export interface TestSubscription {
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  path: string;
  decrypt(body: Buffer): string;
}

export function newSubscription(origin: string, path: string): TestSubscription {
  const ecdh = createECDH("prime256v1");
  const uaPublic = ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    json: { endpoint: `${origin}${path}`, expirationTime: null, keys: { p256dh: uaPublic.toString("base64url"), auth: auth.toString("base64url") } },
    path,
    decrypt: (body) => decryptAes128gcm(body, ecdh, uaPublic, auth),
  };
}

/** RFC 8291 §3.4 and RFC 8188: the receiver's side of `Content-Encoding: aes128gcm`, one record. */
function decryptAes128gcm(body: Buffer, ecdh: ReturnType<typeof createECDH>, uaPublic: Buffer, auth: Buffer): string {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const asPublic = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const ecdhSecret = ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync("sha256", ecdhSecret, auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("no last-record delimiter");
  return padded.subarray(0, end).toString("utf8");
}

/**
 * The claims of a request's `Authorization: vapid t=…, k=…` (RFC 8292), after checking that `k` is
 * the server's public key and that the JWT is signed by it with ES256; throws otherwise.
 */
export function vapidClaims(authorization: string, serverPublicKey: string): { aud: string; exp: number; sub: string; jwt: string } {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization);
  if (!match) throw new Error(`not a VAPID Authorization: ${authorization}`);
  const [, jwt, k] = match as unknown as [string, string, string];
  if (k !== serverPublicKey) throw new Error("VAPID k is not the server's public key");
  const [header, payload, signature] = jwt.split(".") as [string, string, string];
  if (JSON.parse(Buffer.from(header, "base64url").toString()).alg !== "ES256") throw new Error("VAPID JWT is not ES256");
  const raw = Buffer.from(k, "base64url");
  const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: raw.subarray(1, 33).toString("base64url"), y: raw.subarray(33, 65).toString("base64url") }, format: "jwk" });
  const valid = verify("sha256", Buffer.from(`${header}.${payload}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
  if (!valid) throw new Error("VAPID JWT signature does not verify");
  return { ...JSON.parse(Buffer.from(payload, "base64url").toString()), jwt };
}
