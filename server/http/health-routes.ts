import { Router } from "express";

/** What /readyz checks: each resolves when its dependency answers, and throws when it does not. */
export type ReadinessChecks = Record<string, () => Promise<void>>;

const CHECK_TIMEOUT_MS = 2_000;

/** Liveness (the process answers) and readiness (it can reach everything it needs to serve). */
export function healthRoutes(checks: ReadinessChecks): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS).unref())]);
          return [name, "ok"] as const;
        } catch (error) {
          req.log.warn({ err: error, check: name }, "not ready");
          return [name, "failing"] as const;
        }
      }),
    );
    const report = Object.fromEntries(results);
    if (results.every(([, state]) => state === "ok")) return void res.json({ status: "ready", checks: report });
    const failing = results.filter(([, state]) => state !== "ok").map(([name]) => name);
    res.status(503).json({ error: { code: "not_ready", message: `Not reachable: ${failing.join(", ")}.`, details: { checks: report } } });
  });
  return router;
}
