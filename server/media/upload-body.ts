import type { Request, Response } from "express";
import { DomainError } from "../../shared/error-codes.js";

const megabytes = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

/**
 * Reads a request body of at most `limit` bytes (MAX_UPLOAD_BYTES). A declared Content-Length
 * past it is refused before a byte is read; a body that grows past it while streaming is refused
 * the moment it does, keeping nothing beyond the limit. Either way the connection is closed
 * after the 413, so the rest of a large upload is not read at all.
 */
export async function readUpload(req: Request, res: Response, limit: number): Promise<Buffer> {
  const tooLarge = () => {
    res.setHeader("Connection", "close");
    return new DomainError("upload_too_large", `The file is larger than ${megabytes(limit)}, the most this server takes; make it smaller and try again.`, {
      maxBytes: limit,
    });
  };
  const encoding = (req.get("content-encoding") ?? "identity").toLowerCase();
  if (encoding !== "identity") throw new DomainError("unsupported_media_type", "Send the image's bytes as they are, without Content-Encoding.");
  const declared = Number(req.get("content-length"));
  if (declared > limit) throw tooLarge();

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        req.pause();
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAborted = () => onError(new DomainError("bad_request", "The upload was interrupted."));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}
