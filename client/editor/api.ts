import type {
  AddEntryBody,
  CreateStoryBody,
  EditEntryBody,
  EntryResponse,
  ErrorResponse,
  StoryListResponse,
  UpdateStoryBody,
  VersionResponse,
} from "../../shared/api.js";
import type { Draft, Role, User } from "../../shared/accounts.js";
import type { EntryKind, Snapshot } from "../../shared/story.js";

/** The desk's typed client for the editor API (session cookie, same origin). No Svelte, no DOM. */

export type { Draft, Role } from "../../shared/accounts.js";

/** The signed-in account, as /api/session answers it. */
export type SessionUser = Pick<User, "id" | "username" | "role" | "mustChangePassword">;

/** An account as an admin sees it in /api/users. */
export type UserRecord = User;

export interface TokenRecord {
  id: string;
  name: string;
  owner: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface DraftFields {
  body: string;
  headline?: string;
  kind?: EntryKind;
  pinned?: boolean;
}

/** An error answer of the API (or a network failure, status 0), as one typed value to show and branch on. */
export class ApiFailure extends Error {
  override readonly name = "ApiFailure";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Seconds to wait, from `Retry-After` (429). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  /** Field problems of a `validation_failed` answer, when the server named them. */
  get issues(): { path: string; message: string }[] {
    const issues = (this.details as { issues?: unknown } | undefined)?.issues;
    return Array.isArray(issues) ? issues.filter((i): i is { path: string; message: string } => typeof i?.message === "string") : [];
  }

  /** `details.currentVersion` of a 412. */
  get currentVersion(): number | undefined {
    const version = (this.details as { currentVersion?: unknown } | undefined)?.currentVersion;
    return typeof version === "number" ? version : undefined;
  }
}

export interface RequestOptions {
  body?: unknown;
  /** The story version (or, on a draft, its revision) the change is based on: sent as `If-Match: "<n>"`. */
  ifMatch?: number | undefined;
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface ApiOptions {
  /** Prefix of every path (default: same origin). */
  base?: string;
  /** Told about every failure before it is thrown (the desk returns to the login on 401). */
  onFailure?: (failure: ApiFailure) => void;
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

const enc = encodeURIComponent;

export class EditorApi {
  readonly #base: string;
  readonly #onFailure: ((failure: ApiFailure) => void) | undefined;

  constructor(options: ApiOptions = {}) {
    this.#base = options.base ?? "";
    this.#onFailure = options.onFailure;
  }

  /** One request: JSON in and out; an error answer (or no answer) throws `ApiFailure`. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.ifMatch !== undefined) headers["If-Match"] = `"${options.ifMatch}"`;
    if (options.idempotencyKey !== undefined) headers["Idempotency-Key"] = options.idempotencyKey;
    let response: Response;
    try {
      response = await globalThis.fetch(this.#base + path, {
        method,
        headers,
        credentials: "same-origin",
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw this.#fail(new ApiFailure(0, "network_error", "Could not reach the server. Check the connection and try again.", { cause: String(error) }));
    }
    const text = await response.text();
    let json: unknown;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!response.ok) {
      const error = (json as Partial<ErrorResponse> | undefined)?.error;
      const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
      throw this.#fail(
        error && typeof error.code === "string"
          ? new ApiFailure(response.status, error.code, error.message ?? error.code, error.details, retryAfter)
          : new ApiFailure(response.status, `http_${response.status}`, `The server answered ${response.status} ${response.statusText}`.trim(), undefined, retryAfter),
      );
    }
    return json as T;
  }

  #fail(failure: ApiFailure): ApiFailure {
    this.#onFailure?.(failure);
    return failure;
  }

  // Session
  async session(): Promise<SessionUser> {
    return (await this.request<{ user: SessionUser }>("GET", "/api/session")).user;
  }
  async login(username: string, password: string): Promise<SessionUser> {
    return (await this.request<{ user: SessionUser }>("POST", "/api/session", { body: { username, password } })).user;
  }
  async logout(): Promise<void> {
    await this.request("DELETE", "/api/session");
  }
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.request("POST", "/api/session/password", { body: { currentPassword, newPassword } });
  }

  // Stories and entries
  listStories(): Promise<StoryListResponse> {
    return this.request("GET", "/api/stories");
  }
  getStory(id: string): Promise<Snapshot> {
    return this.request("GET", `/api/stories/${enc(id)}`);
  }
  createStory(body: CreateStoryBody, idempotencyKey?: string): Promise<Snapshot> {
    return this.request("POST", "/api/stories", { body, idempotencyKey });
  }
  updateStory(id: string, body: UpdateStoryBody, ifMatch: number, idempotencyKey?: string): Promise<VersionResponse> {
    return this.request("PATCH", `/api/stories/${enc(id)}`, { body, ifMatch, idempotencyKey });
  }
  addEntry(id: string, body: Partial<AddEntryBody> & { body: string }, ifMatch: number, idempotencyKey?: string): Promise<EntryResponse> {
    return this.request("POST", `/api/stories/${enc(id)}/entries`, { body, ifMatch, idempotencyKey });
  }
  editEntry(id: string, entryId: string, body: EditEntryBody, ifMatch: number, idempotencyKey?: string): Promise<EntryResponse> {
    return this.request("PATCH", `/api/stories/${enc(id)}/entries/${enc(entryId)}`, { body, ifMatch, idempotencyKey });
  }
  deleteEntry(id: string, entryId: string, ifMatch: number, idempotencyKey?: string): Promise<VersionResponse> {
    return this.request("DELETE", `/api/stories/${enc(id)}/entries/${enc(entryId)}`, { ifMatch, idempotencyKey });
  }

  // Drafts
  async listDrafts(id: string): Promise<Draft[]> {
    return (await this.request<{ drafts: Draft[] }>("GET", `/api/stories/${enc(id)}/drafts`)).drafts;
  }
  async createDraft(id: string, body: DraftFields, idempotencyKey?: string): Promise<Draft> {
    return (await this.request<{ draft: Draft }>("POST", `/api/stories/${enc(id)}/drafts`, { body, idempotencyKey })).draft;
  }
  // A draft's If-Match is the revision the desk showed: the server refuses to act on text nobody saw.
  async editDraft(id: string, draftId: string, body: Partial<DraftFields>, revision: number): Promise<Draft> {
    return (await this.request<{ draft: Draft }>("PATCH", `/api/stories/${enc(id)}/drafts/${enc(draftId)}`, { body, ifMatch: revision })).draft;
  }
  publishDraft(id: string, draftId: string, revision: number, idempotencyKey?: string): Promise<EntryResponse> {
    return this.request("POST", `/api/stories/${enc(id)}/drafts/${enc(draftId)}/publish`, { ifMatch: revision, idempotencyKey });
  }
  async discardDraft(id: string, draftId: string, revision: number): Promise<void> {
    await this.request("DELETE", `/api/stories/${enc(id)}/drafts/${enc(draftId)}`, { ifMatch: revision });
  }

  // Users (admin)
  async listUsers(): Promise<UserRecord[]> {
    return (await this.request<{ users: UserRecord[] }>("GET", "/api/users")).users;
  }
  createUser(username: string, role: Role): Promise<{ user: UserRecord; password: string }> {
    return this.request("POST", "/api/users", { body: { username, role } });
  }
  async setRole(userId: string, role: Role): Promise<UserRecord> {
    return (await this.request<{ user: UserRecord }>("PATCH", `/api/users/${enc(userId)}`, { body: { role } })).user;
  }
  async resetPassword(userId: string): Promise<string> {
    return (await this.request<{ password: string }>("POST", `/api/users/${enc(userId)}/password`)).password;
  }
  async deleteUser(userId: string): Promise<void> {
    await this.request("DELETE", `/api/users/${enc(userId)}`);
  }

  // API tokens
  async listTokens(): Promise<TokenRecord[]> {
    return (await this.request<{ tokens: TokenRecord[] }>("GET", "/api/tokens")).tokens;
  }
  createToken(name: string): Promise<{ token: TokenRecord; secret: string }> {
    return this.request("POST", "/api/tokens", { body: { name } });
  }
  async revokeToken(tokenId: string): Promise<void> {
    await this.request("DELETE", `/api/tokens/${enc(tokenId)}`);
  }
}

/** A human sentence for any error the desk catches. */
export function describeError(error: unknown): string {
  if (error instanceof ApiFailure) {
    if (error.code === "rate_limited") {
      return error.retryAfter !== undefined ? `Too many attempts. Try again in ${waitText(error.retryAfter)}.` : "Too many attempts. Wait a moment and try again.";
    }
    if (error.code === "forbidden") return "Your role does not allow this.";
    if (error.code === "unauthorized") return "Your session has ended. Sign in again.";
    const issues = error.issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
    return issues.length > 0 ? `${error.message} (${issues.join("; ")})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** "45 seconds", "2 min 5 s". */
export function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? "second" : "seconds"}`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}
