import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";

/** One line of the results: a figure of live-ticker beside the same figure of its baseline. */
export interface Row {
  scenario: string;
  /** Readers (e.g. "10k", "100×100"). */
  n: string;
  figure: string;
  unit: string;
  ticker: number;
  baseline?: number;
  /** What the baseline is ("raw ws", "naive Socket.IO", …). */
  against?: string;
  /** ticker / baseline. */
  ratio?: number;
  /** Human form of the target, e.g. "≤ 1.1×". */
  target?: string;
  met?: boolean;
}

/**
 * A row with its ratio and, when `goal` is given, whether it meets it. A goal on the ratio fails
 * without one (`ratio` is NaN then); a goal on the row's own figure needs no baseline.
 */
export function compare(
  row: Omit<Row, "ratio" | "met" | "target">,
  goal?: { target: string; test: (ratio: number, row: Row) => boolean },
): Row {
  const ratio = row.baseline === undefined || row.baseline === 0 ? undefined : row.ticker / row.baseline;
  const full: Row = { ...row, ...(ratio === undefined ? {} : { ratio }) };
  if (goal) {
    full.target = goal.target;
    full.met = goal.test(ratio !== undefined && Number.isFinite(ratio) ? ratio : Number.NaN, full);
  }
  return full;
}

const format = (value: number | undefined, unit = "") => {
  if (value === undefined || Number.isNaN(value)) return "–";
  const text = Math.abs(value) >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(Math.abs(value) >= 10 ? 1 : 2);
  return unit ? `${text} ${unit}` : text;
};

/** The results as an aligned text table (also valid Markdown). */
export function table(rows: Row[]): string {
  const header = ["scenario", "N", "figure", "live-ticker", "baseline", "against", "ratio", "target", "met?"];
  const lines = rows.map((row) => [
    row.scenario,
    row.n,
    row.figure,
    format(row.ticker, row.unit),
    format(row.baseline, row.unit),
    row.against ?? "",
    row.ratio === undefined ? "–" : `${row.ratio.toFixed(row.ratio < 0.1 ? 4 : 2)}×`,
    row.target ?? "",
    row.met === undefined ? "" : row.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const render = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [render(header), render(widths.map((w) => "-".repeat(w))), ...lines.map(render)].join("\n");
}

/** Writes the run as JSON under bench/results/ (git-ignored) and returns the file's path. */
export function saveResults(rows: Row[], settings: Record<string, unknown>): string {
  const dir = new URL("results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const date = new Date().toISOString();
  const file = new URL(`bench-${date.replace(/[:.]/g, "-")}.json`, dir);
  const machine = { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version, platform: `${process.platform} ${process.arch}` };
  writeFileSync(file, JSON.stringify({ date, machine, settings, rows }, null, 2));
  return file.pathname;
}
