import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DESK_LANGUAGES } from "../../shared/accounts.js";
import { m } from "../lib/i18n.js";
import { catalogProblems, type Catalog } from "./catalogs.js";

const DIR = join(import.meta.dirname, "messages");
const catalogs: Record<string, Catalog> = Object.fromEntries(
  readdirSync(DIR)
    .filter((name) => name.endsWith(".json"))
    .map((name) => {
      const { $schema: _schema, ...messages } = JSON.parse(readFileSync(join(DIR, name), "utf8")) as Catalog;
      return [name.slice(0, -".json".length), messages];
    }),
);

const DESK_NAMES = /live-ticker|«admin»|«created the first account»|https|Ctrl\+C|⌘\+C|Ctrl\+Enter|Enter|Escape|Authorization: Bearer|Markdown|oEmbed|YouTube|Telegram|\bX\b|BCP 47|API|pt-BR|\b(en|uk|ar)\b|a–z|\/stories\//g;

const plural = (forms: Record<string, string>): Catalog[string] => [
  { declarations: ["input count", "local countPlural = count: plural"], selectors: ["countPlural"], match: Object.fromEntries(Object.entries(forms).map(([form, text]) => [`countPlural=${form}`, text])) },
];

describe("message catalogs", () => {
  it("ship English, Ukrainian and Arabic, complete, with nothing left in English (the build's own check)", () => {
    expect(Object.keys(catalogs)).toEqual(expect.arrayContaining(["en", "uk", "ar"]));
    expect(catalogProblems(catalogs)).toEqual([]);
  });

  it.each(["uk", "ar"])("leave no Latin word in the %s catalog: every interface word its reader sees is in its language", (locale) => {
    for (const [key, message] of Object.entries(catalogs[locale]!)) {
      const patterns = typeof message === "string" ? [message] : Object.values(message[0].match);
      // The desk names things that are written in Latin letters whatever the language: the product,
      // key names, an HTTP header, formats and platforms, example language tags and the story address.
      const names = key.startsWith("desk_") ? DESK_NAMES : /(?!)/;
      for (const pattern of patterns) expect(pattern.replace(/\{\w+\}/g, "").replace(names, ""), key).not.toMatch(/[A-Za-z]/);
    }
  });

  it("are the desk's languages: an account may choose exactly the languages there is a catalog for", () => {
    expect([...DESK_LANGUAGES].sort()).toEqual(Object.keys(catalogs).sort());
  });

  it("name a missing message, a missing plural form, a changed input and an untranslated message", () => {
    const en: Catalog = { hello: "Hello there, {name}", status: "Status", count: plural({ one: "{count} update", other: "{count} updates" }), ok: "OK" };
    const uk: Catalog = {
      hello: "Hello there, {name}",
      status: "Status", // one word may be the same in two languages: the Ukrainian test below is stricter
      count: plural({ one: "{count} оновлення", few: "{count} оновлення", other: "{count} оновлення" }),
      extra: "Зайве",
    };
    expect(catalogProblems({ en, uk })).toEqual([
      'uk.json lacks "ok"',
      'uk.json "hello" is still in en.json\'s words: "Hello there,"',
      'uk.json "count" lacks the plural form many',
      'uk.json has "extra", which en.json does not',
    ]);
    expect(catalogProblems({ en, uk: { ...uk, hello: "Привіт, {імʼя}", ok: "Гаразд" } })).toContain('uk.json "hello" takes {}, en.json {name}');
  });
});

describe("plural forms (Intl.PluralRules through the compiled messages)", () => {
  it("English has one and other", () => {
    expect([0, 1, 2, 21].map((count) => m.new_updates({ count }, { locale: "en" }))).toEqual(["0 new updates", "1 new update", "2 new updates", "21 new updates"]);
  });

  it("Ukrainian has one, few, many and other", () => {
    expect([1, 21, 101].map((count) => m.new_updates({ count }, { locale: "uk" }))).toEqual(["1 нове оновлення", "21 нове оновлення", "101 нове оновлення"]);
    expect([2, 3, 4, 22, 34].map((count) => m.new_updates({ count }, { locale: "uk" }))).toEqual([
      "2 нові оновлення",
      "3 нові оновлення",
      "4 нові оновлення",
      "22 нові оновлення",
      "34 нові оновлення",
    ]);
    expect([0, 5, 11, 12, 14, 25, 111].map((count) => m.new_updates({ count }, { locale: "uk" }))).toEqual([
      "0 нових оновлень",
      "5 нових оновлень",
      "11 нових оновлень",
      "12 нових оновлень",
      "14 нових оновлень",
      "25 нових оновлень",
      "111 нових оновлень",
    ]);
    expect(m.new_updates({ count: 1.5 }, { locale: "uk" })).toMatch(/ нового оновлення$/); // "other": fractions
    expect(m.older_updates_shown({ count: 3 }, { locale: "uk" })).toBe("Показано 3 старіші оновлення.");
  });

  it("Arabic has zero, one, two, few, many and other, each worded as Arabic counts", () => {
    expect(new Intl.PluralRules("ar").resolvedOptions().pluralCategories).toEqual(expect.arrayContaining(["zero", "one", "two", "few", "many", "other"]));
    expect([0, 1, 2, 3, 11, 100].map((count) => m.new_updates({ count }, { locale: "ar" }))).toEqual([
      "لا تحديثات جديدة",
      "تحديث جديد واحد",
      "تحديثان جديدان",
      "3 تحديثات جديدة",
      "11 تحديثًا جديدًا",
      "100 تحديث جديد",
    ]);
    expect([0, 1, 2, 3, 11, 100].map((count) => m.history_change_added_many({ count }, { locale: "ar" }))).toEqual([
      "لم يُضف أي تحديث",
      "أُضيف تحديث واحد",
      "أُضيف تحديثان",
      "أُضيفت 3 تحديثات",
      "أُضيف 11 تحديثًا",
      "أُضيف 100 تحديث",
    ]);
    // 103–110 count as "few", 111–199 as "many" again, as Arabic grammar has it.
    expect(m.new_updates({ count: 105 }, { locale: "ar" })).toBe("105 تحديثات جديدة");
    expect(m.new_updates({ count: 111 }, { locale: "ar" })).toBe("111 تحديثًا جديدًا");
  });
});
