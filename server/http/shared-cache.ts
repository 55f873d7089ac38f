import type { Request, Response } from "express";

/**
 * What every reader of a story version gets alike (the live, ticker, embed and history pages, the
 * latest story JSON, the feeds) may sit in a shared cache (a CDN) for a few seconds and then be
 * served stale for a while longer as the cache revalidates (DESIGN.md §6). Browsers keep nothing
 * without asking (max-age=0) and ask with the ETag; the live connection, not the page, brings
 * updates, so a cached page costs a reader at most one catch-up patch.
 */
export interface SharedCache {
  /** `s-maxage`: CACHE_S_MAXAGE. */
  sMaxAgeSeconds: number;
  /** `stale-while-revalidate`: CACHE_STALE_WHILE_REVALIDATE. */
  staleWhileRevalidateSeconds: number;
}

export function sharedCacheControl({ sMaxAgeSeconds, staleWhileRevalidateSeconds }: SharedCache): string {
  return `public, max-age=0, s-maxage=${sMaxAgeSeconds}, stale-while-revalidate=${staleWhileRevalidateSeconds}`;
}

/**
 * Sets the response's validator and caching, and says whether the reader's copy (If-None-Match) is
 * this one, in which case the caller answers 304. Evaluated here rather than by Express, whose
 * freshness check ignores If-None-Match whenever the request says `Cache-Control: no-cache`, which
 * fetch() adds to every conditional request.
 */
export function validated(req: Request, res: Response, etag: string, cacheControl: string): boolean {
  res.setHeader("ETag", etag);
  res.setHeader("Cache-Control", cacheControl);
  return matchesIfNoneMatch(req.get("if-none-match"), etag);
}

/** RFC 9110 §13.1.2: weak comparison against a list of entity tags, or `*`. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === opaque);
}
