import type { Challenge } from "altcha-lib";
import { m, type Locale } from "../lib/i18n.js";
import { ApiFailure, requestJson } from "../lib/request.js";

/** What became of a reader's question, as the form says it. */
export type AskOutcome = "sent" | "closed" | "too_many" | "invalid" | "failed";

/** Those and what only the form without JavaScript meets (server/pages/question-form-routes.ts). */
export type FormOutcome = AskOutcome | "wait" | "expired" | "refused";

const SAID: Record<FormOutcome, (locale: Locale) => string> = {
  sent: (locale) => m.ask_sent({}, { locale }),
  closed: (locale) => m.ask_closed({}, { locale }),
  too_many: (locale) => m.ask_too_many({}, { locale }),
  invalid: (locale) => m.ask_invalid({}, { locale }),
  failed: (locale) => m.ask_failed({}, { locale }),
  wait: (locale) => m.ask_wait({}, { locale }),
  expired: (locale) => m.ask_expired({}, { locale }),
  refused: (locale) => m.ask_refused({}, { locale }),
};

/** What the form says of an outcome, in the page's interface language, with script or without. */
export const askOutcomeText = (outcome: FormOutcome, locale: Locale) => SAID[outcome](locale);

interface Proof {
  challenge: Challenge;
  solution: { counter: number; derivedKey: string };
}

/** Solved proofs are used well before their challenge's ten minutes run out. */
const PROOF_FRESH_MS = 8 * 60_000;

/**
 * The "Ask the newsroom" form's work (issue 36): fetch a proof-of-work challenge, solve it in the
 * page (ALTCHA, WebCrypto SHA-256: about a second on a phone, loaded only when a reader starts to
 * ask), and send the question with its proof. `prepare` starts the work as soon as the reader
 * starts typing, so sending is usually instant; each proof is sent once.
 */
export class QuestionSender {
  #proof: { at: number; solved: Promise<Proof | "closed"> } | undefined;

  constructor(private readonly storyId: string) {}

  prepare(): void {
    if (this.#proof && Date.now() - this.#proof.at < PROOF_FRESH_MS) return;
    const solved = this.#solve();
    // A failure here is said when the reader sends; no unhandled rejection meanwhile.
    solved.catch(() => {});
    this.#proof = { at: Date.now(), solved };
  }

  async send(fields: { text: string; name?: string; website?: string }): Promise<AskOutcome> {
    this.prepare();
    const pending = this.#proof!;
    this.#proof = undefined;
    try {
      const proof = await pending.solved;
      if (proof === "closed") return "closed";
      await requestJson(`/api/stories/${encodeURIComponent(this.storyId)}/questions`, { method: "POST", body: { ...fields, proof } });
      return "sent";
    } catch (error) {
      if (!(error instanceof ApiFailure)) return "failed";
      if (error.code === "questions_closed") return "closed";
      if (error.status === 429) return "too_many";
      if (error.code === "validation_failed") return "invalid";
      return "failed";
    }
  }

  async #solve(): Promise<Proof | "closed"> {
    const path = `/api/stories/${encodeURIComponent(this.storyId)}/questions/challenge`;
    const [{ open, challenge }, { solveChallenge }, { deriveKey }] = await Promise.all([
      requestJson<{ open: boolean; challenge?: Challenge }>(path),
      import("altcha-lib"),
      import("altcha-lib/algorithms/web/sha"),
    ]);
    if (!open || !challenge) return "closed";
    const solution = await solveChallenge({ challenge, deriveKey, timeout: 60_000 });
    if (!solution) throw new Error("The anti-flood check could not be solved in time.");
    return { challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } };
  }
}
