import type { ViewName } from "../../../shared/view-names.js";
import type { ReaderWire } from "./reader-wire.js";

/** One story a reader follows, as far as this node's live side is concerned. */
export interface Following {
  /** The token of its latest subscribe: a subscribe that finds another one here was overtaken. */
  token: symbol;
  view: ViewName;
  /** Which of the story's shards its broadcasts reach it in; undefined until it has joined them. */
  shard?: number;
  /** The version its join (or the fan-outs since) gave it. */
  version?: number;
  /** Set while fan-outs pass it by (live/backpressure.ts): the version it holds, 0 for none. */
  behind?: number;
}

/**
 * Everything the live side knows of one reader's connection, owned in one place: the stories it
 * follows (with the view, shard and version of each), how much was queued for it when last
 * measured, and the wire it is written to. The handlers, the fan-out and backpressure read and
 * change this object; none of them keeps its own map of readers.
 */
export class ReaderSession {
  readonly stories = new Map<string, Following>();
  /** Bytes its queue held when last measured; 0 once it keeps up. */
  lag = 0;
  /** While set aside on some story: stops watching its queue go down. */
  unwatch?: () => void;

  constructor(
    readonly id: string,
    readonly wire: ReaderWire,
    /** Its client address (live/sockets-per-address.ts); undefined when not counted. */
    readonly address: string | undefined,
    private readonly isConnected: () => boolean,
  ) {}

  get connected(): boolean {
    return this.isConnected();
  }
}
