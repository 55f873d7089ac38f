import { DomainError } from "./error-codes.js";

/** Why an operation cannot apply to a story; codes are the API's error codes (server/http/errors.ts maps their statuses). */
export class ReducerError extends DomainError {
  constructor(
    override readonly code:
      | "story_not_found"
      | "story_exists"
      | "entry_not_found"
      | "entry_exists"
      | "too_many_entries"
      | "fact_not_found"
      | "too_many_facts"
      /** A photo the operation shows is no longer stored (taken down or collected): judged by the store, in the commit. */
      | "unknown_media",
    message: string,
  ) {
    super(code, message);
  }
}
