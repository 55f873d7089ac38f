import { editor, entryFields } from "../fixtures.js";
import { LeanSocket, type Received } from "../load/lean-socket.js";
import { compare, type Row } from "../report.js";
import { median, percentile } from "../stats.js";
import { startTarget, stopTarget } from "../targets.js";

export interface StoryLengthSettings {
  /** Story lengths in entries, shortest first (20, 200, 2,000); the last is judged against the one before. */
  lengths: number[];
  /** Entries posted (and timed) at each length. */
  writes: number;
  /** Page renders timed at each length. */
  renders: number;
  /** Characters of headline and body in each entry (bench/fixtures.ts); about 300 when absent. */
  entryChars?: number;
}

/** What one reader or editor pays at one story length. */
interface Figures {
  pageBytes: number;
  ssrMs: number;
  updateBytes: number;
  updateSsrMs: number;
  tickerBytes: number;
  embedBytes: number;
  feedBytes: number;
  joinFull: number;
  joinLatest: number;
  postP50: number;
  postP99: number;
}

const KB = 1024;

/**
 * Scenario 8, "story length" (issue 16): one story grown to each length in turn, and at each what
 * a reader downloads (live page, ticker, embed, JSON feed, uncompressed), what a socket is sent on
 * joining each view (`full` and `latest`), how long the server takes to render the live page at a
 * new version, the same two for the page of the story's first update (issue 31: what a shared
 * link opens, at the far end of the story), and how long an editor waits for a POST's 201. A reader's and an editor's cost
 * should not grow with the story: each figure at the longest length is judged against the length
 * before it (flat within 1.5×), and the page, embed and joins against absolute budgets.
 */
export async function measureStoryLength(settings: StoryLengthSettings, log: (line: string) => void): Promise<Row[]> {
  const ticker = await startTarget("ticker");
  try {
    const desk = editor(ticker.url);
    const storyId = "story-length";
    await desk.createStory(storyId, "A story that runs all night");
    const measured: Figures[] = [];
    const post = () => desk.postEntry(storyId, entryFields(undefined, settings.entryChars));
    const first = (await post()).entry.id;
    let entries = 1;
    for (const length of settings.lengths) {
      const started = Date.now();
      for (; entries < length; entries++) await post();
      log(`  story length ${length}: grown in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      measured.push(await atLength(post, ticker.url, storyId, first, settings, log));
      entries += settings.writes;
    }
    return rows(settings.lengths, measured);
  } finally {
    await stopTarget(ticker);
  }
}

async function atLength(post: () => Promise<unknown>, url: string, storyId: string, firstEntry: string, settings: StoryLengthSettings, log: (line: string) => void): Promise<Figures> {
  const posts: number[] = [];
  const renders: number[] = [];
  const updateRenders: number[] = [];
  let pageBytes = 0;
  let updateBytes = 0;
  for (let i = 0; i < settings.writes; i++) {
    const begun = performance.now();
    await post();
    posts.push(performance.now() - begun);
    // The page at a version nobody has read yet: rendered, not served from any cache.
    if (i < settings.renders) {
      const rendered = performance.now();
      pageBytes = await bytes(`${url}/stories/${storyId}`);
      renders.push(performance.now() - rendered);
      const update = performance.now();
      updateBytes = await bytes(`${url}/stories/${storyId}/updates/${firstEntry}`);
      updateRenders.push(performance.now() - update);
    }
  }
  return {
    pageBytes,
    ssrMs: median(renders),
    updateBytes,
    updateSsrMs: median(updateRenders),
    tickerBytes: await bytes(`${url}/stories/${storyId}/ticker`),
    embedBytes: await bytes(`${url}/embed/${storyId}`),
    feedBytes: await bytes(`${url}/stories/${storyId}/feed.json`),
    joinFull: await joinBytes(url, storyId, "full", log),
    joinLatest: await joinBytes(url, storyId, "latest", log),
    postP50: median(posts),
    postP99: percentile(posts, 99),
  };
}

/** The body's length as the reader's browser has it (fetch undoes the compression). */
async function bytes(address: string): Promise<number> {
  const response = await fetch(address);
  if (!response.ok) throw new Error(`GET ${address}: ${response.status} (pages need \`npm run build\`)`);
  return (await response.arrayBuffer()).byteLength;
}

/**
 * The wire bytes of the first state a reader subscribing to `view` is sent. A server from before
 * views (DESIGN.md §4) refuses the field: the reader then joins as such readers do, with the whole
 * story, and the figure says so by being the full view's.
 */
async function joinBytes(url: string, storyId: string, view: "full" | "latest", log: (line: string) => void): Promise<number> {
  let resolveState: (message: Received) => void = () => {};
  const state = new Promise<Received>((resolve) => (resolveState = resolve));
  const socket = new LeanSocket(url, "socketio", (message) => resolveState(message));
  try {
    await socket.opened;
    const ack = (await socket.emitWithAck("subscribe", { storyId, protocol: 1, view })) as { ok: boolean };
    if (!ack.ok) {
      log(`  the server refused view "${view}": joined without a view`);
      await socket.emitWithAck("subscribe", { storyId, protocol: 1 });
    }
    return (await state).wireBytes;
  } finally {
    socket.close();
  }
}

interface Figure {
  key: keyof Figures;
  figure: string;
  unit: "B" | "ms";
  /** An absolute budget at the longest length, besides staying flat. */
  budget?: { text: string; limit: number };
  /** Judged against the shortest length rather than the one before (an editor's wait from the start of the night). */
  fromShortest?: boolean;
}

const FIGURES: Figure[] = [
  { key: "pageBytes", figure: "live page bytes", unit: "B", budget: { text: "≤ 150 KB", limit: 150 * KB } },
  { key: "ssrMs", figure: "live page SSR", unit: "ms", budget: { text: "≤ 50 ms", limit: 50 } },
  { key: "updateBytes", figure: "update page bytes", unit: "B", budget: { text: "≤ 40 KB", limit: 40 * KB } },
  { key: "updateSsrMs", figure: "update page SSR", unit: "ms", budget: { text: "≤ 50 ms", limit: 50 } },
  { key: "tickerBytes", figure: "ticker page bytes", unit: "B", budget: { text: "≤ 40 KB", limit: 40 * KB } },
  { key: "embedBytes", figure: "embed page bytes", unit: "B", budget: { text: "≤ 40 KB", limit: 40 * KB } },
  { key: "feedBytes", figure: "JSON feed bytes", unit: "B" },
  { key: "joinFull", figure: "join bytes, full view", unit: "B" },
  { key: "joinLatest", figure: "join bytes, latest view", unit: "B", budget: { text: "≤ 64 KB", limit: 64 * KB } },
  { key: "postP50", figure: "POST→201 p50", unit: "ms", fromShortest: true },
  { key: "postP99", figure: "POST→201 p99", unit: "ms" },
];

/**
 * Every figure at every length; at the longest, against the length before (or the shortest) with
 * the target: within 1.5× of it, and within the budget if it has one. The full view's join grows
 * with the story by design (editors need it): reported, not judged.
 */
function rows(lengths: number[], measured: Figures[]): Row[] {
  const label = (length: number) => `${length.toLocaleString("en-US")} entries`;
  const last = lengths.length - 1;
  return FIGURES.flatMap(({ key, figure, unit, budget, fromShortest }) =>
    lengths.map((length, i) => {
      const row = { scenario: "9 story length", n: label(length), figure, unit, ticker: measured[i]![key] };
      if (i !== last || last === 0) return compare(row);
      const against = fromShortest ? 0 : last - 1;
      const judged = key !== "joinFull";
      return compare(
        { ...row, baseline: measured[against]![key], against: label(lengths[against]!) },
        judged ? { target: budget ? `${budget.text}, ≤ 1.5×` : "≤ 1.5×", test: (ratio, r) => ratio <= 1.5 && (!budget || r.ticker <= budget.limit) } : undefined,
      );
    }),
  );
}
