import type { Principal } from "../http/auth.js";
import { DomainError } from "../../shared/error-codes.js";
import type { MediaStore } from "../store/media-store.js";

/** The upload quotas of each account (config.ts: MEDIA_UPLOADS_PER_DAY, MEDIA_MB_PER_ACCOUNT). */
export interface UploadQuota {
  uploadsPerDay: number;
  mediaBytesPerAccount: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Who an upload is recorded as: the account (an API token acts as its owner), or the admin token as its own uploader. */
export const uploaderOf = (principal: Principal): string => principal.userId ?? principal.id;

/**
 * Refuses a new image once its uploader has stored `uploadsPerDay` images in the last 24 hours
 * (429 `upload_quota_exceeded`, with Retry-After until the oldest of them is a day old), or once
 * their stored images take `mediaBytesPerAccount` (413 `media_quota_exceeded`: nothing frees it
 * but deleting photos, so waiting does not help). Judged before the image is decoded, on what is
 * stored already, so one upload may pass the byte quota by its own size; the same bytes again
 * never get here (they are the image already stored).
 */
export async function checkUploadQuota(media: MediaStore, uploader: string, quota: UploadQuota, now = Date.now()): Promise<void> {
  const usage = await media.usage(uploader, new Date(now - DAY_MS).toISOString());
  if (usage.recent >= quota.uploadsPerDay) {
    const freedAt = Date.parse(usage.oldestRecent ?? new Date(now).toISOString()) + DAY_MS;
    const retryAfter = Math.max(1, Math.ceil((freedAt - now) / 1000));
    throw new DomainError("upload_quota_exceeded", `You have uploaded ${quota.uploadsPerDay} photos in the last 24 hours, the most allowed. Try again later.`, {
      limit: quota.uploadsPerDay,
      retryAfter,
    });
  }
  if (usage.storedBytes >= quota.mediaBytesPerAccount) {
    const mb = Math.round(quota.mediaBytesPerAccount / (1024 * 1024));
    throw new DomainError("media_quota_exceeded", `Your photos take ${mb} MB, the most one account may store. Ask an admin to raise MEDIA_MB_PER_ACCOUNT.`, {
      limitBytes: quota.mediaBytesPerAccount,
      storedBytes: usage.storedBytes,
    });
  }
}
