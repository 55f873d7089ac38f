import { Router } from "express";
import { join, resolve } from "node:path";
import { DIST_DIR } from "./client-build.js";
import { Precompressed } from "./precompressed.js";

const ICON_FILE = resolve(import.meta.dirname, "../../client/push/alert-icon.png");

/**
 * The breaking-news alerts' service worker and its notification icon (issue 33). The worker sits
 * at the site's root so that its scope is the whole site; browsers look for a new version of it on
 * their own, so it is revalidated every time rather than cached.
 */
export function alertWorkerRoutes(): Router {
  const router = Router();
  const precompressed = new Precompressed();
  router.get("/alert-worker.js", (req, res) => {
    res.setHeader("Cache-Control", "no-cache");
    precompressed.send(req, res, join(DIST_DIR, "push/alert-worker.js"), { maxAge: "0" });
  });
  router.get("/alert-icon.png", (_req, res) => {
    res.sendFile(ICON_FILE, { maxAge: "1d" });
  });
  return router;
}
