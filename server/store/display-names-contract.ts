import { afterEach, describe, expect, it } from "vitest";
import { DisplayNameTaken, type UserWithHash } from "./accounts.js";
import type { AccountsUnderTest } from "./accounts-contract.js";

/** A store holding accounts, and what a test needs to take its data back to before display-name folds. */
export interface DisplayNamesUnderTest extends AccountsUnderTest {
  /** The same data, opened again (the start fills what it finds missing). */
  reopen(): Promise<AccountsUnderTest>;
  /** Runs SQL on the store's data from a connection of its own, with the store closed. */
  exec(sql: string): Promise<void>;
  /** The SQL that makes the data look as an older release left it: no folds, no unique index on them. */
  beforeFolds: string;
}

const user = (n: number, displayName: string): UserWithHash => ({
  id: `u_${n}`,
  username: `user${n}`,
  displayName,
  role: "editor",
  createdAt: `2026-01-0${n}T00:00:00.000Z`,
  mustChangePassword: false,
  passwordHash: "x",
  deskLanguage: "en",
});

/**
 * Display names are unique after folding case and look-alike characters (shared/display-names.ts),
 * as the store's own unique index holds it: two writers at once cannot both take one name.
 */
export function describeDisplayNamesContract(name: string, open: () => Promise<DisplayNamesUnderTest>) {
  describe(`display names unique after folding: ${name}`, () => {
    const opened: AccountsUnderTest[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };

    it("refuses an account whose name reads like another's, on creation and on rename; an account may re-case its own", async () => {
      const { accounts } = await fresh();
      await accounts.createUser(user(1, "Olena K."));
      await expect(accounts.createUser(user(2, "0LENA K"))).rejects.toBeInstanceOf(DisplayNameTaken);
      expect(await accounts.userById("u_2")).toBeUndefined();
      await accounts.createUser(user(2, "Taras"));
      await expect(accounts.updateUser("u_2", { displayName: "Оlena k" })).rejects.toBeInstanceOf(DisplayNameTaken); // a Cyrillic О
      expect((await accounts.userById("u_2"))?.displayName).toBe("Taras");
      await accounts.updateUser("u_2", { role: "admin" }); // changes without a name are untouched by the rule
      await accounts.updateUser("u_1", { displayName: "OLENA K." });
      expect((await accounts.userById("u_1"))?.displayName).toBe("OLENA K.");
      // A name is free again once its account is gone.
      await accounts.deleteUser("u_1");
      await accounts.updateUser("u_2", { displayName: "Olena K." });
      expect((await accounts.userById("u_2"))?.displayName).toBe("Olena K.");
    });

    it("lets exactly one of many writers at once take names that read the same", async () => {
      const { accounts } = await fresh();
      const names = ["Mykola", "MYKOLA", "Мykola", "mykoIa", "Myko1a", "M y k o l a", "Mykоla", "mykola."];
      const results = await Promise.allSettled(names.map((displayName, n) => accounts.createUser({ ...user(n + 1, displayName), createdAt: new Date().toISOString() })));
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
      for (const result of results) if (result.status === "rejected") expect(result.reason).toBeInstanceOf(DisplayNameTaken);
      expect(await accounts.listUsers()).toHaveLength(1);
    });

    it("fills the folds of accounts from an older release as it starts, the oldest account keeping a name two of them share", async () => {
      const store = await open();
      await store.accounts.createUser(user(1, "Olena"));
      await store.accounts.createUser(user(2, "Pia"));
      await store.close();
      await store.exec(`${store.beforeFolds}; UPDATE users SET display_name = 'OLENA' WHERE id = 'u_2'`);
      const again = await store.reopen();
      opened.push(again);
      await expect(again.accounts.createUser(user(3, "Оlena"))).rejects.toBeInstanceOf(DisplayNameTaken);
      // The younger of the two keeps its name until renamed; then its new name counts like any other.
      expect((await again.accounts.userById("u_2"))?.displayName).toBe("OLENA");
      await again.accounts.updateUser("u_2", { displayName: "Pia" });
      await expect(again.accounts.createUser(user(4, "PIA"))).rejects.toBeInstanceOf(DisplayNameTaken);
    });
  });
}
