import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { solveChallenge, type Challenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";
import type { LiveSocket } from "../../client/lib/live-client.js";
import { ProofOfWork } from "../../server/questions/proof-of-work.js";
import type { QuestionProof } from "../../shared/questions.js";
import { percentile } from "../stats.js";
import { compare, type Row } from "../report.js";
import { startChild, stopChild } from "../../server/test/child-server.js";
import { TOKEN } from "../../server/test/harness.js";
import { cpuSeconds, followingReaders, loopP99, sleep } from "./readers-under-load.js";

/**
 * Issue 36's scale target: 1,000 readers asking the newsroom within a minute, on one node, keep
 * the event-loop delay p99 under 50 ms for the readers following the story. The real server (one
 * process, SQLite) takes the questions, each from its own address (X-Forwarded-For behind a
 * trusted loopback proxy) with its proof of work solved beforehand by this process (solving is the
 * readers' phones' work, not the server's), while readers follow the story and an editor posts an
 * update every 250 ms. Against the same node's figures with nobody asking, in the same run. Also:
 * the proof's check alone, in this process (issue: ≤ 1 ms).
 */
export interface QuestionFloodSettings {
  questions: number;
  seconds: number;
  readers: number;
  baselineSeconds: number;
}

const STORY = "questions-bench";
const address = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

/**
 * The proof's check alone: `rounds` solved proofs verified one after another; each one's wall time
 * in ms, and the process's CPU time per check (what a loaded machine's wall times hide).
 */
async function verifyTimes(rounds: number): Promise<{ wall: number[]; cpuMs: number }> {
  const pow = new ProofOfWork("bench-secret", { min: 1, max: 100 });
  const times: number[] = [];
  let cpu = 0;
  for (let i = 0; i < rounds; i++) {
    const challenge = await pow.challenge(STORY);
    const solution = (await solveChallenge({ challenge, deriveKey }))!;
    const proof = { challenge, solution } as unknown as QuestionProof;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const verified = await pow.verify(proof, STORY);
    const used = process.cpuUsage(cpuStart);
    times.push(performance.now() - start);
    cpu += (used.user + used.system) / 1000;
    if ("refused" in verified) throw new Error(`a solved proof was refused: ${verified.refused}`);
  }
  return { wall: times, cpuMs: cpu / rounds };
}

export async function measureQuestionFlood(settings: QuestionFloodSettings, log: (line: string) => void): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "live-ticker-questions-bench-"));
  const sockets: LiveSocket[] = [];
  const node = await startChild(dataDir, {
    env: { TRUST_PROXY: "loopback", WRITES_PER_MINUTE: "1000000", QUESTIONS_PER_STORY_PER_MINUTE: "100000", QUESTIONS_MAX_PENDING: "1000000" },
    startMs: 60_000,
  });
  try {
    const pid = node.process.pid!;
    const api = (path: string, init: RequestInit = {}) => fetch(`${node.url}${path}`, init);
    await api("/api/stories", { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ id: STORY, title: "Questions bench" }) });

    // The askers' proofs, solved before anything is measured (at the real difficulty).
    const solveStart = performance.now();
    const proofs: QuestionProof[] = [];
    for (let n = 0; n < settings.questions; n++) {
      const { challenge } = (await (await api(`/api/stories/${STORY}/questions/challenge`, { headers: { "x-forwarded-for": address(n) } })).json()) as { challenge: Challenge };
      const { counter, derivedKey } = (await solveChallenge({ challenge, deriveKey }))!;
      proofs.push({ challenge, solution: { counter, derivedKey } } as unknown as QuestionProof);
    }
    const solveMs = (performance.now() - solveStart) / settings.questions;
    log(`questions bench: ${settings.questions} proofs solved, ${solveMs.toFixed(1)} ms each in node on this machine`);

    const { updatesWhile } = followingReaders(node.url, STORY, settings.readers, sockets);
    await sleep(2000);

    await loopP99(node.url);
    const baselineEnd = performance.now() + settings.baselineSeconds * 1000;
    const baselineLatencies = await updatesWhile(() => performance.now() < baselineEnd);
    const baselineLoop = await loopP99(node.url);

    // The flood: the questions spread evenly over the window, each from its own address; half of them the same question.
    const cpuStart = cpuSeconds(pid);
    const start = performance.now();
    const statuses: number[] = [];
    const asking = (async () => {
      const gap = (settings.seconds * 1000) / settings.questions;
      const inFlight: Promise<void>[] = [];
      for (let n = 0; n < settings.questions; n++) {
        const due = start + n * gap;
        if (due > performance.now()) await sleep(due - performance.now());
        const text = n % 2 === 0 ? "Is the metro running?" : `Is district number ${n} without power tonight?`;
        inFlight.push(
          api(`/api/stories/${STORY}/questions`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-forwarded-for": address(n) },
            body: JSON.stringify({ text, proof: proofs[n] }),
          }).then(async (res) => {
            statuses.push(res.status);
            await res.text();
          }),
        );
      }
      await Promise.all(inFlight);
    })();
    let flooding = true;
    void asking.finally(() => (flooding = false));
    const floodLatencies = await updatesWhile(() => flooding);
    const floodLoop = await loopP99(node.url);
    const seconds = (performance.now() - start - 1000) / 1000;
    const cpu = cpuSeconds(pid) - cpuStart;
    const accepted = statuses.filter((status) => status === 202).length;
    const refused = statuses.filter((status) => status !== 202);
    if (refused.length > 0) log(`questions bench: refused with ${[...new Set(refused)].join(", ")}`);
    log(`questions bench: ${accepted} of ${settings.questions} accepted in ${seconds.toFixed(1)} s; server CPU ${cpu.toFixed(1)} s`);
    const verify = await verifyTimes(200);

    const n = `${settings.questions}/${settings.seconds}s`;
    const scenario = "reader questions flood";
    const p99 = (values: number[]) => percentile(values, 99);
    return [
      compare({ scenario, n, figure: "questions accepted (202)", unit: "", ticker: accepted }, { target: `= ${settings.questions}`, test: (_r, row) => row.ticker === settings.questions }),
      compare(
        { scenario, n, figure: "event-loop delay p99 while asked", unit: "ms", ticker: floodLoop, baseline: baselineLoop, against: "same node, nobody asking" },
        { target: "≤ 50 ms", test: (_ratio, row) => row.ticker <= 50 },
      ),
      compare({ scenario, n, figure: `update latency p99 to ${settings.readers} readers`, unit: "ms", ticker: p99(floodLatencies), baseline: p99(baselineLatencies), against: "same node, nobody asking" }),
      compare({ scenario, n, figure: "server CPU per question (with the updates)", unit: "ms", ticker: (cpu * 1000) / settings.questions }),
      compare({ scenario, n, figure: "proof check, CPU per check (in process)", unit: "ms", ticker: verify.cpuMs }, { target: "≤ 1 ms", test: (_r, row) => row.ticker <= 1 }),
      compare({ scenario, n, figure: "proof check, wall time p50 (in process)", unit: "ms", ticker: percentile(verify.wall, 50) }),
      compare({ scenario, n, figure: "proof solved in node (this machine, mean)", unit: "ms", ticker: solveMs }),
    ];
  } finally {
    for (const socket of sockets) socket.close();
    await stopChild(node.process);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
