import { Decoder, Encoder, PacketType, type Packet } from "socket.io-parser";

/**
 * Socket.IO's packet encoder, taught to serialize a message once however many sockets it goes to.
 * Room broadcasts are already encoded once per emit, but a story's snapshot goes to each joining
 * reader by its own emit, and a fan-out is emitted to several shard rooms: a message marked with
 * `encodeOnce` is turned into JSON the first time and the text reused after. The wire format is
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
