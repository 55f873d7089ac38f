import { Router, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { SessionChangeBody } from "../../shared/api.js";
import { MIN_PASSWORD_LENGTH } from "../../shared/limits.js";
import { hashPassword, verifyPassword } from "../auth/passwords.js";
import type { LoginThrottle } from "../auth/login-throttle.js";
import { newSecret, secretHash } from "../auth/secrets.js";
import type { AccountStore } from "../store/accounts.js";
import { publicUser } from "../store/rows.js";
import { clearSessionCookie, principalOf, readCookie, sameSite, setSessionCookie, type SessionPolicy } from "./auth.js";
import { rateLimited } from "../../shared/error-codes.js";
import { ApiError, parseOr400 } from "./errors.js";

const Login = z.strictObject({ username: z.string().max(64), password: z.string().max(1024) });
const PasswordChange = z.strictObject({
  currentPassword: z.string().max(1024),
  newPassword: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024),
});


/** Sign in (also to re-authenticate), sign out, who am I, and choosing one's own password, display name and desk language. */
export function sessionRoutes(accounts: AccountStore, policy: SessionPolicy, json: RequestHandler[], throttle: LoginThrottle): Router {
  const router = Router();

  router.post("/session", ...json, async (req, res) => {
    // A login form posted from another site would sign the victim into the attacker's account.
    if (!sameSite(req, policy.origin)) throw new ApiError(403, "csrf_rejected", "Sign in from this site.");
    const { username, password } = parseOr400(Login, req.body, "sign-in");
    const address = req.ip ?? "unknown";
    await countAttempt(throttle, username, address, res);
    const user = await accounts.userByUsername(username);
    if (!(await verifyPassword(user?.passwordHash, password)) || !user) {
      throw new ApiError(401, "invalid_credentials", "The name or the password is not right.");
    }
    await throttle.succeeded(username, address);

    // A new session id on every sign-in, and the one the browser had (if any) is gone.
    const previous = readCookie(req, policy.cookieName);
    if (previous) await accounts.deleteSession(secretHash(previous));
    const id = newSecret();
    const now = Date.now();
    await accounts.createSession({ idHash: secretHash(id), userId: user.id, createdAt: now, lastSeenAt: now });
    setSessionCookie(res, policy, id);
    req.log.info({ userId: user.id }, "signed in");
    res.json({ user: publicUser(user) });
  });

  router.get("/session", async (_req, res) => {
    const principal = principalOf(res);
    const user = principal?.via === "session" && principal.userId ? await accounts.userById(principal.userId) : undefined;
    if (!user && res.locals.sessionExpired) throw new ApiError(401, "session_expired", "Your session has ended; sign in again.");
    // "No account yet" is the one thing the sign-in form cannot guess and must say (how to make
    // one); it tells a stranger nothing once any account exists.
    if (!user) throw new ApiError(401, "unauthorized", "Not signed in.", (await accounts.countUsers()) === 0 ? { accounts: false } : undefined);
    res.setHeader("Cache-Control", "no-store");
    res.json({ user: publicUser(user) });
  });

  // One's own byline and desk language. Only from a signed-in desk: a token must not rename the people it writes as.
  router.patch("/session", ...json, async (req, res) => {
    const principal = principalOf(res);
    const user = principal?.via === "session" && principal.userId ? await accounts.userById(principal.userId) : undefined;
    if (!user) throw new ApiError(401, "unauthorized", "Sign in to change your display name or desk language.");
    if (user.mustChangePassword) throw new ApiError(403, "password_change_required", "Choose a new password first (POST /api/session/password).");
    const changes = parseOr400(SessionChangeBody, req.body, "profile change");
    await accounts.updateUser(user.id, changes);
    res.json({ user: publicUser({ ...user, ...changes }) });
  });

  router.delete("/session", async (_req, res) => {
    const principal = principalOf(res);
    if (principal?.sessionHash) await accounts.deleteSession(principal.sessionHash);
    clearSessionCookie(res, policy);
    res.status(204).end();
  });

  router.post("/session/password", ...json, async (req, res) => {
    const principal = principalOf(res);
    const user = principal?.via === "session" && principal.userId ? await accounts.userById(principal.userId) : undefined;
    if (!user || !principal?.sessionHash) throw new ApiError(401, "unauthorized", "Sign in to change your password.");
    const { currentPassword, newPassword } = parseOr400(PasswordChange, req.body, "password change");
    // A stolen session must not become a way to guess the password: the sign-in limits apply.
    const address = req.ip ?? "unknown";
    await countAttempt(throttle, user.username, address, res);
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      throw new ApiError(401, "invalid_credentials", "The current password is not right.");
    }
    await throttle.succeeded(user.username, address);
    if (newPassword === currentPassword) throw new ApiError(400, "validation_failed", "Choose a password you have not used here.");
    await accounts.updateUser(user.id, { passwordHash: await hashPassword(newPassword), mustChangePassword: false });
    await accounts.deleteSessionsOf(user.id, principal.sessionHash);
    req.log.info({ userId: user.id }, "password changed");
    res.status(204).end();
  });

  return router;
}

/** Counts a password check before it runs; 429 with Retry-After while the name or address is locked out. */
async function countAttempt(throttle: LoginThrottle, username: string, address: string, res: Response): Promise<void> {
  const wait = await throttle.attempt(username, address);
  if (wait > 0) throw rateLimited(wait * 1000, `Too many failed passwords; try again in ${Math.ceil(wait / 60)} min.`);
}
