import { answerOf, ApiFailure, REQUEST_TIMEOUT_MS } from "./request.js";

/**
 * Sends a file's bytes as they are (its own Content-Type; the server looks at the bytes) and
 * parses the JSON answer, reporting progress on the way. XMLHttpRequest, because fetch cannot
 * report upload progress in every browser. Failures are the same `ApiFailure`s as `requestJson`'s;
 * the caller's abort is rethrown as an AbortError.
 */
export interface UploadOptions {
  /** Bytes sent so far, of `total`. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal | undefined;
  headers?: Record<string, string>;
  /**
   * How long the upload may make no progress at all (nothing sent, nothing answered) before it
   * gives up: a slow link keeps going as long as bytes move, a dead one is told within this time.
   */
  idleTimeoutMs?: number | undefined;
  /**
   * How long the server may take to answer once every byte is sent: decoding a phone photo and
   * encoding its variants takes seconds of CPU, more on a busy server, so this is longer.
   */
  answerTimeoutMs?: number | undefined;
}

export const UPLOAD_ANSWER_TIMEOUT_MS = 60_000;

export function uploadFile<T>(url: string, file: Blob, { onProgress, signal, headers = {}, idleTimeoutMs = REQUEST_TIMEOUT_MS, answerTimeoutMs = UPLOAD_ANSWER_TIMEOUT_MS }: UploadOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(new DOMException("The upload was cancelled.", "AbortError"));
    const xhr = new XMLHttpRequest();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", cancel);
    };
    const fail = (error: unknown) => {
      finish();
      reject(error);
    };
    const seconds = (ms: number) => Math.round(ms / 1000);
    const giveUp = (message: string) => () => {
      xhr.abort();
      fail(new ApiFailure(0, "timeout", message));
    };
    /** Bytes moved: the clock starts again. */
    const alive = () => {
      clearTimeout(timer);
      timer = setTimeout(giveUp(`The upload made no progress for ${seconds(idleTimeoutMs)} seconds.`), idleTimeoutMs);
    };
    function cancel() {
      xhr.abort();
      fail(new DOMException("The upload was cancelled.", "AbortError"));
    }

    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      alive();
      onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    };
    // Everything is sent: now the server works on the photo.
    xhr.upload.onload = () => {
      clearTimeout(timer);
      timer = setTimeout(giveUp(`The server did not finish with the photo within ${seconds(answerTimeoutMs)} seconds.`), answerTimeoutMs);
    };
    xhr.onload = () => {
      finish();
      try {
        resolve(answerOf<T>(xhr.status, xhr.statusText, xhr.responseText, xhr.getResponseHeader("Retry-After")));
      } catch (error) {
        reject(error);
      }
    };
    xhr.onerror = () => fail(new ApiFailure(0, "network_error", "Could not reach the server. Check the connection and try again."));
    signal?.addEventListener("abort", cancel);
    alive();
    xhr.send(file);
  });
}
