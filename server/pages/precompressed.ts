import { existsSync } from "node:fs";
import { extname } from "node:path";
import type { Request, Response } from "express";

/** What `scripts/precompress.ts` writes beside each built text file, in the order we prefer them. */
const ENCODINGS = { br: ".br", gzip: ".gz" } as const;
type Encoding = keyof typeof ENCODINGS;

/**
 * Sends a built file in the best encoding the browser accepts that the build precompressed (brotli,
 * else gzip, else the file itself), with `Vary: Accept-Encoding` so caches keep each apart. Built
 * files never change while the server runs, so which copies exist is looked up once per file.
 */
export class Precompressed {
  readonly #exists = new Map<string, boolean>();

  /** Whether `path` was built (so `send` can serve it). */
  has(path: string): boolean {
    let known = this.#exists.get(path);
    if (known === undefined) this.#exists.set(path, (known = existsSync(path)));
    return known;
  }

  send(req: Request, res: Response, path: string, options: { maxAge: string; immutable?: boolean }): void {
    res.vary("Accept-Encoding");
    const encoding = (Object.keys(ENCODINGS) as Encoding[]).find((name) => req.acceptsEncodings(name) === name && this.has(path + ENCODINGS[name]));
    // The type of the file, not of its .br copy: send() keeps a Content-Type already set.
    res.type(extname(path));
    if (encoding) res.setHeader("Content-Encoding", encoding);
    res.sendFile(encoding ? path + ENCODINGS[encoding] : path, options);
  }
}
