import type { MediaItem } from "./media.js";

/**
 * `media` without the photo `id`: a photo showing it leaves the list, an embed showing it as its
 * thumbnail keeps its card without the picture. Undefined when nothing in the list shows it.
 */
export function withoutImage(media: readonly MediaItem[] | undefined, id: string): MediaItem[] | undefined {
  const shows = (item: MediaItem) => (item.type === "image" ? item.id : item.thumbnail?.id) === id;
  if (!media?.some(shows)) return undefined;
  return media.flatMap((item): MediaItem[] => {
    if (!shows(item)) return [item];
    if (item.type === "image") return [];
    const { thumbnail: _gone, ...card } = item;
    return [card];
  });
}
