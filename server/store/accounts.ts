import type { ClosedDraft, Draft, Role, TokenScope, User } from "../../shared/accounts.js";
import type { DraftChanges } from "../../shared/draft-edit.js";

export type { ClosedDraft, Draft, Role, TokenScope, User } from "../../shared/accounts.js";
export { TOKEN_SCOPES } from "../../shared/accounts.js";
export const ROLES: readonly Role[] = ["admin", "editor", "contributor"];

export interface UserWithHash extends User {
  passwordHash: string;
}

/** A signed-in browser. Only the SHA-256 of the cookie value is stored. */
export interface SessionRecord {
  idHash: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
}

/** An API token for newsroom systems; it acts as its owner. Only the SHA-256 of the secret is stored. */
export interface TokenRecord {
  id: string;
  name: string;
  ownerId: string;
  /** At least one; tokens from before scopes existed have `write`. */
  scopes: TokenScope[];
  /** Its own budget of REST writes a minute (a wire feed's, an importer's), set when it is made; absent: its owner's. */
  writesPerMinute?: number;
  createdAt: string;
  lastUsedAt?: string;
}

/** What may change about an account (its id, login name and creation time never do). */
export type UserChanges = Partial<Pick<UserWithHash, "role" | "passwordHash" | "mustChangePassword" | "displayName" | "deskLanguage">>;

/** Another account's display name folds to the same (shared/display-names.ts nameFold): a 409 `display_name_taken` over HTTP. */
export class DisplayNameTaken extends Error {
  constructor(readonly displayName: string) {
    super(`Another account's display name reads the same as "${displayName}": choose one a reader can tell apart.`);
  }
}

/** The draft is no longer open: published or discarded (`closed` says by whom), or it never was. */
export class DraftGone extends Error {
  constructor(readonly closed?: ClosedDraft) {
    super(closed ? `The draft was ${closed.outcome} by ${closed.by.name}.` : "No such draft.");
  }
}

/** The draft is no longer at the revision the writer saw. */
export class DraftChanged extends Error {
  constructor(readonly currentRevision: number) {
    super(`The draft has changed: it is now at revision ${currentRevision}.`);
  }
}

/** An edit or a discard, applied only if the draft is still at `expectedRevision` (when given). */
export interface DraftEdit {
  changes: DraftChanges;
  at: string;
  expectedRevision?: number;
}
export interface DraftDiscard {
  by: { name: string };
  at: string;
  expectedRevision?: number;
}

/** Accounts, sessions, tokens and drafts: everything about the people who write. */
export interface AccountStore {
  countUsers(): Promise<number>;
  createUser(user: UserWithHash): Promise<void>;
  userById(id: string): Promise<UserWithHash | undefined>;
  userByUsername(username: string): Promise<UserWithHash | undefined>;
  listUsers(): Promise<User[]>;
  updateUser(id: string, changes: UserChanges): Promise<void>;
  deleteUser(id: string): Promise<void>;

  createSession(session: SessionRecord): Promise<void>;
  session(idHash: string): Promise<SessionRecord | undefined>;
  touchSession(idHash: string, lastSeenAt: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Revokes every session of a user (password change, role change), except `keep`. */
  deleteSessionsOf(userId: string, keep?: string): Promise<void>;

  createToken(token: TokenRecord, secretHash: string): Promise<void>;
  tokenBySecretHash(secretHash: string): Promise<TokenRecord | undefined>;
  listTokens(ownerId?: string): Promise<TokenRecord[]>;
  touchToken(id: string, at: string): Promise<void>;
  deleteToken(id: string): Promise<boolean>;

  createDraft(draft: Draft): Promise<void>;
  /** An open draft (waiting for review). */
  draft(storyId: string, id: string): Promise<Draft | undefined>;
  /** What became of a draft that was published or discarded. */
  closedDraft(storyId: string, id: string): Promise<ClosedDraft | undefined>;
  /** `authorId`'s drafts of the story published or discarded at or after `since` (ISO time), newest first. */
  closedDraftsOf(storyId: string, authorId: string, since: string): Promise<ClosedDraft[]>;
  listDrafts(storyId: string, authorId?: string): Promise<Draft[]>;
  /**
   * Applies `edit.changes` to the draft as it is in the store, in one transaction that holds it
   * (so a concurrent publish or edit waits), and returns it one revision on. Throws DraftGone or
   * DraftChanged (stale `expectedRevision`); never changes nothing silently.
   */
  editDraft(storyId: string, id: string, edit: DraftEdit): Promise<Draft>;
  /** Removes the draft and records who discarded it, in one transaction. Throws DraftGone or DraftChanged. */
  discardDraft(storyId: string, id: string, discard: DraftDiscard): Promise<void>;
}
