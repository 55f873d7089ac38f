import { Decoder, Encoder, PacketType, type Packet } from "socket.io-parser";
import { frameOf, type Frame } from "./readers/reader-wire.js";

/**
 * Socket.IO's packet encoder, taught to serialize a message once however many sockets it goes to.
 * A story's snapshot goes to each joining reader by its own send, and a fan-out's patch to several
 * shards: a message marked with `encodeOnce` is turned into JSON the first time and the text
 * reused after. The wire format is
 * the stock encoder's, byte for byte, so every Socket.IO client decodes it as usual.
 */
const marked = new WeakSet<object>();
const encoded = new WeakMap<object, { event: string; text: string; bytes: number }>();

/** The events whose serializations are counted: the join-storm bench shows they stay at one per version. */
export type SharedEvent = "snapshot" | "patch";

/** Marks `message` as immutable from now on, so that its JSON may be computed once and shared. */
export function encodeOnce<T extends object>(message: T): T {
  marked.add(message);
  return message;
}

/** The UTF-8 size of a marked message's Socket.IO packet once it has been sent; 0 before. */
export function encodedBytes(message: object): number {
  return encoded.get(message)?.bytes ?? 0;
}

/**
 * Each patch's WebSocket frame, beside its encoding: built the first time the patch goes out and
 * shared by every shard and every reader it goes to. Snapshots are framed per send instead (as
 * engine.io would), so that the cached stories' snapshots are not held twice, as text and frame.
 */
const framed = new WeakMap<object, Frame>();

/** The message's Socket.IO packet, as `encoder` (the server's) writes it, in one WebSocket frame. */
export function frameMessage(encoder: Pick<Encoder, "encode">, send: { event: SharedEvent; message: object }): Frame {
  const cached = framed.get(send.message);
  if (cached) return cached;
  const [text] = encoder.encode({ type: PacketType.EVENT, nsp: "/", data: [send.event, send.message] });
  if (typeof text !== "string") throw new Error(`a ${send.event} encodes to one text packet`);
  const frame = frameOf(text);
  if (send.event === "patch" && marked.has(send.message)) framed.set(send.message, frame);
  return frame;
}

class SharedMessageEncoder extends Encoder {
  constructor(private readonly onSerialized: (event: SharedEvent) => void) {
    super();
  }

  override encode(packet: Packet): ReturnType<Encoder["encode"]> {
    const data = packet.data as unknown[] | undefined;
    const payload = data?.[1];
    const shareable =
      packet.type === PacketType.EVENT && packet.id === undefined && data?.length === 2 && typeof data[0] === "string" && typeof payload === "object" && payload !== null && marked.has(payload);
    if (!shareable) return super.encode(packet);
    const event = data[0] as string;
    const prefix = `${PacketType.EVENT}${packet.nsp && packet.nsp !== "/" ? `${packet.nsp},` : ""}`;
    let cached = encoded.get(payload);
    if (cached?.event !== event) {
      const text = JSON.stringify(data);
      cached = { event, text, bytes: prefix.length + Buffer.byteLength(text) };
      encoded.set(payload, cached);
      if (event === "snapshot" || event === "patch") this.onSerialized(event);
    }
    return [`${prefix}${cached.text}`];
  }
}

/**
 * The `parser` option of one Socket.IO Server (which makes one encoder): `onSerialized` hears of
 * each snapshot or patch turned into JSON, so that every server counts its own.
 */
export function sharedEncodingParser(onSerialized: (event: SharedEvent) => void) {
  return {
    Encoder: class extends SharedMessageEncoder {
      constructor() {
        super(onSerialized);
      }
    },
    Decoder,
  };
}
