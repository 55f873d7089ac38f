/**
 * Readers per story over the last hour, for the desk's sparkline (issue 19): one sample per story
 * every `sampleMs`, in a ring of `samples` per story, for at most `stories` stories (those heard of
 * least recently go first). Kept on the server so that a desk opened now sees the hour before.
 * Pure: the caller supplies the clock.
 */
export interface AudienceSample {
  /** When it was taken (ms since the epoch). */
  at: number;
  readers: number;
}

export class AudienceHistory {
  readonly #rings = new Map<string, AudienceSample[]>();

  constructor(
    private readonly samples: number,
    private readonly stories: number,
  ) {}

  /** Adds a sample for a story, dropping its oldest past the ring's size. */
  record(storyId: string, readers: number, at: number): void {
    const ring = this.#rings.get(storyId) ?? [];
    this.#rings.delete(storyId); // most recently sampled last, so the bound drops the stalest story
    ring.push({ at, readers });
    if (ring.length > this.samples) ring.splice(0, ring.length - this.samples);
    this.#rings.set(storyId, ring);
    for (const stalest of this.#rings.keys()) {
      if (this.#rings.size <= this.stories) break;
      this.#rings.delete(stalest);
    }
  }

  /** A story's samples taken within `windowMs` before `now`, oldest first. */
  of(storyId: string, now: number, windowMs: number): AudienceSample[] {
    return (this.#rings.get(storyId) ?? []).filter((s) => now - s.at <= windowMs);
  }

  /** The stories with samples, for sampling on: a story whose readers left still records its zeros for the hour. */
  storyIds(): IterableIterator<string> {
    return this.#rings.keys();
  }

  /** Drops a story whose samples in the window are all zero: nobody has read it for the hour. */
  prune(now: number, windowMs: number): void {
    for (const [storyId, ring] of this.#rings) {
      if (ring.every((s) => s.readers === 0 || now - s.at > windowMs)) this.#rings.delete(storyId);
    }
  }
}

/**
 * The top of the sparkline's scale: the peak, but never below MIN_SCALE readers, so that one
 * reader coming and going draws a ripple along the zero baseline, not a zigzag the full height.
 */
export const MIN_SCALE = 10;
export const sparklineScale = (values: readonly number[]): number => Math.max(MIN_SCALE, ...values);

/** The sparkline as SVG polyline points in a `width` × `height` box (y grows downwards), from 0 to `sparklineScale`. */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return "";
  const top = sparklineScale(values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const round = (n: number) => Math.round(n * 10) / 10;
  return values.map((v, i) => `${round(i * step)},${round(height - (v / top) * height)}`).join(" ");
}

/** Where the highest count was (the latest of equal ones): its index in `values`. */
export function peakIndex(values: readonly number[]): number {
  let best = 0;
  values.forEach((v, i) => {
    if (v >= values[best]!) best = i;
  });
  return best;
}

/** The sparkline's sentences, in one language (the desk's own: client/editor/figures/AudienceMeter.svelte). */
export interface SparklineWords {
  none(): string;
  steady(counts: { minutes: number; low: number; now: number }): string;
  range(counts: { minutes: number; low: number; high: number; now: number }): string;
}

const ENGLISH: SparklineWords = {
  none: () => "No reader counts from the last hour yet.",
  steady: ({ minutes, low, now }) => `Readers over the last ${minutes} minutes: steady at ${low}, now ${now}.`,
  range: ({ minutes, low, high, now }) => `Readers over the last ${minutes} minutes: between ${low} and ${high}, now ${now}.`,
};

/** The sparkline's text alternative: "Readers over the last 60 minutes: between 3 and 12, now 10." */
export function sparklineText(values: readonly number[], minutes: number, words: SparklineWords = ENGLISH): string {
  if (values.length < 2) return words.none();
  const low = Math.min(...values);
  const high = Math.max(...values);
  const now = values.at(-1)!;
  return low === high ? words.steady({ minutes, low, now }) : words.range({ minutes, low, high, now });
}
