import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compileMessages } from "../../scripts/messages.js";
import type { Catalog } from "./catalogs.js";

const MESSAGES = join(import.meta.dirname, "messages");
const dir = mkdtempSync(join(tmpdir(), "live-ticker-catalogs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every pattern of `catalog` changed by `change`: a stand-in translation the catalog check accepts. */
function translated(catalog: Catalog, change: (pattern: string) => string): Catalog {
  const { $schema: _schema, ...messages } = catalog;
  return Object.fromEntries(
    Object.entries(messages).map(([key, message]) => [
      key,
      typeof message === "string" ? change(message) : [{ ...message[0], match: Object.fromEntries(Object.entries(message[0].match).map(([form, pattern]) => [form, change(pattern)])) }],
    ]),
  );
}

describe("adding a language", () => {
  it("is one catalog file: the build compiles it and the compiled messages speak it", { timeout: 120_000 }, async () => {
    const messages = join(dir, "messages");
    mkdirSync(messages);
    const en = JSON.parse(readFileSync(join(MESSAGES, "en.json"), "utf8")) as Catalog;
    for (const locale of ["en", "uk", "ar"]) writeFileSync(join(messages, `${locale}.json`), readFileSync(join(MESSAGES, `${locale}.json`)));
    // German has English's plural forms, one and other: the copy needs no others to pass the check.
    writeFileSync(join(messages, "de.json"), JSON.stringify(translated(en, (pattern) => `⟦${pattern}⟧`), null, 2));

    await compileMessages({ messages, generated: join(dir, "generated"), languages: join(dir, "catalog-languages.ts") });
    const runtime = (await import(pathToFileURL(join(dir, "generated/paraglide/runtime.js")).href)) as { locales: readonly string[] };
    const m = (await import(pathToFileURL(join(dir, "generated/paraglide/messages.js")).href)) as Record<string, (inputs: object, options: { locale: string }) => string>;
    expect([...runtime.locales].sort()).toEqual(["ar", "de", "en", "uk"]);
    expect(m.badge_live!({}, { locale: "de" })).toBe("⟦Live⟧");
    expect(m.new_updates!({ count: 2 }, { locale: "de" })).toBe("⟦2 new updates⟧");
    // …and the desk's languages (shared/accounts.ts) follow: nothing else to edit.
    expect(readFileSync(join(dir, "catalog-languages.ts"), "utf8")).toContain('export const CATALOG_LANGUAGES = ["en","ar","de","uk"] as const;');
  });

  it("is refused whole when the new file lacks a message, naming it", async () => {
    const messages = join(dir, "broken");
    mkdirSync(messages);
    const en = JSON.parse(readFileSync(join(MESSAGES, "en.json"), "utf8")) as Catalog;
    writeFileSync(join(messages, "en.json"), JSON.stringify(en));
    const { badge_live: _dropped, ...rest } = translated(en, (pattern) => `⟦${pattern}⟧`);
    writeFileSync(join(messages, "fr.json"), JSON.stringify(rest));
    await expect(compileMessages({ messages, generated: join(dir, "broken-generated"), languages: join(dir, "broken-languages.ts") })).rejects.toThrow('fr.json lacks "badge_live"');
  });
});
