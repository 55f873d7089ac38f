import { join } from "node:path";
import { parseArgs } from "node:util";
import { generatePassword, hashPassword } from "../auth/passwords.js";
import { DisplayName } from "../../shared/api.js";
import { loadConfig } from "../config.js";
import { createAccount } from "../auth/accounts-service.js";
import { ROLES, type Role } from "../store/accounts.js";
import { SqliteStore } from "../store/sqlite-store.js";

const USAGE = `Manage editor accounts in DATA_DIR (default ./data).

  npm run user -- list
  npm run user -- add NAME [--role admin|editor|contributor] [--display-name "BYLINE"]
                                    (default editor, byline NAME; prints a one-time password)
  npm run user -- role NAME ROLE
  npm run user -- display-name NAME "BYLINE"                   (the name readers see on NAME's entries)
  npm run user -- reset-password NAME                          (prints a new one-time password, signs NAME out)
  npm run user -- remove NAME`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { role: { type: "string", default: "editor" }, "display-name": { type: "string" }, help: { type: "boolean" } },
});
const [command, name, extra] = positionals;
const asRole = (value: string | undefined): Role => {
  if (!ROLES.includes(value as Role)) fail(`Unknown role "${value}": use ${ROLES.join(", ")}.`);
  return value as Role;
};
const asDisplayName = (value: string | undefined): string => {
  const parsed = DisplayName.safeParse(value);
  if (!parsed.success) fail(`Invalid display name: ${parsed.error.issues.map((issue) => issue.message).join("; ")}.`);
  return parsed.data;
};
function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

if (values.help || !command) {
  console.log(USAGE);
  process.exit(command ? 0 : 1);
}
const store = new SqliteStore(join(loadConfig().dataDir, "live-ticker.db"));
const accounts = store.accounts;
const existing = name ? await accounts.userByUsername(name) : undefined;
const needUser = () => existing ?? fail(`No account "${name}".`);

switch (command) {
  case "list":
    for (const user of await accounts.listUsers()) {
      console.log(`${user.username}\t${user.role}\t${user.displayName}${user.mustChangePassword ? "\t(one-time password not yet changed)" : ""}`);
    }
    break;
  case "add": {
    if (!name) fail(USAGE);
    const displayName = values["display-name"] === undefined ? name : asDisplayName(values["display-name"]);
    const { user, password } = await createAccount(accounts, name, asRole(values.role), displayName).catch((error: Error) => fail(error.message));
    console.log(`Created ${user.username} (${user.role}, byline "${user.displayName}"). One-time password, shown only now: ${password}`);
    break;
  }
  case "role":
    await accounts.updateUser(needUser().id, { role: asRole(extra) });
    await accounts.deleteSessionsOf(needUser().id);
    console.log(`${name} is now ${extra}.`);
    break;
  case "display-name":
    await accounts.updateUser(needUser().id, { displayName: asDisplayName(extra) }).catch((error: Error) => fail(error.message));
    console.log(`${name} now writes as "${asDisplayName(extra)}".`);
    break;
  case "reset-password": {
    const password = generatePassword();
    await accounts.updateUser(needUser().id, { passwordHash: await hashPassword(password), mustChangePassword: true });
    await accounts.deleteSessionsOf(needUser().id);
    console.log(`New one-time password for ${name}, shown only now: ${password}`);
    break;
  }
  case "remove":
    await accounts.deleteUser(needUser().id);
    console.log(`Removed ${name}.`);
    break;
  default:
    fail(USAGE);
}
await store.close();
