import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/**
 * A lean reader for load generation: a bare RFC 6455 client on a TCP socket (the `ws` library's
 * client costs more per message than the servers under test, and would measure itself), speaking
 * just enough Engine.IO 4 / Socket.IO 5 to connect, answer pings, emit with an ack and decode
 * every event it receives (JSON.parse of each message, as socket.io-client does). `raw` mode
 * talks to the bare `ws` baseline, which sends the same event packets without the protocol.
 *
 * One load process holds thousands of readers, so it stamps each frame the moment its bytes
 * arrive and decodes later (see `decodeLater`): otherwise the last reader served in a turn of the
 * event loop would be stamped after every other reader's JSON.parse, and the bench would time
 * its own decoding.
 */
export type Mode = "socketio" | "raw";

export interface Received {
  event: string;
  payload: unknown;
  /** Bytes on the wire: the WebSocket frame's payload plus its header. */
  wireBytes: number;
  /**
   * When the frame's bytes arrived (the TCP data event), before anything was decoded: process.hrtime
   * in ms, one clock for every process on the machine.
   */
  at: number;
}

export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** A server-to-client WebSocket frame: 2 header bytes, +2 or +8 for the extended length. */
export const frameBytes = (payloadBytes: number) => payloadBytes + (payloadBytes < 126 ? 2 : payloadBytes < 65_536 ? 4 : 10);

const OPCODE = { continuation: 0, text: 1, close: 8, ping: 9, pong: 10 } as const;

/** Messages stamped but not yet decoded, in arrival order. */
const undecoded: (() => void)[] = [];

/**
 * Decodes after the event loop's poll phase, i.e. once every socket with bytes waiting has been
 * read and stamped in this turn; order is kept, per socket and overall.
 */
function decodeLater(decode: () => void): void {
  if (undecoded.push(decode) === 1) setImmediate(decodeAll);
}

function decodeAll(): void {
  for (const decode of undecoded.splice(0)) decode();
}

export class LeanSocket {
  readonly #tcp: Socket;
  readonly #acks = new Map<number, (payload: unknown) => void>();
  #nextAck = 0;
  #buffer: Buffer = Buffer.alloc(0);
  #upgraded = false;
  #fragments: Buffer[] = [];
  readonly opened: Promise<void>;

  constructor(
    url: string,
    readonly mode: Mode,
    private readonly onEvent: (message: Received) => void,
    /** The Socket.IO handshake's `auth` (e.g. the stories to subscribe to as it connects). */
    private readonly auth?: object,
    /**
     * `localAddress`: the address to connect from (any of 127/8 reaches a server on 127.0.0.1, so
     * one machine plays several clients' addresses). `stopReading`: stop reading as soon as the
     * handshake is sent, before anything it asked for arrives: an attacker's socket (`opened` then never resolves).
     */
    private readonly options: { localAddress?: string; stopReading?: boolean } = {},
  ) {
    const target = new URL(mode === "socketio" ? `${url}/socket.io/?EIO=4&transport=websocket` : url);
    this.#tcp = connect({ host: target.hostname, port: Number(target.port), noDelay: true, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    this.opened = new Promise((resolve, reject) => {
      this.#opened = resolve;
      this.#failed = reject;
    });
    this.#tcp.once("error", (error) => this.#failed(error));
    this.#tcp.once("close", () => this.#failed(new Error("connection closed")));
    this.#tcp.once("connect", () => {
      this.#tcp.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.#tcp.on("data", (chunk: Buffer) => this.#read(chunk));
  }

  #opened: () => void = () => {};
  #failed: (error: Error) => void = () => {};

  /** Set once a `stopReading` socket has sent its handshake: whatever comes after is left unread. */
  #stopped = false;

  #read(chunk: Buffer): void {
    if (this.#stopped) return void this.#tcp.pause();
    const at = nowMs();
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (!this.#upgraded) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const status = this.#buffer.subarray(0, this.#buffer.indexOf("\r\n")).toString();
      if (!status.startsWith("HTTP/1.1 101")) return this.#failed(new Error(`upgrade refused: ${status}`));
      this.#upgraded = true;
      this.#buffer = this.#buffer.subarray(end + 4);
      if (this.mode === "raw") this.#opened();
    }
    // Server frames are never masked: FIN+opcode, length (7, 16 or 64 bits), payload.
    while (this.#buffer.length >= 2) {
      const fin = (this.#buffer[0]! & 0x80) !== 0;
      const opcode = this.#buffer[0]! & 0x0f;
      let length = this.#buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.#buffer.length < 4) return;
        length = this.#buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.#buffer.length < 10) return;
        length = Number(this.#buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.#buffer.length < offset + length) return;
      if (this.#stopped) return void this.#tcp.pause();
      const payload = this.#buffer.subarray(offset, offset + length);
      this.#buffer = this.#buffer.subarray(offset + length);
      if (opcode === OPCODE.ping) this.#send(OPCODE.pong, payload);
      else if (opcode === OPCODE.close) this.#tcp.end();
      else if (opcode === OPCODE.text || opcode === OPCODE.continuation) {
        this.#fragments.push(payload);
        if (!fin) continue;
        const message = this.#fragments.length === 1 ? payload : Buffer.concat(this.#fragments);
        this.#fragments = [];
        decodeLater(() => this.#message(message.toString(), message.length, at));
      }
    }
  }

  #message(text: string, bytes: number, at: number): void {
    if (this.#stopped) return;
    switch (text[0]) {
      case "0": // Engine.IO open: join the default namespace
        this.#send(OPCODE.text, Buffer.from(`40${this.auth ? JSON.stringify(this.auth) : ""}`));
        if (this.options.stopReading) {
          this.#stopped = true;
          this.#tcp.pause();
        }
        return;
      case "2": // Engine.IO ping
        return this.#send(OPCODE.text, Buffer.from("3"));
      case "4":
        break;
      default:
        return;
    }
    switch (text[1]) {
      case "0": // namespace connected
        return this.#opened();
      case "4":
        return this.#failed(new Error(`connect_error ${text}`));
      case "2": {
        const [event, payload] = JSON.parse(text.slice(2)) as [string, unknown];
        return this.onEvent({ event, payload, wireBytes: frameBytes(bytes), at });
      }
      case "3": {
        let end = 2;
        while (text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
        const id = Number(text.slice(2, end));
        const [payload] = JSON.parse(text.slice(end)) as [unknown];
        this.#acks.get(id)?.(payload);
        this.#acks.delete(id);
      }
    }
  }

  /** A client frame: always masked (RFC 6455 §5.3). */
  #send(opcode: number, payload: Buffer): void {
    const length = payload.length;
    const header = Buffer.alloc(length < 126 ? 6 : length < 65_536 ? 8 : 14);
    header[0] = 0x80 | opcode;
    if (length < 126) header[1] = 0x80 | length;
    else if (length < 65_536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    mask.copy(header, header.length - 4);
    const masked = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
    this.#tcp.write(Buffer.concat([header, masked]));
  }

  /** Emits `event` with an ack, as socket.io-client's emitWithAck does. */
  emitWithAck<T>(event: string, payload: unknown): Promise<T> {
    const id = this.#nextAck++;
    return new Promise((resolve) => {
      this.#acks.set(id, resolve as (payload: unknown) => void);
      this.#send(OPCODE.text, Buffer.from(`42${id}${JSON.stringify([event, payload])}`));
    });
  }

  /** Stops reading the TCP socket (the server's frames pile up in the kernel, then in the server): a reader whose tab or link froze. */
  pause(): void {
    this.#tcp.pause();
  }

  resume(): void {
    this.#tcp.resume();
  }

  /** Whether the connection has closed (the server hung up, or `close()`). */
  get closed(): boolean {
    return this.#tcp.closed;
  }

  close(): void {
    this.#tcp.destroy();
  }
}
