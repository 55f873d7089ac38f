import { describe, expect, it } from "vitest";
import { FRAME_HEIGHT_BOUNDS, frameHeightOf } from "./frame-heights.js";

describe("frameHeightOf", () => {
  it("reads each platform's own height message, as text or as an object", () => {
    expect(frameHeightOf("x", { "twttr.embed": { method: "twttr.private.resize", params: [{ height: 731.5, width: 550 }] } })).toBe(732);
    expect(frameHeightOf("x", JSON.stringify({ "twttr.embed": { method: "twttr.private.resize", params: [{ height: 400 }] } }))).toBe(400);
    expect(frameHeightOf("instagram", JSON.stringify({ type: "MEASURE", details: { height: 812 } }))).toBe(812);
    expect(frameHeightOf("bluesky", { id: "abc", height: 300 })).toBe(300);
    expect(frameHeightOf("telegram", JSON.stringify({ event: "resize", height: 512 }))).toBe(512);
    expect(frameHeightOf("mastodon", { type: "setHeight", id: 1, height: 260 })).toBe(260);
    expect(frameHeightOf("tiktok", JSON.stringify({ signalSource: "player", height: 739 }))).toBe(739);
  });

  it("bounds what a platform asks for, and ignores other messages, other shapes and videos", () => {
    expect(frameHeightOf("telegram", { event: "resize", height: 1e9 })).toBe(FRAME_HEIGHT_BOUNDS.max);
    expect(frameHeightOf("telegram", { event: "resize", height: 1 })).toBe(FRAME_HEIGHT_BOUNDS.min);
    for (const [provider, data] of [
      ["telegram", { event: "resize", height: -5 }],
      ["telegram", { event: "resize", height: "500" }],
      ["telegram", { event: "resize", height: Number.NaN }],
      ["telegram", { event: "other", height: 500 }],
      ["instagram", { type: "MEASURE" }],
      ["x", { "twttr.embed": { method: "twttr.private.other", params: [{ height: 400 }] } }],
      ["x", "not json"],
      ["bluesky", ["height", 300]],
      ["bluesky", `{"height": 300, "pad": "${"a".repeat(20_000)}"}`],
      ["youtube", { height: 300 }],
      ["tiktok", { height: 300 }],
      ["facebook", { height: 300 }],
      ["vimeo", { event: "resize", height: 300 }],
    ] as const) {
      expect(frameHeightOf(provider, data), JSON.stringify(data).slice(0, 80)).toBeUndefined();
    }
  });
});
