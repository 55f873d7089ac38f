/**
 * Checks the message catalogs (client/i18n/catalogs.ts) and compiles them with Paraglide JS into
 * client/i18n/generated/paraglide: one tree-shakable function per message, with its types. Runs
 * before the typecheck, the build and the tests (package.json, vitest.config.ts), so a clean clone
 * needs nothing generated committed. A broken catalog exits 1 with every problem named.
 *
 * Adding a language is one file: client/i18n/messages/<BCP 47 tag>.json. The inlang project is
 * written here from the catalogs found (into the generated folder, never committed), and its one
 * plugin is loaded from node_modules, so compiling needs no network (inlang's default loads it
 * from a CDN).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BASE_LOCALE, catalogProblems, type Catalog } from "../client/i18n/catalogs.js";

const ROOT = resolve(import.meta.dirname, "..");
const PLUGIN = join(ROOT, "node_modules/@inlang/plugin-message-format/dist/index.js");

/** Where the catalogs are read from and the compiled messages written to: the project's own, or a test's. */
export interface MessageDirs {
  messages: string;
  generated: string;
  /** The module that tells `shared/` which languages have a catalog (the desk's languages, shared/accounts.ts). */
  languages: string;
}
const PROJECT_DIRS: MessageDirs = {
  messages: join(ROOT, "client/i18n/messages"),
  generated: join(ROOT, "client/i18n/generated"),
  languages: join(ROOT, "shared/generated/catalog-languages.ts"),
};

/** The languages list for `shared/`, base first: written only when it changes, so nothing rebuilds for nothing. */
function writeLanguages(path: string, locales: string[]): void {
  const text = `// Written by scripts/messages.ts from client/i18n/messages: one catalog file, one language. Not committed.\nexport const CATALOG_LANGUAGES = ${JSON.stringify(locales)} as const;\n`;
  if (existsSync(path) && readFileSync(path, "utf8") === text) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export async function compileMessages(dirs: MessageDirs = PROJECT_DIRS): Promise<void> {
  const messagesDir = dirs.messages;
  const project = join(dirs.generated, "project.inlang");
  const outdir = join(dirs.generated, "paraglide");
  const stamp = join(dirs.generated, "inputs.sha256");
  const files = readdirSync(messagesDir).filter((name) => name.endsWith(".json")).sort();
  const texts = Object.fromEntries(files.map((name) => [name.slice(0, -".json".length), readFileSync(join(messagesDir, name), "utf8")]));
  const catalogs: Record<string, Catalog> = {};
  for (const [locale, text] of Object.entries(texts)) {
    const { $schema: _schema, ...messages } = JSON.parse(text) as Catalog & { $schema?: string };
    catalogs[locale] = messages;
  }
  const problems = catalogProblems(catalogs);
  if (problems.length > 0) {
    throw new Error(`The message catalogs in client/i18n/messages cannot be compiled:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  }

  const locales = [BASE_LOCALE, ...Object.keys(catalogs).filter((locale) => locale !== BASE_LOCALE)];
  writeLanguages(dirs.languages, locales);

  // Compiling takes a second or two (inlang opens its project in SQLite): skip it when nothing it reads changed.
  const paraglide = readFileSync(join(ROOT, "node_modules/@inlang/paraglide-js/package.json"), "utf8");
  const hash = createHash("sha256").update(JSON.stringify([texts, paraglide, readFileSync(import.meta.filename, "utf8")])).digest("hex");
  if (existsSync(join(outdir, "messages.js")) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash) return;

  const { compile } = await import("@inlang/paraglide-js");
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, "settings.json"),
    JSON.stringify(
      {
        $schema: "https://inlang.com/schema/project-settings",
        baseLocale: BASE_LOCALE,
        locales,
        modules: [PLUGIN],
        "plugin.inlang.messageFormat": { pathPattern: join(messagesDir, "{locale}.json") },
      },
      null,
      2,
    ),
  );
  await compile({
    project,
    outdir,
    // Every call names its locale (the story's language decides, not the reader or a cookie):
    // nothing is detected, stored or read from the request.
    strategy: ["baseLocale"],
    // One module per language, not one per message: the server and every test process import the
    // catalogs through tsx, and over a thousand tiny modules made each server start seconds slower.
    outputStructure: "locale-modules",
    emitTsDeclarations: true,
    emitReadme: false,
  });
  writeFileSync(stamp, hash);
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  try {
    await compileMessages();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
