import { Router, type RequestHandler } from "express";
import { z } from "zod";
import { createAccount } from "../auth/accounts-service.js";
import { generatePassword, hashPassword } from "../auth/passwords.js";
import { newId, newSecret, secretHash } from "../auth/secrets.js";
import { DisplayName } from "../../shared/api.js";
import { ROLES, TOKEN_SCOPES, type AccountStore, type TokenRecord, type TokenScope } from "../store/accounts.js";
import { principalOf, requireManage, requireSession, type SessionPolicy } from "./auth.js";
import { ApiError, parseOr400 } from "./errors.js";
import { pathParam } from "./params.js";
import { publicUser } from "../store/rows.js";

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;
const Username = z.string().regex(USERNAME_PATTERN, "2 to 32 lowercase letters, digits, dots, dashes or underscores");
const Role = z.enum(ROLES as [string, ...string[]]).transform((role) => role as (typeof ROLES)[number]);
const NewUser = z.strictObject({ username: Username, role: Role, displayName: DisplayName.optional() });
const UserChange = z
  .strictObject({ role: Role.optional(), displayName: DisplayName.optional() })
  .refine((change) => Object.keys(change).length > 0, "give at least one of role, displayName");
const Scopes = z
  .array(z.enum(TOKEN_SCOPES as [TokenScope, ...TokenScope[]]))
  .min(1)
  .max(TOKEN_SCOPES.length)
  .refine((scopes) => new Set(scopes).size === scopes.length, "each scope once")
  // Stored and shown in one order, whatever order they were asked in.
  .transform((scopes) => TOKEN_SCOPES.filter((scope) => scopes.includes(scope)));
/** A token's own write budget, as WRITES_PER_MINUTE is an account's (the same bounds). */
const WritesPerMinute = z.number().int("must be a whole number").min(1, "must be at least 1").max(1_000_000, "must be at most 1000000");
const NewToken = z.strictObject({ name: z.string().trim().min(1).max(100), scopes: Scopes.default(["write"]), writesPerMinute: WritesPerMinute.optional() });

/**
 * Accounts (admins) and API tokens (editors for themselves, admins for everyone). Looking and
 * revoking take a `manage` token too; making and changing take a session (see requireSession).
 */
export function accountRoutes(accounts: AccountStore, body: RequestHandler[], policy: Pick<SessionPolicy, "recentMs">): Router {
  const router = Router();
  const admin = requireSession(policy, "admin");

  router.get("/users", requireManage("admin"), async (_req, res) => {
    res.json({ users: await accounts.listUsers() });
  });

  router.post("/users", admin, ...body, async (req, res) => {
    const { username, role, displayName } = parseOr400(NewUser, req.body, "user");
    res.status(201).json(await createAccount(accounts, username, role, displayName));
  });

  router.patch("/users/:userId", admin, ...body, async (req, res) => {
    const change = parseOr400(UserChange, req.body, "user change");
    const user = await accounts.userById(pathParam(req, "userId"));
    if (!user) throw new ApiError(404, "user_not_found", "No such account.");
    const roleChanged = change.role !== undefined && change.role !== user.role;
    if (roleChanged && user.role === "admin") await keepAnAdmin(accounts);
    await accounts.updateUser(user.id, change);
    if (roleChanged) await accounts.deleteSessionsOf(user.id); // the new role applies from the next sign-in
    res.json({ user: publicUser({ ...user, ...change }) });
  });

  router.post("/users/:userId/password", admin, async (req, res) => {
    const user = await accounts.userById(pathParam(req, "userId"));
    if (!user) throw new ApiError(404, "user_not_found", "No such account.");
    const password = generatePassword();
    await accounts.updateUser(user.id, { passwordHash: await hashPassword(password), mustChangePassword: true });
    await accounts.deleteSessionsOf(user.id);
    res.json({ password });
  });

  router.delete("/users/:userId", admin, async (req, res) => {
    if (pathParam(req, "userId") === principalOf(res)?.userId) throw new ApiError(409, "conflict", "You cannot delete your own account.");
    const user = await accounts.userById(pathParam(req, "userId"));
    if (!user) throw new ApiError(404, "user_not_found", "No such account.");
    if (user.role === "admin") await keepAnAdmin(accounts);
    await accounts.deleteUser(pathParam(req, "userId"));
    res.status(204).end();
  });

  const describe = async (token: TokenRecord) => {
    const owner = await accounts.userById(token.ownerId);
    return { ...token, owner: owner?.username ?? "(deleted)", role: owner?.role };
  };

  router.get("/tokens", requireManage("editor", "admin"), async (_req, res) => {
    const principal = principalOf(res)!;
    const tokens = await accounts.listTokens(principal.role === "admin" ? undefined : principal.userId);
    res.json({ tokens: await Promise.all(tokens.map(describe)) });
  });

  router.post("/tokens", requireSession(policy, "editor", "admin"), ...body, async (req, res) => {
    const principal = principalOf(res)!;
    if (!principal.userId) throw new ApiError(403, "forbidden", "Tokens belong to accounts; sign in to create one.");
    const { name, scopes, writesPerMinute } = parseOr400(NewToken, req.body, "token");
    // Else any editor could mint themselves past WRITES_PER_MINUTE, which is the newsroom's to set.
    if (writesPerMinute !== undefined && principal.role !== "admin") {
      throw new ApiError(403, "forbidden", "Only an admin may give a token its own write budget (writesPerMinute).");
    }
    const secret = newSecret("lt_");
    const token: TokenRecord = { id: newId("t_"), name, ownerId: principal.userId, scopes, ...(writesPerMinute ? { writesPerMinute } : {}), createdAt: new Date().toISOString() };
    await accounts.createToken(token, secretHash(secret));
    res.status(201).json({ token: await describe(token), secret });
  });

  router.delete("/tokens/:tokenId", requireManage("editor", "admin"), async (req, res) => {
    const principal = principalOf(res)!;
    const token = (await accounts.listTokens(principal.role === "admin" ? undefined : principal.userId)).find((t) => t.id === pathParam(req, "tokenId"));
    if (!token) throw new ApiError(404, "token_not_found", "No such token.");
    await accounts.deleteToken(token.id);
    res.status(204).end();
  });

  return router;
}

/** Refuses a change that would leave the newsroom with no admin account to manage the others. */
async function keepAnAdmin(accounts: AccountStore): Promise<void> {
  const admins = (await accounts.listUsers()).filter((user) => user.role === "admin");
  if (admins.length <= 1) throw new ApiError(409, "last_admin", "This is the only admin account; make another admin first.");
}
