import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ErrorBody } from "../../shared/api.js";
import { DomainError } from "../../shared/error-codes.js";
import type { ImageVariant, StoredImage } from "../store/media-store.js";
import { MemoryRefusal } from "./decode-budget.js";

export interface Processed {
  image: StoredImage;
  variants: ImageVariant[];
}

/**
 * A decode child's answer to one upload (decode-child.ts), with its resident memory after it;
 * `spent` when an allocation failed in it, after which it is not trusted with another.
 */
export type DecodeAnswer = ({ ok: true } & Processed | { ok: false; error: ErrorBody; spent: boolean }) & { rss: number };

export interface DecodeLimits {
  /** Each child's data segment (RLIMIT_DATA: the heap and every private mapping libvips makes). */
  memoryBytes: number;
  /** One upload's processing; the child is killed past it. */
  timeoutMs: number;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = fileURLToPath(new URL("./decode-child.ts", import.meta.url));

/**
 * A child holding more than this after an upload is replaced rather than kept: glibc keeps much of
 * what a large decode freed (a 16 Mpx AVIF leaves ~300 MB behind; an ordinary photo ~170–210 MB in all).
 */
const RETIRE_RSS_BYTES = 256 * 1024 * 1024;
/** An idle child gives its ~100 MB back after this long without an upload. */
const IDLE_MS = 60_000;
/**
 * Uploads processed at once, each in its own child. A 12 Mpx photo takes ~100 MB of libvips
 * memory while it is decoded and encoded (docs/api.md "Photos": measured), a child ~100 MB more.
 */
export const DECODE_CHILDREN = 2;
/** Starting a child takes ~0.8 s (node, tsx and sharp loading) on an idle 2-core machine. */
const START_TIMEOUT_MS = 30_000;

/** Kills a child and resolves once it has exited. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  return exited;
}

interface Worker {
  process: ChildProcess;
  idle?: NodeJS.Timeout;
}

type Outcome = { kind: "answer"; answer: DecodeAnswer } | { kind: "timeout" } | { kind: "died"; signal: NodeJS.Signals | null };

/**
 * Decodes and encodes uploads in child processes, each with a hard memory limit and a time limit:
 * libvips allocates outside V8's heap, so only the kernel can bound it. A child that breaks a
 * limit or crashes is gone and the upload is refused; the server itself never holds a decoded
 * pixel. Children are started when needed, one more in advance, and kept for the next upload
 * (starting one costs ~0.8 s idle, 1–3 s on a loaded machine; processing an ordinary photo
 * 0.2–1.5 s). The caller runs at most DECODE_CHILDREN uploads at once.
 */
export class DecodePool {
  readonly #idle: Worker[] = [];
  readonly #all = new Set<ChildProcess>();
  #starting: Promise<void> | undefined;
  #closed = false;

  constructor(private readonly limits: DecodeLimits) {}

  /** The process ids of the children now running (for tests that watch their memory). */
  get pids(): number[] {
    return [...this.#all].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  async process(bytes: Buffer): Promise<Processed> {
    if (this.#closed) throw new DomainError("server_busy", "The server is shutting down; try again in a moment.");
    const worker = await this.#take();
    clearTimeout(worker.idle);
    this.#prepare();
    const outcome = await this.#run(worker.process, bytes);
    const reusable = outcome.kind === "answer" && (outcome.answer.ok || !outcome.answer.spent) && outcome.answer.rss <= RETIRE_RSS_BYTES;
    if (reusable && !this.#closed) this.#keep(worker);
    // Gone before the answer, so its memory is free before the next upload starts.
    else await stop(worker.process);
    switch (outcome.kind) {
      case "timeout":
        throw new TimeRefusal(this.limits.timeoutMs);
      case "died":
        // V8 aborts when the memory limit denies it; a decoder's crash on bad data is a segfault.
        if (outcome.signal === "SIGABRT" || outcome.signal === "SIGTRAP") throw new MemoryRefusal();
        throw new DomainError("invalid_image", "The image could not be processed: it seems damaged. Try exporting it again.");
      case "answer": {
        const { answer } = outcome;
        if (!answer.ok) throw new DomainError(answer.error.code, answer.error.message, answer.error.details);
        // Structured clone hands Buffers over as plain Uint8Arrays.
        const variants = answer.variants.map((variant) => ({ ...variant, bytes: Buffer.from(variant.bytes.buffer, variant.bytes.byteOffset, variant.bytes.byteLength) }));
        return { image: answer.image, variants };
      }
    }
  }

  close(): void {
    this.#closed = true;
    for (const child of this.#all) child.kill("SIGKILL");
  }

  /** An idle child, or the one starting in advance, or a new one. */
  async #take(): Promise<Worker> {
    if (this.#idle.length === 0 && this.#starting) await this.#starting;
    return this.#idle.pop() ?? (await this.#start());
  }

  /**
   * Starts a child in advance when none is idle and there is room: starting one costs 1–3 s on a
   * loaded machine, which would otherwise fall on the next upload (an editor's, while another
   * account's upload holds the first child).
   */
  #prepare(): void {
    if (this.#closed || this.#idle.length > 0 || this.#starting || this.#all.size >= DECODE_CHILDREN) return;
    this.#starting = this.#start()
      .then((worker) => (this.#closed ? void worker.process.kill("SIGKILL") : this.#keep(worker)))
      .catch(() => {}) // the next upload starts its own, and sees why
      .finally(() => (this.#starting = undefined));
  }

  #keep(worker: Worker): void {
    // Its exit takes it off the idle list.
    worker.idle = setTimeout(() => worker.process.kill(), IDLE_MS).unref();
    this.#idle.push(worker);
  }

  /** A fresh child, once it has loaded and said so. */
  async #start(): Promise<Worker> {
    const kilobytes = Math.floor(this.limits.memoryBytes / 1024);
    // The shell sets the limit on itself and then becomes node (exec), which inherits it.
    const child = spawn("/bin/sh", ["-c", `ulimit -d ${kilobytes} && exec "$@"`, "decode-child", process.execPath, "--import", "tsx", CHILD], {
      cwd: ROOT,
      // glibc gives each libvips thread an arena and keeps what it freed; two bound that (sharp's advice).
      env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    });
    // A failed spawn or a send to a child that just died: its exit (or the start timeout) says so.
    child.on("error", () => {});
    this.#all.add(child);
    const worker: Worker = { process: child };
    // A child may die while idle too (killed from outside, or by the kernel): it is no longer offered.
    child.once("exit", () => {
      this.#all.delete(child);
      const at = this.#idle.indexOf(worker);
      if (at >= 0) this.#idle.splice(at, 1);
      clearTimeout(worker.idle);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error("the decode child did not start in time")), START_TIMEOUT_MS);
      const onExit = (code: number | null, signal: string | null) => done(new Error(`the decode child exited while starting (code ${code}, signal ${signal})`));
      const onReady = () => done();
      function done(error?: Error) {
        clearTimeout(timer);
        child.off("exit", onExit);
        child.off("message", onReady);
        if (!error) return resolve();
        child.kill("SIGKILL");
        reject(error);
      }
      child.once("exit", onExit);
      child.once("message", onReady);
    });
    return worker;
  }

  #run(child: ChildProcess, bytes: Buffer): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        finish({ kind: "timeout" });
      }, this.limits.timeoutMs);
      const onMessage = (answer: DecodeAnswer) => finish({ kind: "answer", answer });
      const onExit = (_code: number | null, signal: NodeJS.Signals | null) => finish({ kind: "died", signal });
      function finish(outcome: Outcome) {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(outcome);
      }
      if (child.exitCode !== null || child.signalCode !== null) return finish({ kind: "died", signal: child.signalCode });
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send(bytes);
    });
  }
}

/**
 * An upload that ran out of time. Unlike what the image itself earns (damaged, too large), it may
 * be the server's load that made it slow, so the same bytes are not refused again for it.
 */
export class TimeRefusal extends DomainError {
  constructor(timeoutMs: number) {
    super("image_too_large", `The image took longer than ${Math.round(timeoutMs / 1000)} s to process. Save it smaller or as a JPEG and try again.`);
  }
}
