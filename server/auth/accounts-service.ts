import { DEFAULT_DESK_LANGUAGE } from "../../shared/accounts.js";
import { ROLES, type AccountStore } from "../store/accounts.js";
import { generatePassword, hashPassword } from "./passwords.js";
import { newId } from "./secrets.js";

/** The login name is taken (a 409 `user_exists` over HTTP). */
export class UserExists extends Error {
  constructor(readonly username: string) {
    super(`There is already an account "${username}".`);
  }
}

/**
 * Creates an account with a one-time password, which its owner must replace at first sign-in.
 * The display name (the byline) starts as the login name unless one is given. Shared by the
 * admin's route, the first start (main.ts) and the CLI.
 */
export async function createAccount(accounts: AccountStore, username: string, role: (typeof ROLES)[number], displayName = username) {
  if (await accounts.userByUsername(username)) throw new UserExists(username);
  const password = generatePassword();
  const user = { id: newId("u_"), username, displayName, role, createdAt: new Date().toISOString(), mustChangePassword: true, deskLanguage: DEFAULT_DESK_LANGUAGE };
  await accounts.createUser({ ...user, passwordHash: await hashPassword(password) });
  return { user, password };
}
