import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASTODON_HOST_MAX } from "../../shared/embeds.js";
import { MAX_FRAME_ORIGINS } from "../../shared/embed-frames.js";
import { loadConfig } from "../config.js";
import { startServer, UNTHROTTLED, type TestServer } from "./harness.js";
import { expectError } from "./hostile-assertions.js";

/**
 * A story that embeds posts from 200 Mastodon instances with long names (issue 26) made a live page
 * whose CSP header was 52.7 KB, which Node's fetch refuses and nginx answers with 502. The page
 * now allows a bounded number of frame origins (the rest of the embeds are links), names each
 * embed's instance, and MASTODON_INSTANCES limits which instances an entry may embed from.
 */
const STORY = "many-instances";
const hostOf = (n: number) => `${"i".repeat(60)}.${"n".repeat(MASTODON_HOST_MAX - 61 - `-${n}.example`.length)}-${n}.example`;

describe("a page with posts from 200 Mastodon instances", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ pages: true, env: UNTHROTTLED });
    expect((await server.api("/api/stories", { body: { id: STORY, title: "Many instances" } })).status).toBe(201);
    for (let entry = 0; entry < 20; entry++) {
      const media = Array.from({ length: 10 }, (_, n) => ({ type: "embed", url: `https://${hostOf(entry * 10 + n)}/@newsroom/${n + 1}` }));
      const res = await server.api(`/api/stories/${STORY}/entries`, { body: { body: `Reactions, part ${entry}.`, media } });
      expect(res.status, await res.clone().text()).toBe(201);
    }
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it("has a CSP header proxies take, with at most MAX_FRAME_ORIGINS frame origins, and names each instance in the links", async () => {
    const res = await fetch(`${server.url}/stories/${STORY}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp.length).toBeLessThan(4096);
    const frameSrc = csp.split(";").find((directive) => directive.startsWith("frame-src "))!.split(" ").slice(1);
    expect(frameSrc).toHaveLength(MAX_FRAME_ORIGINS);
    const html = await res.text();
    expect(html).toContain(`View on Mastodon (${hostOf(199)})`);
    expect(html).toContain(`View on Mastodon (${hostOf(0)})`);
  });

  it("refuses an instance name longer than MASTODON_HOST_MAX", async () => {
    const long = `${"l".repeat(60)}.${"o".repeat(60)}.example`;
    const res = await server.api(`/api/stories/${STORY}/entries`, { body: { body: "One more.", media: [{ type: "embed", url: `https://${long}/@a/1` }] } });
    const error = await expectError(res, 400, "validation_failed");
    expect(JSON.stringify(error.details)).toContain("media.0.url");
  });
});

describe("MASTODON_INSTANCES", () => {
  it("takes host names, comma- or space-separated, lowercased, and stops the server on anything else", () => {
    expect(loadConfig({ MASTODON_INSTANCES: "Mastodon.Social, chaos.social  social.example.org" }).mastodonInstances).toEqual(["mastodon.social", "chaos.social", "social.example.org"]);
    expect(loadConfig({}).mastodonInstances).toBeUndefined();
    for (const bad of ["https://mastodon.social", "mastodon.social:443", "localhost", "127.0.0.1", "x.com", `${"a".repeat(60)}.${"b".repeat(60)}.org`]) {
      expect(() => loadConfig({ MASTODON_INSTANCES: bad }), bad).toThrow("MASTODON_INSTANCES: must list host names");
    }
  });

  it("when set, an entry may embed posts from those instances only (400 naming them), other platforms as before", async () => {
    const server = await startServer({ env: { ...UNTHROTTLED, MASTODON_INSTANCES: "mastodon.social" } });
    try {
      expect((await server.api("/api/stories", { body: { id: "listed", title: "Listed" } })).status).toBe(201);
      const post = (url: string) => server.api("/api/stories/listed/entries", { body: { body: "A post.", media: [{ type: "embed", url }] } });
      const error = await expectError(await post("https://chaos.social/@a/1"), 400, "validation_failed");
      expect(JSON.stringify(error.details)).toContain("not one of the Mastodon servers this site shows posts from (mastodon.social)");
      expect((await post("https://mastodon.social/@a/1")).status).toBe(201);
      expect((await post("https://x.com/a/status/1")).status).toBe(201);
    } finally {
      await server.close();
    }
  });
});
