import { Router, type RequestHandler } from "express";
import type { Metrics } from "../metrics.js";

/**
 * `GET /metrics`, Prometheus text. Unauthenticated and read-only like /healthz: it tells how many
 * readers follow which public story, nothing more; operators who want it private restrict the
 * path at their proxy (README, Observability).
 */
export function metricsRoutes(metrics: Metrics): Router {
  const router = Router();
  router.get("/metrics", async (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.type(metrics.contentType).send(await metrics.text());
  });
  return router;
}

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Times each story write from request to answer; only acknowledged ones count, failures answer early. */
export function timeWrites(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    if (READS.has(req.method)) return next();
    const end = metrics.writeDuration.startTimer();
    res.once("finish", () => {
      if (res.statusCode < 300) end();
    });
    next();
  };
}
