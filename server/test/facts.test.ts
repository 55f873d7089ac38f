/**
 * Key figures over HTTP and Socket.IO, on a real server with a real SQLite file: PUT and DELETE
 * with If-Match and Idempotency-Key, the errors, the cap, one patch per change for a socket reader,
 * the history, the feeds (no item, `updated` moves), JSON-LD, and hostile text on every surface.
 */
import { Parser } from "htmlparser2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fact } from "../../shared/facts.js";
import type { PatchOp } from "../../shared/patch.js";
import type { Snapshot } from "../../shared/story.js";
import { startServer, type TestServer } from "./harness.js";

const STORY = "figures";
const figure = (id: string) => `/api/stories/${STORY}/facts/${id}`;
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ pages: true, env: { WRITES_PER_MINUTE: "100000" } });
  expect((await server.api("/api/stories", { body: { id: STORY, title: "Figures", summary: "A story with numbers." } })).status).toBe(201);
});
afterAll(() => server?.close());

const put = (id: string, body: unknown, headers: Record<string, string> = {}) => server.api(figure(id), { method: "PUT", body, headers });
const latest = async (): Promise<Snapshot> => (await server.api(`/api/stories/${STORY}`)).json() as Promise<Snapshot>;
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; details?: { issues: { path: string }[] } } }).error;

describe("PUT and DELETE /api/stories/:id/facts/:factId", () => {
  it("creates a figure (200 {fact, version}), changes it, and records each as one version with a history line", async () => {
    const before = (await latest()).version;
    const created = await put("f_injured", { label: "Injured", value: "at least 11", source: "early reports" });
    expect(created.status).toBe(200);
    const body = (await created.json()) as { fact: Fact; version: number };
    expect(body).toEqual({
      fact: { id: "f_injured", label: "Injured", value: "at least 11", source: "early reports", order: 1, updatedAt: expect.any(String) },
      version: before + 1,
    });
    const changed = await put("f_injured", { label: "Injured", value: "at least 15", source: "National Police" });
    expect(((await changed.json()) as { version: number }).version).toBe(before + 2);
    expect((await latest()).facts?.f_injured).toMatchObject({ value: "at least 15", source: "National Police" });
    const history = (await (await server.api(`/api/stories/${STORY}/history?limit=2`)).json()) as { versions: { summary: string }[] };
    expect(history.versions.map((v) => v.summary)).toEqual([
      "Injured: at least 11 → at least 15 (National Police)",
      "Added figure Injured: at least 11 (early reports)",
    ]);
    // The same figure again is no change: the same answer, no version.
    const again = await put("f_injured", { label: "Injured", value: "at least 15", source: "National Police" });
    expect([again.status, ((await again.json()) as { version: number }).version]).toEqual([200, before + 2]);
  });

  it("honours If-Match and Idempotency-Key as entries do", async () => {
    const { version } = await latest();
    const stale = await put("f_killed", { label: "Killed", value: "none reported" }, { "if-match": `"${version - 1}"` });
    expect([stale.status, (await errorOf(stale)).code]).toEqual([412, "precondition_failed"]);
    const key = { "idempotency-key": "figure-killed-1", "if-match": `"${version}"` };
    const first = await put("f_killed", { label: "Killed", value: "none reported" }, key);
    const retry = await put("f_killed", { label: "Killed", value: "none reported" }, key);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(await retry.json()).toEqual(await first.json());
    expect((await latest()).version).toBe(version + 1);
    const other = await put("f_killed", { label: "Killed", value: "2" }, key);
    expect([other.status, (await errorOf(other)).code]).toEqual([422, "idempotency_key_reused"]);
    const removeKey = { "idempotency-key": "figure-killed-remove" };
    const removed = await server.api(figure("f_killed"), { method: "DELETE", headers: removeKey });
    const removedAgain = await server.api(figure("f_killed"), { method: "DELETE", headers: removeKey });
    expect([removed.status, removedAgain.status]).toEqual([200, 200]);
    expect(await removedAgain.json()).toEqual(await removed.json());
    expect((await latest()).facts).not.toHaveProperty("f_killed");
  });

  it("answers bad input with a 400 naming the field, an unknown figure with 404, an unknown story with 404", async () => {
    const cases: [string, unknown, string][] = [
      ["f_ok", { label: "x".repeat(10_000), value: "1" }, "label"],
      ["f_ok", { label: "Injured", value: "\u202E51 tsael ta" }, "value"],
      ["f_ok", { label: "Injured", value: "1", source: "s".repeat(81) }, "source"],
      ["f_ok", { label: "Injured", value: "1", order: "first" }, "order"],
      ["f_ok", { value: "1" }, "label"],
      ["F_Bad", { label: "Injured", value: "1" }, "factId"],
      ["f_" + "a".repeat(40), { label: "Injured", value: "1" }, "factId"],
    ];
    for (const [id, body, field] of cases) {
      const res = await put(id, body);
      const error = await errorOf(res);
      expect([res.status, error.code, error.details?.issues.map((issue) => issue.path)], JSON.stringify(body).slice(0, 80)).toEqual([400, "validation_failed", [field]]);
    }
    for (const id of ["f_never", "not-a-figure"]) {
      const res = await server.api(figure(id), { method: "DELETE" });
      expect([res.status, (await errorOf(res)).code]).toEqual([404, "fact_not_found"]);
    }
    const unknown = await server.api("/api/stories/no-such-story/facts/f_x", { method: "PUT", body: { label: "A", value: "1" } });
    expect([unknown.status, (await errorOf(unknown)).code]).toEqual([404, "story_not_found"]);
    const noToken = await server.api(figure("f_x"), { method: "PUT", body: { label: "A", value: "1" }, auth: false });
    expect(noToken.status).toBe(401);
  });

  it("holds at most 12 figures (409 past it) and reorders them by order", async () => {
    const count = Object.keys((await latest()).facts ?? {}).length;
    for (let i = count; i < 12; i++) expect((await put(`f_n${i}`, { label: `Figure ${i}`, value: `${i}` })).status).toBe(200);
    const refused = await put("f_thirteenth", { label: "One too many", value: "13" });
    expect([refused.status, (await errorOf(refused)).code]).toEqual([409, "too_many_facts"]);
    const moved = await put("f_n11", { label: "Figure 11", value: "11", order: 1 });
    expect(((await moved.json()) as { fact: Fact }).fact.order).toBe(1);
    const orders = Object.values((await latest()).facts!).map((fact) => fact.order).sort((a, b) => a - b);
    expect(orders).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (let i = count; i < 12; i++) expect((await server.api(figure(`f_n${i}`), { method: "DELETE" })).status).toBe(200);
  });
});

describe("a socket reader", () => {
  it("sees a figure change as one patch touching only the figure", async () => {
    const socket = server.socket();
    const patches: { from: number; to: number; ops: PatchOp[] }[] = [];
    socket.on("patch", (patch) => patches.push(patch));
    const { version } = await latest();
    const ack = await socket.emitWithAck("subscribe", { storyId: STORY, version });
    expect(ack).toEqual({ ok: true, version });
    expect((await put("f_injured", { label: "Injured", value: "at least 17", source: "National Police" })).status).toBe(200);
    const deadline = Date.now() + 5000;
    while (patches.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100)); // nothing else follows
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({ from: version, to: version + 1 });
    expect(patches[0]!.ops.map((op) => op.path).sort()).toEqual(["/facts/f_injured/updatedAt", "/facts/f_injured/value", "/updatedAt", "/version"]);
    socket.disconnect();
  });
});

describe("feeds, JSON-LD, the history page", () => {
  it("gives a figure change no feed item but moves the feed's updated time, and lists the figures as a summary", async () => {
    const atom = async () => (await server.api(`/stories/${STORY}/feed.atom`, { auth: false })).text();
    const before = await atom();
    await new Promise((r) => setTimeout(r, 5)); // a later timestamp
    expect((await put("f_injured", { label: "Injured", value: "at least 18", source: "National Police" })).status).toBe(200);
    const after = await atom();
    const updated = (xml: string) => /<updated>([^<]+)<\/updated>/.exec(xml)![1];
    const items = (xml: string) => xml.split("<entry>").length - 1;
    expect(updated(after)).not.toBe(updated(before));
    expect(items(after)).toBe(items(before));
    expect(after).toContain("Key figures: Injured: at least 18 (National Police).");
    const json = (await (await server.api(`/stories/${STORY}/feed.json`, { auth: false })).json()) as { description: string; items: unknown[] };
    expect(json.description).toBe("A story with numbers. Key figures: Injured: at least 18 (National Police).");
  });

  it("names the figures in the JSON-LD description and shows each figure's timeline in the history page", async () => {
    const page = await (await server.api(`/stories/${STORY}`, { auth: false })).text();
    const jsonLd = JSON.parse(/<script type="application\/ld\+json"[^>]*>([\s\S]*?)<\/script>/.exec(page)![1]!) as { description: string };
    expect(jsonLd.description).toContain("Key figures: Injured: at least 18 (National Police)");
    expect(page).toContain('data-testid="key-figures"');
    const history = await (await server.api(`/stories/${STORY}/history`, { auth: false })).text();
    const section = /<section id="figure-f_injured"[\s\S]*?<\/section>/.exec(history)![0];
    const values = [...section.matchAll(/<tr[^>]*><td[^>]*>(?:<!--[^>]*-->)*<bdi>([^<]*)<\/bdi>/g)].map((m) => m[1]);
    expect(values).toEqual(["at least 18", "at least 17", "at least 15", "at least 11"]);
    expect(section).toContain("National Police");
  });
});

describe("hostile text in a figure", () => {
  const MARKUP = `<img src=x onerror="alert(1)"><script>alert(2)</script>`;

  it("is stored as text and escaped on the page, in JSON-LD, in the feeds and in the history", async () => {
    expect((await put("f_markup", { label: MARKUP.slice(0, 60), value: `</script><b>${"9".repeat(20)}</b>`, source: "'\"&<>" })).status).toBe(200);
    const surfaces = {
      page: await (await server.api(`/stories/${STORY}`, { auth: false })).text(),
      history: await (await server.api(`/stories/${STORY}/history`, { auth: false })).text(),
      atom: await (await server.api(`/stories/${STORY}/feed.atom`, { auth: false })).text(),
    };
    for (const [name, html] of Object.entries(surfaces)) {
      const tags: string[] = [];
      new Parser({ onopentag: (tag, attributes) => tags.push(tag, ...Object.keys(attributes).filter((a) => a.startsWith("on"))) }).end(html);
      expect(tags, name).not.toContain("img");
      expect(tags, name).not.toContain("b");
      expect(tags.filter((tag) => tag.startsWith("on")), name).toEqual([]);
      const scripts = html.match(/<script\b/g)?.length ?? 0;
      const closings = html.match(/<\/script>/g)?.length ?? 0;
      expect(scripts, `${name}: every <script> closes once`).toBe(closings);
    }
    const jsonLd = /<script type="application\/ld\+json"[^>]*>([\s\S]*?)<\/script>/.exec(surfaces.page)![1]!;
    expect(jsonLd).not.toContain("</script");
    expect((JSON.parse(jsonLd) as { description: string }).description).toContain(`</script><b>${"9".repeat(20)}</b>`);
    expect((await server.api(figure("f_markup"), { method: "DELETE" })).status).toBe(200);
  });
});
