import { Router } from "express";
import type { AudienceResponse } from "../../shared/api.js";
import type { Audience } from "../live/audience/audience.js";
import { requireRole } from "./auth.js";
import { ApiError } from "./errors.js";
import { storyIdOf } from "./params.js";

/**
 * `GET /api/stories/:id/audience`: how many are reading, for editors and admins only (the figure
 * is the newsroom's, not the readers'). 401 without credentials, 403 for contributors.
 */
export function audienceRoutes(audience: Audience, storyExists: (storyId: string) => Promise<boolean>): Router {
  const router = Router();
  router.get("/stories/:id/audience", requireRole("editor", "admin"), async (req, res) => {
    const storyId = storyIdOf(req);
    if (!(await storyExists(storyId))) throw new ApiError(404, "story_not_found", `No story "${storyId}".`);
    res.setHeader("Cache-Control", "no-store");
    res.json({ storyId, readers: audience.readers(storyId), ...audience.history(storyId) } satisfies AudienceResponse);
  });
  return router;
}
