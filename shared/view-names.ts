// Kept free of zod (as protocol-version.ts is) so that browser bundles can name a view.

/** The views of DESIGN.md §4: the whole snapshot, or its pinned and newest entries. */
export const VIEW_NAMES = ["full", "latest"] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** How many of the newest entries the latest view keeps (LATEST_VIEW_ENTRIES), and its bounds. */
export const LATEST_VIEW_ENTRIES = { default: 50, min: 10, max: 500 } as const;

/** The most entries one page of `GET /api/stories/:id/entries` holds. */
export const ENTRY_PAGE_LIMIT = 100;
