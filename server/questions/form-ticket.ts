import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { CHALLENGE_TTL_MS } from "./proof-of-work.js";

/**
 * The shortest time between the confirmation page and its "Send": what a person needs to read their
 * question back, and what a script must wait for each question instead of the proof of work's CPU.
 */
export const FORM_WAIT_MS = 3_000;

/** Why a ticket is refused: too old, not ours (or for other words or another story), or sent too fast. */
export type TicketRefusal = "expired" | "invalid" | "too_soon";

/**
 * The ticket of the "Ask the newsroom" form without JavaScript (issue 36): a browser that cannot
 * solve the proof of work sends its question twice, and the confirmation page between carries this
 * ticket, signed for that story and those words, with when it was made and a nonce. Sending it
 * spends the nonce as a solved proof's nonce is spent (once, on every node), so a ticket lets in one
 * question, no sooner than FORM_WAIT_MS and no later than a challenge lives. Stateless until spent.
 */
export class FormTicket {
  readonly #secret: string;

  constructor(
    secret: string,
    private readonly waitMs = FORM_WAIT_MS,
  ) {
    this.#secret = `form-ticket:${secret}`;
  }

  issue(storyId: string, words: { text: string; name?: string | undefined }, now = Date.now()): string {
    const head = `${now.toString(36)}.${randomBytes(12).toString("base64url")}`;
    return `${head}.${this.#sign(head, storyId, words)}`;
  }

  /** The nonce to spend and until when, or why the ticket is no good. */
  verify(ticket: string, storyId: string, words: { text: string; name?: string | undefined }, now = Date.now()): { nonce: string; expiresAt: number } | { refused: TicketRefusal } {
    const [issued, nonce, signature, ...rest] = ticket.split(".");
    if (!issued || !nonce || !signature || rest.length > 0) return { refused: "invalid" };
    const expected = Buffer.from(this.#sign(`${issued}.${nonce}`, storyId, words));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { refused: "invalid" };
    const at = parseInt(issued, 36);
    if (!(now - at >= this.waitMs)) return { refused: "too_soon" };
    if (now - at > CHALLENGE_TTL_MS) return { refused: "expired" };
    return { nonce: `form:${nonce}`, expiresAt: at + CHALLENGE_TTL_MS };
  }

  #sign(head: string, storyId: string, { text, name = "" }: { text: string; name?: string | undefined }): string {
    const words = createHash("sha256").update(`${text}\u0000${name}`).digest("base64url");
    return createHmac("sha256", this.#secret).update(`${head}\n${storyId}\n${words}`).digest("base64url");
  }
}
