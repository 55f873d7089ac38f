import type { JoinResult } from "../load/load-worker.js";
import { compare, type Row } from "../report.js";
import { medianSpread, percentile, type Spread } from "../stats.js";
import { TARGET_NAMES, type Target } from "../targets.js";
import type { Audience } from "./audience-size.js";

export type Memory = { rss: number; heapUsed: number };
/** CPU ms of one update round in the server's process and in its readers' load process. */
export type Cpu = { server: number; load: number };

/** What one audience's run measured, per server under test. */
export interface Measured {
  readers: number;
  joins: Record<Target, JoinResult>;
  /** live-ticker's join storm of readers that subscribe in the handshake with the version they hold. */
  versioned: JoinResult;
  serializations: number;
  before: Record<Target, Memory>;
  after: Record<Target, Memory>;
  fanout: Record<Target, Spread[]>;
  /** CPU ms per update round (all its stories), from the write or trigger until the last reader has decoded it. */
  cpu: Record<Target, Cpu[]>;
  bytes: { ticker: number[]; naive: number[] };
  /** POST→201 latencies at the bench's write rate (`fast`) and at one write a second (`slow`), with the readers listening. */
  busy: { fast: number[]; slow: number[] };
  /** The same writes before any reader connected. */
  idle: { fast: number[]; slow: number[] };
}

type Goal = { target: string; test: (ratio: number, row: Row) => boolean };
const atMost = (limit: number): Goal => ({ target: `≤ ${limit}×`, test: (r) => r <= limit });
const atLeast = (limit: number): Goal => ({ target: `≥ ${limit}×`, test: (r) => r >= limit });
const withinMs = (limit: number): Goal => ({ target: `≤ ${limit} ms`, test: (_r, row) => row.ticker <= limit });
const median = (values: number[]) => percentile(values, 50);

/** The rows of one audience; targets (issue 15) are judged at the audience marked `judged` (10k readers). */
export function rows(audience: Audience, m: Measured, writeRate: number): Row[] {
  const n = audience.label;
  const at = (goal: Goal) => (audience.judged ? goal : undefined);
  const fan = { ticker: medianSpread(m.fanout.ticker), raw: medianSpread(m.fanout.raw), naive: medianSpread(m.fanout.naive) };
  const out: Row[] = [];
  for (const figure of ["p50", "p95", "p99", "max"] as const) {
    out.push(
      compare(
        { scenario: "1 fan-out", n, figure: `latency ${figure}`, unit: "ms", ticker: fan.ticker[figure], baseline: fan.raw[figure], against: "raw ws" },
        figure === "p99" ? at(atMost(1.2)) : undefined,
      ),
    );
  }
  /** The server's CPU per update, and beside it the readers' load process's: if that were the busier, the readers would be what is measured. */
  const cpuRows = (scenario: string, baseline: Target, goal?: Goal) =>
    (["server", "load"] as const).map((side) =>
      compare(
        {
          scenario,
          n,
          figure: side === "server" ? "server CPU per update" : "load process CPU per update",
          unit: "ms",
          ticker: median(m.cpu.ticker.map((c) => c[side])),
          baseline: median(m.cpu[baseline].map((c) => c[side])),
          against: TARGET_NAMES[baseline],
        },
        side === "server" && goal ? at(goal) : undefined,
      ),
    );
  out.push(...cpuRows("1 fan-out", "raw", atMost(1.3)), ...cpuRows("1 fan-out", "plain", atMost(1.05)));
  out.push(
    compare(
      { scenario: "2 vs naive", n, figure: "bytes per update", unit: "B", ticker: median(m.bytes.ticker), baseline: median(m.bytes.naive), against: "naive Socket.IO" },
      { target: "< 1×", test: (r) => r < 1 },
    ),
    compare(
      { scenario: "2 vs naive", n, figure: "latency p99", unit: "ms", ticker: fan.ticker.p99, baseline: fan.naive.p99, against: "naive Socket.IO" },
      { target: "< 1×", test: (r) => r < 1 },
    ),
    ...cpuRows("2 vs naive", "naive"),
  );
  const rate = (join: JoinResult) => m.readers / (join.durationMs / 1000);
  out.push(
    compare(
      { scenario: "4 join storm", n, figure: "joins/s (with version)", unit: "/s", ticker: rate(m.versioned), baseline: rate(m.joins.raw), against: "raw ws connects" },
      at(atLeast(0.8)),
    ),
    compare({ scenario: "4 join storm", n, figure: "joins/s (snapshot)", unit: "/s", ticker: rate(m.joins.ticker), baseline: rate(m.joins.raw), against: "raw ws connects" }),
    compare({
      scenario: "4 join storm",
      n,
      figure: "first state p99",
      unit: "ms",
      ticker: percentile(m.joins.ticker.firstStateMs, 99),
      baseline: percentile(m.joins.raw.firstStateMs, 99),
      against: "raw ws open",
    }),
    compare({ scenario: "4 join storm", n, figure: "snapshot bytes", unit: "B", ticker: m.joins.ticker.firstStateBytes }),
    // No ratio to the readers: with one serialization per story it is 1 / readers per story by construction.
    compare({ scenario: "4 join storm", n, figure: "snapshot serializations", unit: "", ticker: m.serializations }, {
      // Every reader of a story joined at the same version, so one serialization per story.
      target: "1 per story version",
      test: (_r, row) => row.ticker === audience.stories,
    }),
  );
  const perReader = (target: Target) => (m.after[target].rss - m.before[target].rss) / m.readers / 1024;
  out.push(
    compare({ scenario: "5 idle memory", n, figure: "RSS per reader", unit: "KB", ticker: perReader("ticker"), baseline: perReader("raw"), against: "raw ws" }, at(atMost(1.35))),
    compare({ scenario: "5 idle memory", n, figure: "RSS per reader", unit: "KB", ticker: perReader("ticker"), baseline: perReader("plain"), against: "plain Socket.IO" }),
  );
  for (const [pace, rateLabel, limit] of [["slow", "1 write/s", 30], ["fast", `${writeRate} writes/s`, 100]] as const) {
    for (const p of [50, 99]) {
      out.push(
        compare(
          { scenario: "7 editor writes", n, figure: `POST→201 p${p} at ${rateLabel}`, unit: "ms", ticker: percentile(m.busy[pace], p), baseline: percentile(m.idle[pace], p), against: "no readers" },
          p === 99 ? at(withinMs(limit)) : undefined,
        ),
      );
    }
  }
  return out;
}
