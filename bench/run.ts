import { parseArgs } from "node:util";
import { cpus } from "node:os";
import { table, saveResults, type Row } from "./report.js";
import { measureAudience } from "./scenarios/audience.js";
import type { Audience } from "./scenarios/audience-size.js";
import { measureStoryLength } from "./scenarios/story-length.js";
import { measureStorySize } from "./scenarios/story-size.js";
import { clusterServices, measureCluster } from "./scenarios/cluster.js";
import { measureSoak } from "./scenarios/soak.js";
import { measurePushAlerts } from "./scenarios/push-alerts.js";
import { measureQuestionFlood } from "./scenarios/questions-flood.js";

/**
 * `npm run bench` (full: 1k, 5k and 10k readers on one story, and 100 stories × 100 readers) or
 * `npm run bench -- --quick` (every scenario at a tiny size, in well under a minute), or
 * `npm run bench -- --soak=MINUTES` (the soak alone: `--readers`, `--rate`, `--reconnects`, `--nodes`,
 * `--warmup`, `--sample`; docs/performance.md), or `npm run bench -- --push=100000 --readers=200` (one
 * breaking alert to that many subscriptions while readers follow the story: issue 33), or
 * `npm run bench -- --story-length` (scenario 9 alone; `--entry-chars=450`: longer entries, as a
 * wire feed's), or
 * `npm run bench -- --questions=1000 --over=60 --readers=500` (that many readers' questions within
 * that many seconds while readers follow the story: issue 36).
 */
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    sizes: { type: "string" },
    profile: { type: "boolean", default: false },
    heapsnapshot: { type: "boolean", default: false },
    soak: { type: "string" },
    push: { type: "string" },
    questions: { type: "string" },
    over: { type: "string", default: "60" },
    readers: { type: "string", default: "2000" },
    rate: { type: "string", default: "1" },
    nodes: { type: "string", default: "1" },
    warmup: { type: "string", default: "5" },
    reconnects: { type: "string", default: "5" },
    sample: { type: "string", default: "30" },
    "story-length": { type: "boolean", default: false },
    "entry-chars": { type: "string" },
  },
});

const log = (line: string) => console.error(line);
if (values.push !== undefined) {
  const settings = { subscriptions: Number(values.push), readers: Number(values.readers), baselineSeconds: 10 };
  log(`live-ticker push bench: ${cpus()[0]?.model}, ${cpus().length} cores, node ${process.version}; ${JSON.stringify(settings)}`);
  const rows = await measurePushAlerts(settings, log);
  console.log(table(rows));
  console.log(`results: ${saveResults(rows, { push: settings })}`);
  process.exit(rows.some((row) => row.met === false) ? 1 : 0);
}
if (values.questions !== undefined) {
  const settings = { questions: Number(values.questions), seconds: Number(values.over), readers: Number(values.readers), baselineSeconds: 10 };
  log(`live-ticker questions bench: ${cpus()[0]?.model}, ${cpus().length} cores, node ${process.version}; ${JSON.stringify(settings)}`);
  const rows = await measureQuestionFlood(settings, log);
  console.log(table(rows));
  console.log(`results: ${saveResults(rows, { questions: settings })}`);
  process.exit(rows.some((row) => row.met === false) ? 1 : 0);
}
if (values.soak !== undefined) {
  const settings = {
    minutes: Number(values.soak),
    readers: Number(values.readers),
    rate: Number(values.rate),
    reconnectShare: Number(values.reconnects) / 100,
    sampleSeconds: Number(values.sample),
    warmupMinutes: Number(values.warmup),
    nodes: Number(values.nodes),
    heapSnapshots: values.heapsnapshot,
  };
  log(`live-ticker soak: ${cpus()[0]?.model}, ${cpus().length} cores, node ${process.version}; ${JSON.stringify(settings)}`);
  let services;
  if (settings.nodes > 1) {
    services = await clusterServices();
    if (typeof services === "string") throw new Error(`--nodes=${settings.nodes} needs PostgreSQL and Redis: ${services}`);
  }
  const { rows, samples } = await measureSoak(settings, services, log);
  console.log(table(rows));
  console.log(`results: ${saveResults(rows, { soak: settings, samples })}`);
  process.exit(rows.some((row) => row.met === false) ? 1 : 0);
}

const ALL: Audience[] = values.quick
  ? [
      { label: "50", stories: 1, perStory: 50, judged: false },
      { label: "5×10", stories: 5, perStory: 10, judged: false },
    ]
  : [
      { label: "1k", stories: 1, perStory: 1_000, judged: false },
      { label: "5k", stories: 1, perStory: 5_000, judged: false },
      { label: "10k", stories: 1, perStory: 10_000, judged: true },
      { label: "100×100", stories: 100, perStory: 100, judged: false },
    ];
const wanted = values.sizes?.split(",");
const audiences = wanted ? ALL.filter((a) => wanted.includes(a.label.replace("×", "x"))) : ALL;
const rounds = Number(values.rounds ?? (values.quick ? 3 : 7));
const settings = {
  audience: { rounds, writeRate: 20, writeSeconds: values.quick ? 1 : 10, inFlight: 500, profile: values.profile, heapSnapshots: values.heapsnapshot },
  storySize: { entries: 200, behind: values.quick ? 50 : 1_000, rounds: values.quick ? 3 : 5 },
  storyLength: {
    ...(values.quick ? { lengths: [20, 200], writes: 5, renders: 3 } : { lengths: [20, 200, 2_000], writes: 60, renders: 9 }),
    ...(values["entry-chars"] ? { entryChars: Number(values["entry-chars"]) } : {}),
  },
};

log(`live-ticker bench${values.quick ? " (quick)" : ""}: ${cpus()[0]?.model}, ${cpus().length} cores, node ${process.version}`);
const rows: Row[] = [];
const started = Date.now();
if (values["story-length"]) {
  log(`story length alone: ${JSON.stringify(settings.storyLength)}`);
  rows.push(...(await measureStoryLength(settings.storyLength, log)));
  console.log(table(rows));
  console.log(`results: ${saveResults(rows, { storyLength: settings.storyLength })}`);
  process.exit(rows.some((row) => row.met === false) ? 1 : 0);
}
for (const audience of audiences) {
  log(`audience ${audience.label}…`);
  rows.push(...(await measureAudience(audience, settings.audience, log)));
}
// Several nodes on PostgreSQL and Redis: at the judged size (the quick run's first), when both answer.
const clustered = audiences.find((a) => a.judged) ?? (values.quick ? audiences[0] : undefined);
if (clustered) {
  const services = await clusterServices();
  if (typeof services === "string") log(`several nodes: skipped (${services})`);
  else {
    log(`several nodes, ${clustered.label}…`);
    rows.push(...(await measureCluster(clustered, settings.audience, services, log)));
  }
}
log("story size and catch-up…");
rows.push(...(await measureStorySize(settings.storySize, log)));
log("story length…");
rows.push(...(await measureStoryLength(settings.storyLength, log)));

console.log(table(rows));
const file = saveResults(rows, { quick: values.quick, ...settings, seconds: Math.round((Date.now() - started) / 1000) });
const missed = rows.filter((row) => row.met === false);
console.log(`\n${rows.length} figures in ${Math.round((Date.now() - started) / 1000)} s; targets met: ${rows.filter((r) => r.met).length}, missed: ${missed.length}`);
console.log(`results: ${file}`);
