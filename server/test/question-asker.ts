import { solveChallenge, type Challenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";
import type { QuestionProof } from "../../shared/questions.js";

/** A reader's browser in a test or the bench: fetches a challenge for a story, solves it, and asks. */
export interface Asker {
  /** A solved proof for `storyId`, from the address `from` (X-Forwarded-For, with TRUST_PROXY=loopback). */
  proof(storyId: string, from?: string): Promise<QuestionProof>;
  /** POSTs a question with a fresh proof (or the one given); the raw response. */
  ask(storyId: string, fields: { text: string; name?: string; website?: string }, options?: { from?: string; proof?: QuestionProof }): Promise<Response>;
}

export function asker(baseUrl: string): Asker {
  const headers = (from: string | undefined) => ({ "content-type": "application/json", ...(from ? { "x-forwarded-for": from } : {}) });
  const proof = async (storyId: string, from?: string): Promise<QuestionProof> => {
    const res = await fetch(`${baseUrl}/api/stories/${storyId}/questions/challenge`, { headers: headers(from) });
    if (res.status !== 200) throw new Error(`challenge: ${res.status} ${await res.text()}`);
    const { challenge } = (await res.json()) as { challenge?: Challenge };
    if (!challenge) throw new Error("the story takes no questions");
    const solution = await solveChallenge({ challenge, deriveKey });
    if (!solution) throw new Error("challenge not solved");
    return { challenge: challenge as unknown as QuestionProof["challenge"], solution: { counter: solution.counter, derivedKey: solution.derivedKey } };
  };
  return {
    proof,
    ask: async (storyId, fields, options = {}) =>
      fetch(`${baseUrl}/api/stories/${storyId}/questions`, {
        method: "POST",
        headers: headers(options.from),
        body: JSON.stringify({ ...fields, proof: options.proof ?? (await proof(storyId, options.from)) }),
      }),
  };
}
