import { describe, expect, it } from "vitest";
import { freeSpot } from "./toast-place.js";

const PHONE = { width: 390, height: 844 };
const TOAST = { width: 360, height: 40 };

describe("freeSpot", () => {
  it("takes the bottom edge, centred, when nothing is there", () => {
    expect(freeSpot(TOAST, PHONE, [{ left: 0, top: 0, width: 390, height: 100 }])).toEqual({ left: 15, top: 792, ...TOAST });
  });

  it("finds a free row between a full header and a sticky bottom bar, rather than cover either", () => {
    const header = { left: 0, top: 0, width: 390, height: 120 };
    const bottomBar = { left: 0, top: 760, width: 390, height: 84 };
    const field = { left: 10, top: 300, width: 370, height: 60 };
    const box = freeSpot(TOAST, PHONE, [header, bottomBar, field]);
    expect(box.top).toBeGreaterThanOrEqual(120);
    expect(box.top + box.height).toBeLessThanOrEqual(300);
  });

  it("covers the fewest controls when every place covers some", () => {
    const everywhere = Array.from({ length: 30 }, (_, n) => ({ left: 0, top: n * 30, width: 390, height: 30 }));
    const box = freeSpot(TOAST, PHONE, [...everywhere, { left: 0, top: 792, width: 390, height: 40 }]);
    expect(box.top).toBe(12);
  });
});
