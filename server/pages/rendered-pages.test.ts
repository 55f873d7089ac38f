import { expect, it } from "vitest";
import { RenderedPages } from "./rendered-pages.js";

it("renders a page once per version and keeps only the latest version's, weighed with room for its compressed forms", async () => {
  const pages = new RenderedPages();
  let renders = 0;
  const html = (version: number) => async () => (renders++, `<p>${"entry ".repeat(100)} at version ${version}</p>`);
  for (let version = 1; version <= 20; version++) {
    const first = await pages.page("live:alpha", version, html(version));
    expect(await pages.page("live:alpha", version, html(version))).toBe(first);
  }
  expect(renders).toBe(20);
  const latest = await pages.page("live:alpha", 20, html(20));
  expect(pages.bytes).toBe(Math.ceil(latest.body.byteLength * 1.5));
});
