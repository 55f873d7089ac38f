import { createChallenge, verifySolution, type Challenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";
import type { QuestionProof } from "../../shared/questions.js";

/** How long a challenge may be solved and spent: its nonce is kept that long, on every node. */
export const CHALLENGE_TTL_MS = 10 * 60_000;

/**
 * The work asked of a browser: SHA-256 once per try, the answer a counter drawn between these. A
 * phone's WebCrypto does some 30–60 thousand digests a second from a page, so the median ask costs
 * about half a second there, the worst about a second; a flood of thousands costs minutes of CPU.
 */
export const WORK: { min: number; max: number } = { min: 5_000, max: 40_000 };

/** Why a proof is refused, in the reader's words. */
export type ProofRefusal = "expired" | "invalid" | "other_story";

/**
 * ALTCHA's proof of work (altcha-lib, v2 deterministic mode): the server knows the answer when it
 * makes the challenge and signs its key, so checking a solution is two HMACs (well under a
 * millisecond) and needs no state; spending it once is the question store's (`spendNonce`).
 * Nothing is fetched from anyone, no cookie is set, nothing identifies the reader.
 */
export class ProofOfWork {
  readonly #challengeSecret: string;
  readonly #keySecret: string;

  constructor(secret: string, private readonly work: { min: number; max: number } = WORK) {
    this.#challengeSecret = `challenge:${secret}`;
    this.#keySecret = `key:${secret}`;
  }

  /** A new challenge for asking about `storyId`, valid for CHALLENGE_TTL_MS. */
  challenge(storyId: string, now = Date.now()): Promise<Challenge> {
    const { min, max } = this.work;
    return createChallenge({
      algorithm: "SHA-256",
      cost: 1,
      counter: min + Math.floor(Math.random() * (max - min + 1)),
      deriveKey,
      data: { storyId },
      expiresAt: Math.floor((now + CHALLENGE_TTL_MS) / 1000),
      hmacSignatureSecret: this.#challengeSecret,
      hmacKeySignatureSecret: this.#keySecret,
    });
  }

  /** The nonce to spend and until when, or why the proof is no good. */
  async verify(proof: QuestionProof, storyId: string): Promise<{ nonce: string; expiresAt: number } | { refused: ProofRefusal }> {
    const challenge = proof.challenge as unknown as Challenge;
    const result = await verifySolution({
      challenge,
      solution: proof.solution,
      deriveKey,
      hmacSignatureSecret: this.#challengeSecret,
      hmacKeySignatureSecret: this.#keySecret,
    }).catch(() => ({ verified: false, expired: false }));
    if (result.expired) return { refused: "expired" };
    if (!result.verified) return { refused: "invalid" };
    const { nonce, expiresAt, data } = challenge.parameters;
    // Signed by us, so these are what we made; a challenge for another story is not spent here.
    if (data?.storyId !== storyId) return { refused: "other_story" };
    return { nonce, expiresAt: (expiresAt ?? 0) * 1000 };
  }
}
