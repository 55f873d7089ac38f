import { Router } from "express";
import type { Store } from "../store/store.js";

/** Liveness (the process answers) and readiness (it can reach what it needs to serve). */
export function healthRoutes(store: Store): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    try {
      await store.ping();
      res.json({ status: "ready", checks: { store: "ok" } });
    } catch (error) {
      req.log.warn({ err: error }, "store not ready");
      res.status(503).json({ error: { code: "not_ready", message: "The store is not reachable.", details: { checks: { store: "failing" } } } });
    }
  });
  return router;
}
