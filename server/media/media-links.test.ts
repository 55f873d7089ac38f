import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { ImageItem } from "../../shared/media.js";
import type { Entry, Snapshot } from "../../shared/story.js";
import { atomFeed } from "../feeds/atom.js";
import { jsonFeed } from "../feeds/json-feed.js";
import { liveBlogPosting } from "../pages/json-ld.js";
import { firstImage, imageUrl, mediaHtml, shareVariant } from "./media-links.js";

const PUBLIC_URL = "https://live.example.org";
const PAGE = `${PUBLIC_URL}/stories/s`;
const photo: ImageItem = { type: "image", id: `m_${"a".repeat(32)}`, alt: 'Smoke over the "river" <bank>', caption: "Kyiv, 06:10", credit: "Photo: Desk", width: 4000, height: 3000, placeholder: "#445566" };
const small: ImageItem = { type: "image", id: `m_${"b".repeat(32)}`, alt: "A map", width: 700, height: 500 };
const entry = (id: string, createdAt: string, fields: Partial<Entry> = {}): Entry => ({
  id,
  createdAt,
  updatedAt: createdAt,
  author: { name: "Desk" },
  kind: "update",
  pinned: false,
  body: `Text of ${id}`,
  html: `<p>Text of ${id}</p>`,
  revision: 1,
  ...fields,
});
const story: Snapshot = {
  id: "s",
  version: 4,
  title: "Strikes",
  summary: "",
  status: "live",
  language: "en",
  createdAt: "2026-05-24T01:00:00.000Z",
  updatedAt: "2026-05-24T04:00:00.000Z",
  entries: {
    e_old1: entry("e_old1", "2026-05-24T02:00:00.000Z", { media: [small] }),
    e_new1: entry("e_new1", "2026-05-24T03:00:00.000Z", { media: [{ type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" }, photo] }),
    e_text: entry("e_text", "2026-05-24T04:00:00.000Z"),
  },
};
const photoUrl = `${PUBLIC_URL}/media/${photo.id}/960.jpeg`;
const smallUrl = `${PUBLIC_URL}/media/${small.id}/960.jpeg`; // 700 px wide: its largest variant, named 960

describe("photos and embeds outside the reader apps", () => {
  it("links the 960 px JPEG, or the largest variant of a smaller photo", () => {
    expect(shareVariant(photo)).toEqual({ name: 960, width: 960, height: 720 });
    expect(shareVariant(small)).toEqual({ name: 960, width: 700, height: 500 });
    expect(shareVariant({ width: 300, height: 300 })).toEqual({ name: 480, width: 300, height: 300 });
    expect(imageUrl(`${PUBLIC_URL}/`, photo)).toBe(photoUrl);
  });

  it("takes the story's first photo as readers see the page: pinned first, then newest", () => {
    expect(firstImage(story)).toEqual(photo);
    expect(firstImage({ ...story, entries: { ...story.entries, e_old1: { ...story.entries.e_old1!, pinned: true } } })).toEqual(small);
    expect(firstImage({ ...story, entries: { e_text: story.entries.e_text! } })).toBeUndefined();
  });

  it("writes photos as <img> with an absolute URL, size and escaped alt text, and embeds as plain links", () => {
    expect(mediaHtml(story.entries.e_new1!, PUBLIC_URL)).toBe(
      `<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">YouTube: https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></p>` +
        `<figure><img src="${photoUrl}" width="960" height="720" alt="Smoke over the &#34;river&#34; &#60;bank&#62;"><figcaption>Kyiv, 06:10 Photo: Desk</figcaption></figure>`,
    );
  });

  it("names an embed's link by the title its platform gave, and adds the editor's caption, escaped", () => {
    const described = { type: "embed", provider: "youtube", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", title: "Rescue <live>", caption: "Filmed at 05:40 & after" } as const;
    expect(mediaHtml({ ...story.entries.e_new1!, media: [described] }, PUBLIC_URL)).toBe(
      `<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">YouTube: Rescue &#60;live&#62;</a> Filmed at 05:40 &#38; after</p>`,
    );
  });

  it("puts them in the Atom feed's content and the JSON Feed's content, image and attachments", () => {
    const xml = atomFeed({ snapshot: story, removed: [], publicUrl: PUBLIC_URL, limit: 50 });
    expect(XMLValidator.validate(xml)).toBe(true);
    const feed = new XMLParser({ ignoreAttributes: false }).parse(xml).feed;
    const content = (id: string) => feed.entry.find((e: { id: string }) => e.id.endsWith(id)).content["#text"] as string;
    expect(content("e_new1")).toContain(`<img src="${photoUrl}"`);
    expect(content("e_new1")).toContain(`<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">`);
    expect(content("e_old1")).toContain(`alt="A map"`);
    expect(content("e_text")).toBe("<p>Text of e_text</p>");

    const json = jsonFeed({ snapshot: story, removed: [], publicUrl: PUBLIC_URL, limit: 50 });
    const item = (id: string) => json.items.find((i) => i.id.endsWith(id))!;
    expect(item("e_new1")).toMatchObject({ image: photoUrl, attachments: [{ url: photoUrl, mime_type: "image/jpeg", title: photo.alt }] });
    expect(item("e_new1").content_html).toContain(`<img src="${photoUrl}"`);
    expect(item("e_old1").image).toBe(smallUrl);
    expect(item("e_text")).not.toHaveProperty("image");
    expect(item("e_text")).not.toHaveProperty("attachments");
  });

  it("names the images in JSON-LD: on the LiveBlogPosting and on each update that has photos", () => {
    const posting = liveBlogPosting(story, PAGE, PUBLIC_URL) as { image: { url: string }[]; liveBlogUpdate: { "@id": string; image?: unknown }[] };
    expect(posting.image.map((image) => image.url)).toEqual([photoUrl, smallUrl]);
    const update = (id: string) => posting.liveBlogUpdate.find((u) => u["@id"].endsWith(id))!;
    expect(update("e_new1").image).toEqual([{ "@type": "ImageObject", url: photoUrl, width: 960, height: 720, caption: "Kyiv, 06:10" }]);
    expect(update("e_old1").image).toEqual([{ "@type": "ImageObject", url: smallUrl, width: 700, height: 500, caption: "A map" }]);
    expect(update("e_text")).not.toHaveProperty("image");
    expect(liveBlogPosting({ ...story, entries: {} }, PAGE, PUBLIC_URL)).not.toHaveProperty("image");
  });
});
