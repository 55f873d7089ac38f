import type { Draft, Role, TokenScope, User } from "../../shared/accounts.js";

export type { Draft, Role, TokenScope, User } from "../../shared/accounts.js";
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
  createdAt: string;
  lastUsedAt?: string;
}

/** What may change about an account (its id, login name and creation time never do). */
export type UserChanges = Partial<Pick<UserWithHash, "role" | "passwordHash" | "mustChangePassword" | "displayName">>;

export type DraftFields = Pick<Draft, "body" | "kind" | "pinned"> & { headline?: string };

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
  draft(storyId: string, id: string): Promise<Draft | undefined>;
  listDrafts(storyId: string, authorId?: string): Promise<Draft[]>;
  updateDraft(draft: Draft): Promise<void>;
  deleteDraft(storyId: string, id: string): Promise<boolean>;
}
