/**
 * Where the desk's status toast goes: the first of a few spots along the viewport's edges where
 * it covers no control, so a message never sits on the button the editor clicks next (issue 29).
 * Pure, so the choice is testable without a browser; Desk.svelte measures and applies it.
 */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

const SPOTS = ["bottom", "top", "bottom-end", "bottom-start", "top-end", "top-start"] as const;
export type Spot = (typeof SPOTS)[number];

/** The toast's box at `spot`, `margin` from the viewport's edges. */
export function boxAt(spot: Spot, size: { width: number; height: number }, viewport: { width: number; height: number }, margin = 12): Box {
  const top = spot.startsWith("top") ? margin : viewport.height - margin - size.height;
  const left = spot.endsWith("start") ? margin : spot.endsWith("end") ? viewport.width - margin - size.width : (viewport.width - size.width) / 2;
  return { left: Math.max(0, left), top: Math.max(0, top), ...size };
}

const overlaps = (a: Box, b: Box) => a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;

/** How far apart the rows tried between the top and bottom edges are, in CSS pixels. */
const ROW_STEP = 8;

/**
 * The first spot along the edges covering no control; failing those (a phone's header and its
 * sticky Publish bar fill both edges), the first row from the top, centred, at the start or the
 * end, that covers none; if every place covers some, the edge spot covering fewest.
 */
export function freeSpot(size: { width: number; height: number }, viewport: { width: number; height: number }, controls: readonly Box[]): Box {
  const covering = (box: Box) => controls.filter((control) => overlaps(box, control)).length;
  let best: { box: Box; covered: number } | undefined;
  for (const spot of SPOTS) {
    const box = boxAt(spot, size, viewport);
    const covered = covering(box);
    if (covered === 0) return box;
    if (!best || covered < best.covered) best = { box, covered };
  }
  for (let top = 12; top + size.height <= viewport.height - 12; top += ROW_STEP) {
    for (const spot of ["top", "top-start", "top-end"] as const) {
      const box = { ...boxAt(spot, size, viewport), top };
      if (covering(box) === 0) return box;
    }
  }
  return best!.box;
}

/** What the editor may click or type in: what the toast must leave uncovered. */
export const CONTROLS = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';
