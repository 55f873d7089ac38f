import type {
  AddEntryBody,
  AudienceResponse,
  CreateStoryBody,
  EditEntryBody,
  EntryResponse,
  FactResponse,
  HistoryItem,
  HistoryResponse,
  PushSubscribersResponse,
  StoryListResponse,
  UpdateStoryBody,
  VersionResponse,
} from "../../shared/api.js";
import type { ClosedDraft, DeskLanguage, Draft, Role, TokenScope, User } from "../../shared/accounts.js";
import type { FactFields } from "../../shared/facts.js";
import type { EntryKind, Snapshot } from "../../shared/story.js";
import type { ScheduledEntry } from "../../shared/schedule.js";
import { m, type Locale } from "../lib/i18n.js";
import { ApiFailure, requestJson } from "../lib/request.js";
import type { Question } from "../../shared/questions.js";
import { uploadFile } from "../lib/upload.js";
import type { MediaBodyItem, UploadedImage } from "./media/media-list.js";

/** The desk's typed client for the editor API (session cookie, same origin). No Svelte, no DOM. */

export type { Draft, Role, TokenScope } from "../../shared/accounts.js";
export type { ScheduledEntry } from "../../shared/schedule.js";
export { TOKEN_SCOPES } from "../../shared/accounts.js";
export { ApiFailure, parseRetryAfter } from "../lib/request.js";

/** The signed-in account, as /api/session answers it. */
export type SessionUser = Pick<User, "id" | "username" | "displayName" | "role" | "mustChangePassword" | "deskLanguage">;

/** An account as an admin sees it in /api/users. */
export type UserRecord = User;

/** GET /api/idempotency/:key: the stored answer of a write that went through, or "still running". */
export type WriteOutcome = { state: "completed"; status: number; body: unknown; completedAt: string } | { state: "in_flight" };

export interface TokenRecord {
  id: string;
  name: string;
  owner: string;
  role: Role;
  scopes: TokenScope[];
  createdAt: string;
  lastUsedAt: string | null;
}

export interface DraftFields {
  body: string;
  headline?: string;
  kind?: EntryKind;
  pinned?: boolean;
  media?: MediaBodyItem[];
}

/**
 * Photos and embeds as an entry write sends them (the server fills in the rest). It replaces the
 * body schema's own `media`, whose type is what the server makes of it (an embed with its provider).
 */
type WithMedia<T> = Omit<T, "media"> & { media?: MediaBodyItem[] };
/** The changes of an entry edit, as `editEntry` sends them. */
export type EntryEdit = WithMedia<EditEntryBody>;

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
  /** Told whenever the server answered (anything, even an error): it is not stalled. */
  onAnswer?: () => void;
  /** How long a request may go unanswered (default `REQUEST_TIMEOUT_MS`). */
  timeoutMs?: number;
}

const enc = encodeURIComponent;

export class EditorApi {
  readonly #base: string;
  readonly #onFailure: ((failure: ApiFailure) => void) | undefined;
  readonly #onAnswer: (() => void) | undefined;
  readonly #timeoutMs: number | undefined;

  constructor(options: ApiOptions = {}) {
    this.#base = options.base ?? "";
    this.#onFailure = options.onFailure;
    this.#onAnswer = options.onAnswer;
    this.#timeoutMs = options.timeoutMs;
  }

  /** One request: JSON in and out, with a timeout; an error answer (or no answer) throws `ApiFailure`. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = {};
    if (options.ifMatch !== undefined) headers["If-Match"] = `"${options.ifMatch}"`;
    if (options.idempotencyKey !== undefined) headers["Idempotency-Key"] = options.idempotencyKey;
    return this.#watch(requestJson<T>(this.#base + path, { method, body: options.body, headers, signal: options.signal, timeoutMs: this.#timeoutMs }));
  }

  /**
   * Uploads a photo as its own bytes (`POST /api/media`), reporting progress; cancelled by `signal`.
   * The same bytes twice are the same image, so a retry is always safe.
   */
  uploadMedia(file: Blob, options: { onProgress?: (sent: number, total: number) => void; signal?: AbortSignal } = {}): Promise<UploadedImage> {
    return this.#watch(uploadFile<UploadedImage>(`${this.#base}/api/media`, file, { ...options, idleTimeoutMs: this.#timeoutMs }));
  }

  /** Tells `onAnswer` whenever the server answered, and `onFailure` about every failure. */
  async #watch<T>(request: Promise<T>): Promise<T> {
    try {
      const answer = await request;
      this.#onAnswer?.();
      return answer;
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      if (!error.outcomeUnknown) this.#onAnswer?.();
      this.#onFailure?.(error);
      throw error;
    }
  }

  /**
   * What became of a write whose answer was lost, by its Idempotency-Key: undefined when the
   * server never took it (or refused it, which changed nothing).
   */
  async writeOutcome(key: string): Promise<WriteOutcome | undefined> {
    try {
      return await this.request<WriteOutcome>("GET", `/api/idempotency/${enc(key)}`);
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 404) return undefined;
      throw error;
    }
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
  /** One's own byline. */
  async setDisplayName(displayName: string): Promise<SessionUser> {
    return (await this.request<{ user: SessionUser }>("PATCH", "/api/session", { body: { displayName } })).user;
  }
  async setDeskLanguage(deskLanguage: DeskLanguage): Promise<SessionUser> {
    return (await this.request<{ user: SessionUser }>("PATCH", "/api/session", { body: { deskLanguage } })).user;
  }

  /** How many are reading the story now, on every node, with the last hour's samples (editors only). */
  audience(storyId: string, signal?: AbortSignal): Promise<AudienceResponse> {
    return this.request("GET", `/api/stories/${enc(storyId)}/audience`, { signal });
  }
  /** How many readers asked for the story's alerts; undefined when this server sends none. */
  async pushSubscribers(storyId: string): Promise<number | undefined> {
    const { alerts, subscribers } = await this.request<PushSubscribersResponse>("GET", `/api/stories/${enc(storyId)}/push-subscriptions`);
    return alerts ? subscribers : undefined;
  }

  // Stories and entries
  listStories(): Promise<StoryListResponse> {
    return this.request("GET", "/api/stories");
  }
  getStory(id: string): Promise<Snapshot> {
    return this.request("GET", `/api/stories/${enc(id)}`);
  }
  /** The newest `limit` versions, newest first. */
  async history(id: string, limit: number): Promise<HistoryItem[]> {
    return (await this.request<HistoryResponse>("GET", `/api/stories/${enc(id)}/history?limit=${Math.max(1, limit)}`)).versions;
  }
  createStory(body: CreateStoryBody, idempotencyKey?: string): Promise<Snapshot> {
    return this.request("POST", "/api/stories", { body, idempotencyKey });
  }
  updateStory(id: string, body: UpdateStoryBody, ifMatch: number, idempotencyKey?: string): Promise<VersionResponse> {
    return this.request("PATCH", `/api/stories/${enc(id)}`, { body, ifMatch, idempotencyKey });
  }
  /** `alert: false`: a breaking entry published without an alert to the story's subscribers; `question`: the entry answers this reader's question (issue 36). */
  addEntry(id: string, body: WithMedia<Partial<AddEntryBody>> & { body: string; alert?: boolean; question?: { id: string } }, ifMatch: number, idempotencyKey?: string): Promise<EntryResponse> {
    return this.request("POST", `/api/stories/${enc(id)}/entries`, { body, ifMatch, idempotencyKey });
  }
  editEntry(id: string, entryId: string, body: EntryEdit, ifMatch: number, idempotencyKey?: string): Promise<EntryResponse> {
    return this.request("PATCH", `/api/stories/${enc(id)}/entries/${enc(entryId)}`, { body, ifMatch, idempotencyKey });
  }
  deleteEntry(id: string, entryId: string, ifMatch: number, idempotencyKey?: string): Promise<VersionResponse> {
    return this.request("DELETE", `/api/stories/${enc(id)}/entries/${enc(entryId)}`, { ifMatch, idempotencyKey });
  }
  /** Creates or changes a key figure (the whole figure: no source means none). */
  putFact(id: string, factId: string, body: FactFields, ifMatch: number, idempotencyKey?: string): Promise<FactResponse> {
    return this.request("PUT", `/api/stories/${enc(id)}/facts/${enc(factId)}`, { body, ifMatch, idempotencyKey });
  }
  deleteFact(id: string, factId: string, ifMatch: number, idempotencyKey?: string): Promise<VersionResponse> {
    return this.request("DELETE", `/api/stories/${enc(id)}/facts/${enc(factId)}`, { ifMatch, idempotencyKey });
  }

  // Readers' questions (issue 36)
  async listQuestions(id: string): Promise<Question[]> {
    return (await this.request<{ questions: Question[] }>("GET", `/api/stories/${enc(id)}/questions`)).questions;
  }
  questionSettings(id: string): Promise<{ open: boolean; pending: number }> {
    return this.request("GET", `/api/stories/${enc(id)}/question-settings`);
  }
  setQuestionsOpen(id: string, open: boolean): Promise<{ open: boolean; pending: number }> {
    return this.request("PUT", `/api/stories/${enc(id)}/question-settings`, { body: { open } });
  }
  async moderateQuestion(id: string, questionId: string, status: "dismissed" | "spam"): Promise<Question> {
    return (await this.request<{ question: Question }>("PATCH", `/api/stories/${enc(id)}/questions/${enc(questionId)}`, { body: { status } })).question;
  }

  // Drafts
  async listDrafts(id: string): Promise<Draft[]> {
    return (await this.request<{ drafts: Draft[] }>("GET", `/api/stories/${enc(id)}/drafts`)).drafts;
  }
  /** What became of one's own drafts of the story in the last day, newest first. */
  async draftOutcomes(id: string): Promise<ClosedDraft[]> {
    return (await this.request<{ outcomes: ClosedDraft[] }>("GET", `/api/stories/${enc(id)}/drafts/outcomes`)).outcomes;
  }
  /** With `question`, the draft answers that reader's question (as an entry would): the editor who publishes it answers it. */
  async createDraft(id: string, body: DraftFields & { question?: { id: string } }, idempotencyKey?: string): Promise<Draft> {
    return (await this.request<{ draft: Draft }>("POST", `/api/stories/${enc(id)}/drafts`, { body, idempotencyKey })).draft;
  }
  // A draft's If-Match is the revision the desk showed: the server refuses to act on text nobody saw.
  async editDraft(id: string, draftId: string, body: Partial<DraftFields>, revision: number): Promise<Draft> {
    return (await this.request<{ draft: Draft }>("PATCH", `/api/stories/${enc(id)}/drafts/${enc(draftId)}`, { body, ifMatch: revision })).draft;
  }
  /** Publishes the entry at `publishAt` (ISO) instead of now: 202 `{scheduled}`. */
  scheduleEntry(id: string, body: WithMedia<Partial<AddEntryBody>> & { body: string; publishAt: string; alert?: boolean }, idempotencyKey?: string): Promise<{ scheduled: ScheduledEntry }> {
    return this.request("POST", `/api/stories/${enc(id)}/entries`, { body, idempotencyKey });
  }
  async listScheduled(id: string): Promise<ScheduledEntry[]> {
    return (await this.request<{ scheduled: ScheduledEntry[] }>("GET", `/api/stories/${enc(id)}/scheduled`)).scheduled;
  }
  async editScheduled(id: string, scheduledId: string, changes: { publishAt?: string }, revision: number): Promise<ScheduledEntry> {
    return (await this.request<{ scheduled: ScheduledEntry }>("PATCH", `/api/stories/${enc(id)}/scheduled/${enc(scheduledId)}`, { body: changes, ifMatch: revision })).scheduled;
  }
  async cancelScheduled(id: string, scheduledId: string, revision: number): Promise<void> {
    await this.request("DELETE", `/api/stories/${enc(id)}/scheduled/${enc(scheduledId)}`, { ifMatch: revision });
  }
  publishDraft(id: string, draftId: string, revision: number, idempotencyKey?: string, alert = true): Promise<EntryResponse> {
    return this.request("POST", `/api/stories/${enc(id)}/drafts/${enc(draftId)}/publish`, { ...(alert ? {} : { body: { alert: false } }), ifMatch: revision, idempotencyKey });
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
  async setUserDisplayName(userId: string, displayName: string): Promise<UserRecord> {
    return (await this.request<{ user: UserRecord }>("PATCH", `/api/users/${enc(userId)}`, { body: { displayName } })).user;
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
  createToken(name: string, scopes: TokenScope[]): Promise<{ token: TokenRecord; secret: string }> {
    return this.request("POST", "/api/tokens", { body: { name, scopes } });
  }
  async revokeToken(tokenId: string): Promise<void> {
    await this.request("DELETE", `/api/tokens/${enc(tokenId)}`);
  }
}

/**
 * A human sentence for any error the desk catches, in the desk's language `locale`. The server's
 * own messages (and the fields it names) stay as it wrote them, in English: the codes the desk
 * knows are said in its language.
 */
export function describeError(error: unknown, locale: Locale = "en"): string {
  const options = { locale };
  if (error instanceof ApiFailure) {
    if (error.code === "rate_limited") {
      return error.retryAfter !== undefined ? m.desk_error_rate_limited_wait({ wait: waitText(error.retryAfter, locale) }, options) : m.desk_error_rate_limited({}, options);
    }
    if (error.code === "forbidden") return m.desk_error_forbidden({}, options);
    if (error.code === "reauthentication_required") return m.desk_error_reauthenticate({}, options);
    if (error.code === "unauthorized") return m.desk_error_unauthorized({}, options);
    const issues = error.issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
    return issues.length > 0 ? `${error.message} (${issues.join("; ")})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** "45 seconds", "2 min 5 s" (in `locale`: "45 секунд", "2 хв 5 с"). */
export function waitText(seconds: number, locale: Locale = "en"): string {
  if (seconds < 60) return m.desk_wait_seconds({ count: seconds }, { locale });
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest ? m.desk_wait_minutes_seconds({ minutes, seconds: rest }, { locale }) : m.desk_wait_minutes({ minutes }, { locale });
}
