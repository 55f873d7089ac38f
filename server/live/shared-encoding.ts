import { Decoder, Encoder, PacketType, type Packet } from "socket.io-parser";

/**
 * Socket.IO's packet encoder, taught to serialize a message once however many sockets it goes to.
 * Room broadcasts are already encoded once per emit, but a story's snapshot goes to each joining
 * reader by its own emit, and a fan-out is emitted to several shard rooms: a message marked with
 * `encodeOnce` is turned into JSON the first time and the text reused after. The wire format is
 * the stock encoder's, byte for byte, so every Socket.IO client decodes it as usual.
 */
const marked = new WeakSet<object>();
const encoded = new WeakMap<object, { event: string; text: string }>();

/** How many times each event's payload was serialized: the join-storm bench shows it stays at one per version. */
export const serializations = { snapshot: 0, patch: 0 };

/** Marks `message` as immutable from now on, so that its JSON may be computed once and shared. */
export function encodeOnce<T extends object>(message: T): T {
  marked.add(message);
  return message;
}

class SharedMessageEncoder extends Encoder {
  override encode(packet: Packet): ReturnType<Encoder["encode"]> {
    const data = packet.data as unknown[] | undefined;
    const payload = data?.[1];
    const shareable =
      packet.type === PacketType.EVENT && packet.id === undefined && data?.length === 2 && typeof data[0] === "string" && typeof payload === "object" && payload !== null && marked.has(payload);
    if (!shareable) return super.encode(packet);
    const event = data[0] as string;
    let cached = encoded.get(payload);
    if (cached?.event !== event) {
      cached = { event, text: JSON.stringify(data) };
      encoded.set(payload, cached);
      if (event === "snapshot" || event === "patch") serializations[event]++;
    }
    return [`${PacketType.EVENT}${packet.nsp && packet.nsp !== "/" ? `${packet.nsp},` : ""}${cached.text}`];
  }
}

/** The `parser` option of Socket.IO's Server. */
export const sharedEncodingParser = { Encoder: SharedMessageEncoder, Decoder };
