/** One scrape of `GET /metrics`, read the way Prometheus reads it. */
export interface Scrape {
  text: string;
  /** The sample `name{labels}`; labels not given must be absent. Undefined when there is no such series. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every series of `name`, as labels and value. */
  series(name: string): Array<{ labels: Record<string, string>; value: number }>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text exposition format (version 0.0.4): comments skipped, every sample line checked. */
export function parseMetrics(text: string): Scrape {
  const samples = text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = SAMPLE.exec(line);
      if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? "").matchAll(LABEL)].map(([, key, raw]) => [key!, raw!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c))]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
  const series = (name: string) => samples.filter((sample) => sample.name === name).map(({ labels, value }) => ({ labels, value }));
  return {
    text,
    series,
    value: (name, labels = {}) =>
      series(name).find((sample) => Object.keys(sample.labels).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => sample.labels[k] === v))?.value,
  };
}

export async function scrape(baseUrl: string): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}
