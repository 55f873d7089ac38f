import { editor, eventPacket, type Editor } from "../fixtures.js";
import { frameBytes, LeanSocket, nowMs, type Received } from "../load/lean-socket.js";
import { compare, type Row } from "../report.js";
import { median } from "../stats.js";
import { startTarget, stopTarget } from "../targets.js";

export interface StorySizeSettings {
  /** Entries of the big story (scenario 3). */
  entries: number;
  /** How far behind the catching-up reader is (scenario 6). */
  behind: number;
  rounds: number;
}

/**
 * Scenarios 3 and 6, on one live-ticker server with one reader at a time: what a patch weighs
 * against the snapshot of a big story, and what a reader far behind is sent when it comes back.
 */
export async function measureStorySize(settings: StorySizeSettings, log: (line: string) => void): Promise<Row[]> {
  const ticker = await startTarget("ticker");
  try {
    const desk = editor(ticker.url);
    return [...(await patchVersusSnapshot(desk, ticker.url, settings)), ...(await catchUp(desk, ticker.url, settings, log))];
  } finally {
    await stopTarget(ticker);
  }
}

/** A reader that subscribes (from `version`, if given) and resolves with the first state it is sent. */
async function firstState(url: string, storyId: string, version?: number): Promise<{ message: Received; ms: number }> {
  let resolveState: (message: Received) => void = () => {};
  const state = new Promise<Received>((resolve) => (resolveState = resolve));
  const socket = new LeanSocket(url, "socketio", (message) => resolveState(message));
  try {
    await socket.opened;
    const begun = nowMs();
    await socket.emitWithAck("subscribe", { storyId, protocol: 1, ...(version === undefined ? {} : { version }) });
    const message = await state;
    return { message, ms: message.at - begun };
  } finally {
    socket.close();
  }
}

async function patchVersusSnapshot(desk: Editor, url: string, settings: StorySizeSettings): Promise<Row[]> {
  const storyId = "big-story";
  await desk.createStory(storyId, "A long-running story");
  for (let i = 0; i < settings.entries; i++) await desk.postEntry(storyId);

  const patchBytes: number[] = [];
  const snapshotBytes: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    let resolvePatch: (message: Received) => void = () => {};
    const patch = new Promise<Received>((resolve) => (resolvePatch = resolve));
    const reader = new LeanSocket(url, "socketio", (message) => message.event === "patch" && resolvePatch(message));
    await reader.opened;
    await reader.emitWithAck("subscribe", { storyId, protocol: 1 });
    await desk.postEntry(storyId);
    patchBytes.push((await patch).wireBytes);
    reader.close();
    snapshotBytes.push((await firstState(url, storyId)).message.wireBytes);
  }
  const n = `1 (${settings.entries} entries)`;
  return [
    compare(
      { scenario: "3 patch vs snapshot", n, figure: "wire bytes per update", unit: "B", ticker: median(patchBytes), baseline: median(snapshotBytes), against: "snapshot" },
      { target: "≤ 0.01× (100× smaller)", test: (r) => r <= 0.01 },
    ),
  ];
}

/**
 * A story with `behind` versions of typical desk work (new entries, corrections, pins) after the
 * version a reader holds; the reader resubscribes from it.
 */
async function catchUp(desk: Editor, url: string, settings: StorySizeSettings, log: (line: string) => void): Promise<Row[]> {
  const storyId = "long-story";
  await desk.createStory(storyId, "A story edited all day");
  const entryIds: string[] = [];
  for (let i = 0; i < 10; i++) entryIds.push((await desk.postEntry(storyId)).entry.id);
  const { version: from } = await desk.get<{ version: number }>(`/api/stories/${storyId}`);
  const to = from + settings.behind;
  const pinned = new Set<string>();
  const started = Date.now();
  for (let i = 0, version = from; version < to; i++) {
    if (i % 4 === 0) {
      const added = await desk.postEntry(storyId);
      entryIds.push(added.entry.id);
      version = added.version;
    } else if (i % 4 === 3) {
      const entryId = entryIds[i % entryIds.length]!;
      if (pinned.has(entryId)) pinned.delete(entryId);
      else pinned.add(entryId);
      version = (await desk.editEntry(storyId, entryId, { pinned: pinned.has(entryId) })).version;
    } else {
      version = (await desk.editEntry(storyId, entryIds[(i * 7) % entryIds.length]!, { body: `Corrected at step ${i}: the figures were revised by officials.` })).version;
    }
  }
  log(`  catch-up: wrote ${settings.behind} versions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const snapshot = await desk.get<unknown>(`/api/stories/${storyId}`);
  const snapshotWire = frameBytes(Buffer.byteLength(eventPacket("snapshot", { storyId, snapshot })));
  let patchesWire = 0;
  for (let v = from; v < to; v++) {
    patchesWire += frameBytes(Buffer.byteLength(eventPacket("patch", await desk.get(`/api/stories/${storyId}/patch?from=${v}&to=${v + 1}`))));
  }

  const caughtUp: { bytes: number; ms: number; event: string }[] = [];
  const fresh: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const { message, ms } = await firstState(url, storyId, from);
    const payload = message.payload as { to?: number; snapshot?: { version: number } };
    if ((payload.to ?? payload.snapshot?.version) !== to) throw new Error(`catch-up ended at ${JSON.stringify(payload).slice(0, 80)}, not ${to}`);
    caughtUp.push({ bytes: message.wireBytes, ms, event: message.event });
    fresh.push((await firstState(url, storyId)).ms);
  }
  const n = `1 (${settings.behind} behind)`;
  return [
    // Against replaying every patch since, not against the snapshot: the server sends the snapshot
    // unless its spanning patch is smaller, so bytes ÷ snapshot is at most 1 (exactly 1 when it sent one) by construction.
    compare(
      {
        scenario: "6 catch-up",
        n,
        figure: `bytes (sent a ${caughtUp[0]!.event})`,
        unit: "B",
        ticker: median(caughtUp.map((c) => c.bytes)),
        baseline: patchesWire,
        against: "sum of the patches",
      },
      { target: "≤ 1×", test: (r) => r <= 1 },
    ),
    compare({ scenario: "6 catch-up", n, figure: "snapshot", unit: "B", ticker: snapshotWire }),
    compare({ scenario: "6 catch-up", n, figure: "time", unit: "ms", ticker: median(caughtUp.map((c) => c.ms)), baseline: median(fresh), against: "fresh subscribe" }),
  ];
}
