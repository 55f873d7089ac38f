/** Where the desk is, kept in location.hash so a reload stays there: `#story=ID`, `#stories`, `#admin`, `#tokens`, `#password`. */
export type Route = { view: "stories"; storyId?: string } | { view: "admin" } | { view: "tokens" } | { view: "password" };

const STORY_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The route of a hash, or undefined for a hash that is not the desk's (an entry's `#e_…` anchor). */
export function parseRoute(hash: string): Route | undefined {
  const text = hash.replace(/^#/, "");
  if (text === "" || text === "stories") return { view: "stories" };
  if (text === "admin" || text === "tokens" || text === "password") return { view: text };
  const storyId = new URLSearchParams(text).get("story");
  if (storyId !== null) return STORY_ID.test(storyId) ? { view: "stories", storyId } : { view: "stories" };
  return undefined;
}

export function storyHash(storyId: string): string {
  return `#story=${encodeURIComponent(storyId)}`;
}
