import type { RequestHandler } from "express";

/**
 * Who may read an answer, and who may keep it. Public story data (the read API, the feeds) may be
 * read by any site's scripts (no credentials are involved: `*` never lets a browser send cookies)
 * and loaded cross-origin, and it carries its own caching. Everything else under /api (accounts,
 * tokens, the session, drafts, write answers, errors) is for the signed-in client alone: no CORS
 * grant, helmet's same-origin resource policy, and no copy kept by any cache.
 */
export const publicRead: RequestHandler = (_req, res, next) => {
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Expose-Headers", "ETag");
  res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
  next();
};

/**
 * A browser's CORS preflight for a public read (a conditional GET sends If-None-Match). A path that
 * is also written to (`/stories/:id/entries` is read page by page and posted to) grants reading only:
 * a preflight for any other method is not answered here, so it gets no grant at all.
 */
export const publicPreflight: RequestHandler = (req, res, next) => {
  const method = req.get("access-control-request-method")?.toUpperCase();
  if (method !== "GET" && method !== "HEAD") return next();
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Allow-Methods", "GET, HEAD");
  res.setHeader("Access-Control-Allow-Headers", "If-None-Match");
  res.setHeader("Access-Control-Max-Age", "86400");
  res.status(204).end();
};

/** The default for /api: public reads replace it with their own Cache-Control. */
export const privateAnswer: RequestHandler = (_req, res, next) => {
  res.setHeader("Cache-Control", "no-store");
  next();
};
