import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import type { AccountStore, Role, TokenScope, UserWithHash } from "../store/accounts.js";
import { secretHash } from "../auth/secrets.js";
import { ApiError } from "./errors.js";

/**
 * Who is writing. `id` scopes idempotency keys, `name` is the author readers see (an account's
 * display name, never its login name), `role` decides what they may do. API tokens act as their
 * owner within their `scopes`; the admin token acts as an admin.
 */
export interface Principal {
  id: string;
  name: string;
  /** The account's login name, which the desk shows beside `name` (an account's, not the admin token's). */
  login?: string;
  role: Role;
  via: "admin-token" | "api-token" | "session";
  userId?: string;
  sessionHash?: string;
  /** A session's: when its password was last given (sign-in), in ms since the epoch. */
  signedInAt?: number;
  /** An API token's. */
  scopes?: readonly TokenScope[];
  /** An API token's own budget of REST writes a minute, if it was made with one. */
  writesPerMinute?: number;
  mustChangePassword: boolean;
}

export interface SessionPolicy {
  cookieName: string;
  secure: boolean;
  idleMs: number;
  absoluteMs: number;
  /** How long after signing in an admin may manage accounts and tokens without giving the password again. */
  recentMs: number;
  /** The site's own origin, for the CSRF check of cookie-authenticated writes. */
  origin: string;
}

/** OWASP session guidance, sized for a night shift: idle 2 h, absolute 12 h. */
export function sessionPolicy(config: { publicUrl: string }): SessionPolicy {
  const secure = config.publicUrl.startsWith("https:");
  return {
    // The __Host- prefix pins the cookie to this host, path / and HTTPS; browsers refuse it on http.
    cookieName: secure ? "__Host-lt_session" : "lt_session",
    secure,
    idleMs: 2 * 60 * 60 * 1000,
    absoluteMs: 12 * 60 * 60 * 1000,
    recentMs: 15 * 60 * 1000,
    // Read when used: with PORT=0 the public URL learns its port only once the server listens.
    get origin() {
      return new URL(config.publicUrl).origin;
    },
  };
}

const digest = (value: string) => createHash("sha256").update(value).digest();
/** The methods that change something: what credentials, CSRF checks and write limits are about. */
export const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export const principalOf = (res: Response) => res.locals.principal as Principal | undefined;

export function userPrincipal(user: UserWithHash, via: Principal["via"], id: string): Principal {
  return { id, name: user.displayName, login: user.username, role: user.role, via, userId: user.id, mustChangePassword: user.mustChangePassword };
}

/**
 * What a request's credentials come to, before any rule about methods: none at all, a principal
 * (by a bearer token or the session cookie), or credentials that are no good.
 */
export type Credentials =
  | { kind: "none" }
  | { kind: "principal"; principal: Principal }
  /** An Authorization header that is not `Bearer <token>`, or a token that is unknown or revoked. */
  | { kind: "bad_bearer"; malformed: boolean }
  /** A session cookie whose session is unknown, over or idle too long (it has been forgotten). */
  | { kind: "dead_session" };

/**
 * Resolves `Authorization: Bearer` (the admin token or an API token) or, without that header, the
 * session cookie. One owner for what a credential is worth: the HTTP API and the desk's socket
 * (live/desk/desk-channel.ts) both ask here.
 */
export function credentialResolver(accounts: AccountStore, adminToken: string | undefined, policy: SessionPolicy) {
  const expected = adminToken ? digest(adminToken) : undefined;
  return async (authorization: string | undefined, cookieHeader: string | undefined): Promise<Credentials> => {
    if (authorization !== undefined) {
      const match = /^Bearer ([\x21-\x7E]+)$/i.exec(authorization);
      if (!match) return { kind: "bad_bearer", malformed: true };
      const secret = match[1]!;
      if (expected && timingSafeEqual(digest(secret), expected)) {
        return { kind: "principal", principal: { id: "admin-token", name: "Newsroom", role: "admin", via: "admin-token", mustChangePassword: false } };
      }
      const token = await accounts.tokenBySecretHash(secretHash(secret));
      const owner = token && (await accounts.userById(token.ownerId));
      if (!token || !owner) return { kind: "bad_bearer", malformed: false };
      // Best effort: a disk that cannot take writes must not turn a token's reads into failures.
      accounts.touchToken(token.id, new Date().toISOString()).catch(() => {});
      return { kind: "principal", principal: { ...userPrincipal(owner, "api-token", `token:${token.id}`), mustChangePassword: false, scopes: token.scopes, ...(token.writesPerMinute ? { writesPerMinute: token.writesPerMinute } : {}) } };
    }
    const cookie = cookieValue(cookieHeader, policy.cookieName);
    if (cookie === undefined) return { kind: "none" };
    const principal = await sessionPrincipal(accounts, policy, cookie);
    return principal ? { kind: "principal", principal } : { kind: "dead_session" };
  };
}

/**
 * Resolves the credentials of a request, if any. Bad credentials are a 401; none at all leave the
 * request anonymous for the route to judge. Cookie-authenticated writes must come from this site.
 */
export function authenticate(accounts: AccountStore, adminToken: string | undefined, policy: SessionPolicy): RequestHandler {
  const resolve = credentialResolver(accounts, adminToken, policy);
  return async (req, res, next) => {
    const credentials = await resolve(req.get("authorization"), req.get("cookie"));
    switch (credentials.kind) {
      case "none":
        return next();
      case "bad_bearer":
        // Reading needs no credentials (DESIGN.md §3): bad ones on a read are simply ignored.
        if (!UNSAFE.has(req.method)) return next();
        throw credentials.malformed
          ? new ApiError(401, "unauthorized", "Send Authorization: Bearer <token>.")
          : new ApiError(401, "unauthorized", "The credentials are not valid.");
      case "dead_session":
        clearSessionCookie(res, policy);
        // Reads need no session, and signing in is how the holder of a dead cookie recovers.
        res.locals.sessionExpired = true;
        if (!UNSAFE.has(req.method) || (req.method === "POST" && req.path === "/session")) return next();
        throw new ApiError(401, "session_expired", "Your session has ended; sign in again.");
      case "principal":
        if (credentials.principal.via === "session" && UNSAFE.has(req.method) && !sameSite(req, policy.origin)) {
          throw new ApiError(403, "csrf_rejected", "Cross-site requests may not change anything here.");
        }
        res.locals.principal = credentials.principal;
        return next();
    }
  };
}

async function sessionPrincipal(accounts: AccountStore, policy: SessionPolicy, cookie: string): Promise<Principal | undefined> {
  const idHash = secretHash(cookie);
  const session = await accounts.session(idHash);
  if (!session) return undefined;
  const now = Date.now();
  if (now - session.lastSeenAt > policy.idleMs || now - session.createdAt > policy.absoluteMs) {
    await accounts.deleteSession(idHash);
    return undefined;
  }
  const user = await accounts.userById(session.userId);
  if (!user) return undefined;
  // Best effort, like the token's: a full or read-only disk must not sign readers out; the next
  // request touches the session again.
  if (now - session.lastSeenAt > 60_000) await accounts.touchSession(idHash, now).catch(() => {});
  return { ...userPrincipal(user, "session", `user:${user.id}`), sessionHash: idHash, signedInAt: session.createdAt };
}

/**
 * CSRF defence for cookie-authenticated writes (OWASP): Fetch Metadata first (a write from this
 * site's pages is always "same-origin"); browsers without it send Origin, which must be this
 * site's (PUBLIC_URL); a request with neither is not a browser on this site and must use a token.
 */
export function sameSite(req: Request, origin: string): boolean {
  const site = req.get("sec-fetch-site");
  if (site !== undefined) return site === "same-origin";
  return req.get("origin") === origin;
}

/** The principal, if it has one of `roles`; an account on a one-time password may do nothing else first. */
function allowedPrincipal(principal: Principal | undefined, roles: Role[]): Principal {
  if (!principal) throw new ApiError(401, "unauthorized", "Sign in or send Authorization: Bearer <token>.");
  if (principal.mustChangePassword) {
    throw new ApiError(403, "password_change_required", "Choose a new password first (POST /api/session/password).");
  }
  if (!roles.includes(principal.role)) throw new ApiError(403, "forbidden", `This needs the ${roles.join(" or ")} role.`);
  return principal;
}

function requireScope(principal: Principal, scope: TokenScope): void {
  if (principal.via === "api-token" && !principal.scopes?.includes(scope)) {
    throw new ApiError(403, "insufficient_scope", `This token may not do that: it needs the ${scope} scope.`);
  }
}

/** The principal if it may write stories, entries and drafts with one of `roles`; else throws the ApiError saying why. */
export function writerOf(principal: Principal | undefined, roles: Role[]): Principal {
  const allowed = allowedPrincipal(principal, roles);
  requireScope(allowed, "write");
  return allowed;
}

/** Stories, entries and drafts: principals with one of `roles`; an API token needs the `write` scope. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    writerOf(principalOf(res), roles);
    next();
  };
}

/**
 * Looking at accounts and tokens, and revoking tokens: principals with one of `roles`; an API
 * token needs the `manage` scope. Nothing here can make a credential or raise a privilege.
 */
export function requireManage(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    requireScope(allowedPrincipal(principalOf(res), roles), "manage");
    next();
  };
}

/**
 * Making tokens and accounts and changing accounts: a signed-in session, never an API token (a
 * leaked token could otherwise mint its own successor, or an admin's mint admins); an admin's
 * session must have given the password within `recentMs`, so an unattended desk is no way in
 * (403 reauthentication_required: sign in again, the desk asks for the password). The admin
 * token is the operator's own configuration, like shell access to the CLI, and may do this.
 */
export function requireSession(policy: Pick<SessionPolicy, "recentMs">, ...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const principal = allowedPrincipal(principalOf(res), roles);
    if (principal.via === "api-token") {
      throw new ApiError(403, "session_required", "API tokens cannot create tokens or manage accounts; sign in to the desk.");
    }
    if (principal.via === "session" && principal.role === "admin" && Date.now() - (principal.signedInAt ?? 0) > policy.recentMs) {
      throw new ApiError(403, "reauthentication_required", `Give your password again: managing accounts needs a sign-in within the last ${policy.recentMs / 60_000} minutes.`);
    }
    next();
  };
}

export function readCookie(req: Request, name: string): string | undefined {
  return cookieValue(req.get("cookie"), name);
}

/** The value of cookie `name` in a Cookie header, if there. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join("="));
    } catch {
      return ""; // mangled on the way: no session can match it, so it is cleared like a dead one
    }
  }
  return undefined;
}

export function setSessionCookie(res: Response, policy: SessionPolicy, value: string): void {
  res.cookie(policy.cookieName, value, { httpOnly: true, sameSite: "strict", secure: policy.secure, path: "/", maxAge: policy.absoluteMs });
}

export function clearSessionCookie(res: Response, policy: SessionPolicy): void {
  res.clearCookie(policy.cookieName, { httpOnly: true, sameSite: "strict", secure: policy.secure, path: "/" });
}
