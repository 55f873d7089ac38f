import { Router } from "express";
import type { MediaTakenDown } from "../../shared/api.js";
import { MEDIA_ID_PATTERN, type MediaItem } from "../../shared/media.js";
import { withoutImage } from "../../shared/without-image.js";
import { principalOf, requireRole } from "../http/auth.js";
import { DomainError } from "../../shared/error-codes.js";
import type { DraftNews } from "../live/desk/desk-channel.js";
import { DraftChanged, DraftGone } from "../store/accounts.js";
import { ScheduledChanged, ScheduledGone } from "../store/scheduled-store.js";
import type { Store } from "../store/store.js";
import type { StoryService } from "../story-service.js";
import type { VariantCache } from "./media-routes.js";

/** Tries at a draft or scheduled entry that others keep editing while the photo is taken out of it. */
const EDIT_ATTEMPTS = 3;

/**
 * Takes the photo out of one draft or scheduled entry, at the revision it was read at; read again
 * and tried again when someone edited it meanwhile. True when it was changed.
 */
async function takeOut<T extends { media?: MediaItem[]; revision: number }>(
  id: string,
  first: T,
  read: () => Promise<T | undefined>,
  edit: (media: MediaItem[], revision: number) => Promise<unknown>,
): Promise<boolean> {
  let item: T | undefined = first;
  for (let attempt = 0; item && attempt < EDIT_ATTEMPTS; attempt++) {
    const media = withoutImage(item.media, id);
    if (!media) return false;
    try {
      await edit(media, item.revision);
      return true;
    } catch (error) {
      if (error instanceof DraftGone || error instanceof ScheduledGone) return false;
      if (!(error instanceof DraftChanged || error instanceof ScheduledChanged)) throw error;
      item = await read();
    }
  }
  if (item && withoutImage(item.media, id)) {
    throw new DomainError("takedown_incomplete", "The photo is taken down, but a draft or scheduled entry kept being edited while it was taken out: send the DELETE again to finish.");
  }
  return false;
}

/**
 * `DELETE /api/media/:id` (admins): takes a photo down (DESIGN.md §3). The store deletes every
 * variant and keeps the id as removed, so its URLs answer 410 from then on; this node forgets the
 * variants it holds in memory (other nodes within VARIANT_RECHECK_MS). Then the photo leaves open
 * drafts and waiting scheduled entries (so they cannot publish it), and every story whose latest
 * entries show it gets ONE new version without it, through the write path, authored by the admin,
 * so live readers get a patch. Old versions keep naming it (the history is immutable) but its URLs
 * answer 410 there too. A repeat is a 200 that changes what is still left to change (nothing,
 * unless the first was cut short), with the time of the first takedown.
 */
export function mediaTakedownRoutes(store: Store, service: StoryService, cache: VariantCache, news: DraftNews): Router {
  const router = Router();

  router.delete("/media/:id", requireRole("admin"), async (req, res) => {
    const id = String(req.params.id);
    const unknown = () => new DomainError("media_not_found", `No uploaded image "${id}".`);
    if (!MEDIA_ID_PATTERN.test(id)) throw unknown();
    const record = await store.media.takeDown(id, new Date().toISOString());
    if (!record) throw unknown();
    cache.forget(id);
    const author = { name: principalOf(res)!.name };
    const at = () => new Date().toISOString();

    // Drafts and scheduled entries first: one published meanwhile is then among the stories' entries below.
    let drafts = 0;
    let scheduled = 0;
    for (const { id: storyId } of await store.listStories()) {
      for (const draft of await store.accounts.listDrafts(storyId)) {
        const changed = await takeOut(id, draft, () => store.accounts.draft(storyId, draft.id), async (media, revision) => {
          news.changed(await store.accounts.editDraft(storyId, draft.id, { changes: { media }, at: at(), expectedRevision: revision }));
        });
        if (changed) drafts++;
      }
      for (const item of await store.scheduled.list(storyId)) {
        const changed = await takeOut(id, item, () => store.scheduled.get(storyId, item.id), (media, revision) =>
          store.scheduled.edit(storyId, item.id, { changes: { media }, at: at(), expectedRevision: revision }),
        );
        if (changed) scheduled++;
      }
    }

    const stories: MediaTakenDown["stories"] = [];
    for (const storyId of await store.media.storiesShowing(id)) {
      const committed = await service.apply(storyId, { type: "take_down_media", mediaId: id }, { author });
      if (committed.changed) stories.push({ id: storyId, version: committed.snapshot.version });
    }
    const body: MediaTakenDown = { id, removedAt: record.removedAt!, stories, drafts, scheduled };
    res.setHeader("Cache-Control", "no-store");
    res.json(body);
  });

  return router;
}
