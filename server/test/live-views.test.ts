/**
 * Views over real sockets (DESIGN.md §4): a reader of the latest view is sent that view and its
 * patches only, readers of both views side by side each get their own, and a reader that comes
 * back with its version catches up in its view. The patches are applied with the stock JSON Patch
 * library and compared with what the REST API returns for the same view.
 */
import jsonpatch from "fast-json-patch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newEntryId } from "../../shared/ids.js";
import type { Ack, PatchMessage, SnapshotMessage } from "../../shared/protocol.js";
import type { Snapshot } from "../../shared/story.js";
import type { ViewName } from "../../shared/view-names.js";
import { startServer, UNTHROTTLED, type TestServer } from "./harness.js";

const VIEW = 10;
let server: TestServer;
let storyId: string;
let second = 0;

const rest = async (view: ViewName): Promise<Snapshot> => (await server.api(`/api/stories/${storyId}?view=${view}`, { auth: false })).json();
const post = async (headline: string) => {
  const res = await server.api(`/api/stories/${storyId}/entries`, { body: { headline, body: headline } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { entry: { id: string } }).entry.id;
};

/** A raw socket holding one view of the story, applying what it is sent with the stock library. */
function reader(view: ViewName | undefined) {
  const socket = server.socket();
  const state = { snapshot: undefined as Snapshot | undefined, patches: [] as PatchMessage[], snapshots: 0 };
  socket.on("snapshot", (message: SnapshotMessage) => {
    state.snapshots++;
    state.snapshot = message.snapshot;
  });
  socket.on("patch", (message: PatchMessage) => {
    state.patches.push(message);
    expect(message.from).toBe(state.snapshot!.version);
    state.snapshot = jsonpatch.applyPatch(structuredClone(state.snapshot!), message.ops, true, false).newDocument;
  });
  const subscribe = (version?: number) =>
    new Promise<Ack>((resolve) => socket.emit("subscribe", { storyId, ...(view ? { view } : {}), ...(version ? { version } : {}) }, resolve));
  return { socket, state, subscribe };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  server = await startServer({ env: { LATEST_VIEW_ENTRIES: String(VIEW), ...UNTHROTTLED } });
  storyId = "views";
  await server.app.service.createStory({ id: storyId, title: "Views" }, { author: { name: "Desk" } });
  for (let n = 0; n < 25; n++) {
    const at = new Date(Date.UTC(2026, 4, 24, 0, 0, ++second)).toISOString();
    await server.app.service.apply(storyId, { type: "add_entry", entryId: newEntryId(), headline: `Old ${n}`, body: "b", kind: "update", pinned: n === 0 }, { author: { name: "Desk" }, at });
  }
});
afterAll(() => server.close());

describe("views over Socket.IO", () => {
  it("sends a latest-view reader the view, then a patch that adds the new entry and removes the one falling out", async () => {
    const latest = reader("latest");
    expect((await latest.subscribe()).ok).toBe(true);
    await until(() => latest.state.snapshot !== undefined, "the view's snapshot");
    expect(latest.state.snapshot).toEqual(await rest("latest"));
    expect(Object.keys(latest.state.snapshot!.entries)).toHaveLength(VIEW + 1); // the pinned one and the newest ten
    const oldest = Object.values(latest.state.snapshot!.entries).filter((e) => !e.pinned).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0]!;

    const added = await post("Breaking now");
    await until(() => latest.state.patches.length === 1, "the view's patch");
    const ops = latest.state.patches[0]!.ops;
    expect(ops).toContainEqual(expect.objectContaining({ op: "add", path: `/entries/${added}` }));
    expect(ops).toContainEqual({ op: "remove", path: `/entries/${oldest.id}` });
    expect(latest.state.snapshot).toEqual(await rest("latest"));
    latest.socket.disconnect();
  });

  it("gives readers of the two views each their own patches, and an edit outside the view only moves the view's version", async () => {
    const full = reader(undefined);
    const latest = reader("latest");
    await Promise.all([full.subscribe(), latest.subscribe()]);
    await until(() => !!full.state.snapshot && !!latest.state.snapshot, "both snapshots");
    expect(Object.keys(full.state.snapshot!.entries).length).toBeGreaterThan(VIEW + 1);

    await post("One more");
    const old = Object.values(full.state.snapshot!.entries).find((entry) => entry.headline === "Old 3")!;
    expect((await server.api(`/api/stories/${storyId}/entries/${old.id}`, { method: "PATCH", body: { headline: "Old 3, corrected" } })).status).toBe(200);
    await until(() => full.state.patches.length === 2 && latest.state.patches.length === 2, "two patches each");
    expect(full.state.snapshot).toEqual(await rest("full"));
    expect(latest.state.snapshot).toEqual(await rest("latest"));
    // The edit touched an entry outside the view: its readers hear of the new version, nothing more.
    expect(latest.state.patches[1]!.ops.map((op) => op.path).filter((path) => path.startsWith("/entries/"))).toEqual([]);
    expect(full.state.patches[1]!.ops.some((op) => op.path.startsWith(`/entries/${old.id}/`))).toBe(true);
    full.socket.disconnect();
    latest.socket.disconnect();
  });

  it("catches a reader up in its own view when it comes back with its version", async () => {
    const latest = reader("latest");
    await latest.subscribe();
    await until(() => !!latest.state.snapshot, "the view");
    const held = latest.state.snapshot!;
    latest.socket.disconnect();
    for (let n = 0; n < 3; n++) await post(`While away ${n}`);

    const back = reader("latest");
    back.state.snapshot = held;
    const ack = await back.subscribe(held.version);
    expect(ack).toEqual({ ok: true, version: held.version + 3 });
    await until(() => back.state.snapshot!.version === held.version + 3, "the catch-up");
    expect(back.state.snapshots).toBe(0); // one patch of the view, smaller than its snapshot
    expect(back.state.patches).toHaveLength(1);
    expect(back.state.snapshot).toEqual(await rest("latest"));
    back.socket.disconnect();
  });

  it("moves a reader that subscribes again with another view, and refuses a view it does not know", async () => {
    const one = reader("latest");
    await one.subscribe();
    await until(() => !!one.state.snapshot, "the view");
    const switched = await new Promise<Ack>((resolve) => one.socket.emit("subscribe", { storyId, view: "full" }, resolve));
    expect(switched.ok).toBe(true);
    await until(() => Object.keys(one.state.snapshot!.entries).length > VIEW + 1, "the full snapshot");
    await post("After the switch");
    await until(() => one.state.snapshot!.version === (switched as { version: number }).version + 1, "the next patch");
    expect(one.state.snapshot).toEqual(await rest("full")); // full patches only: one room, one view
    const bad = await new Promise<Ack>((resolve) => one.socket.emit("subscribe", { storyId, view: "headlines" } as never, resolve));
    expect(bad).toMatchObject({ ok: false, error: { code: "bad_request" } });
    one.socket.disconnect();
  });
});
