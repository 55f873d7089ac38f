/**
 * A decode child (decode-pool.ts): processes one upload at a time for the server, under a hard
 * memory limit, so that a decoder's appetite or crash ends this process and never the server.
 * Each message is an upload's bytes; each answer is its image and variants or the refusal.
 */
import { DomainError } from "../../shared/error-codes.js";
import { MemoryRefusal } from "./decode-budget.js";
import type { DecodeAnswer } from "./decode-pool.js";
import { processImage } from "./process-image.js";

const answer = (message: DecodeAnswer) => process.send!(message);

process.on("message", (bytes: Uint8Array) => {
  processImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).then(
    (result) => answer({ ok: true, ...result, rss: process.memoryUsage().rss }),
    (error: unknown) => {
      const refusal = error instanceof DomainError ? error : new DomainError("internal_error", "Something went wrong on our side; the error has been logged.");
      if (!(error instanceof DomainError)) console.error(error);
      const spent = !(error instanceof DomainError) || error instanceof MemoryRefusal;
      answer({ ok: false, error: { code: refusal.code, message: refusal.message, ...(refusal.details === undefined ? {} : { details: refusal.details }) }, spent, rss: process.memoryUsage().rss });
    },
  );
});
// Loaded (sharp and all): the pool may send the first upload.
process.send!({ ready: true });
// The server went away (or closed the pool): nothing more will come.
process.on("disconnect", () => process.exit(0));
