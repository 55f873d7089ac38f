/**
 * Fuzzing the trust boundary (issue 8). Everything a client sends reaches the server as JSON and
 * meets a zod schema of shared/ first, then, as an operation, the reducer. So: hostile JSON fed to
 * every schema only ever succeeds or fails (never throws), and whatever it accepts keeps the data
 * model's rules; operations built the way the routes build them, valid for the story or not,
 * either apply, keeping the snapshot valid, or throw the reducer's own ReducerError and change
 * nothing. Nothing of it may reach Object.prototype.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DESK_LANGUAGES } from "./accounts.js";
import * as api from "./api.js";
import { slugify } from "./ids.js";
import { BIDI_CONTROLS, FACT_ID_PATTERN } from "./facts.js";
import { FACT_LIMITS, MAX_DISPLAY_NAME_LENGTH } from "./limits.js";
import { canonicalLanguage, MAX_LANGUAGE_TAG_LENGTH } from "./language.js";
import type { Operation, StampedOperation } from "./operations.js";
import { recognizeEmbed } from "./embeds.js";
import { MAX_MEDIA_PER_ENTRY, MEDIA_ID_PATTERN, MEDIA_TEXT_LIMITS, MediaList, type MediaItem } from "./media.js";
import { applyPatch, diffSnapshots } from "./patch.js";
import * as protocol from "./protocol.js";
import { QUESTION_ID_PATTERN } from "./questions.js";
import { reduce, ReducerError } from "./reducer.js";
import * as story from "./story.js";
import { ENTRY_ID_PATTERN, LIMITS, Snapshot, STORY_ID_PATTERN } from "./story.js";

type Json = unknown;
type Invariant = (data: any, input: unknown) => void;

// ---------------------------------------------------------------------------------------------
// Hostile JSON
// ---------------------------------------------------------------------------------------------

/** Characters that have broken parsers and screens: bidi overrides, zero-width, lone surrogates, controls. */
const SPECIAL_CHARS = [
  "\u202E", "\u202D", "\u2066", "\u2067", "\u2068", "\u2069", // RTL/LTR overrides and isolates
  "\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", // zero-width
  "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "😀", // lone surrogates, and a proper pair
  "\u0000", "\u0007", "\u0008", "\u001B", "\u007F", "\u0085", "\u2028", "\u2029", // controls, separators
  "\u00A0", " ", "\t", "\n", "\r", "<", ">", "\"", "'", "&", "\\", "/", "%", "$", "{", "}",
  "e", "_", "-", "a", "Z", "0", "9", "é", "й", "ї", "؟", "ß", "İ", "\u0301",
];

/** Strings a parser may mistake for numbers, keys or dates, and the schemas' own vocabulary. */
const TRICKY_STRINGS = [
  "NaN", "-NaN", "Infinity", "-Infinity", "1e309", "-1e309", "-0", "0", "+1", "1.0", "0x10", "0o7", "1_000", "１２", "٣",
  "9007199254740991", "9007199254740993", "999999999999999", "1000000000000000", "00001",
  "", " ", "\u200B", "\u202E", "null", "undefined", "true", "[]", "{}",
  "__proto__", "constructor", "prototype", "toString", "hasOwnProperty",
  "kyiv-strikes", "-kyiv", "a".repeat(64), "a".repeat(65), "e_7Gh2", "e_", "e_aaa", "E_aaaa", "e_aaaa\n",
  "2026-05-24T01:02:03.000Z", "2026-05-24T01:02:03Z", "2024-02-29T00:00:00Z", "2026-02-29T00:00:00Z",
  "2026-05-24T24:00:00Z", "2026-13-01T00:00:00Z", "2026-05-24T01:02:03+02:00", "2026-05-24",
  "live", "ended", "LIVE", "update", "breaking", "correction",
];

const weirdChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_CHARS) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) },
  { weight: 3, arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }) },
);

/** Lengths either side of every limit of the data model. */
const LIMIT_LENGTHS = [63, 64, 65, ...Object.values(LIMITS).flatMap((n) => [n - 1, n, n + 1])];

const weirdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: weirdChar, maxLength: 24 }) },
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_STRINGS) },
  { weight: 1, arbitrary: fc.tuple(weirdChar, fc.constantFrom(...LIMIT_LENGTHS)).map(([c, n]) => c.repeat(n)) },
);

const weirdNumber: fc.Arbitrary<number> = fc.oneof(
  fc.double(), // NaN, ±Infinity and -0 included
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 1, -1, 0.5, 1.0000000000000002, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308,
    Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity),
);

/** Every field name of the schemas, so that random objects often look almost right. */
const FIELD_NAMES = [
  "id", "version", "title", "summary", "status", "createdAt", "updatedAt", "entries", "author", "name", "kind", "pinned",
  "headline", "body", "html", "revision", "storyId", "protocol", "e_aaaa", "e_bbbb",
  "view", "stories", "publishAt", "label", "value", "source", "order", "f_injured",
];
const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "__defineGetter__"];
const hostileKey = fc.oneof(fc.constantFrom(...FIELD_NAMES, ...PROTO_KEYS), weirdString);

/**
 * An object whose keys are all own data properties, `__proto__` included: what JSON.parse (and so
 * express.json and Socket.IO's parser) produce. An object literal would set the prototype instead.
 */
function ownObject(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

/** Classic prototype pollution payloads, as JSON.parse delivers them. */
const POLLUTERS: Json[] = [
  JSON.parse('{"__proto__":{"polluted":"yes"}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  JSON.parse('{"title":"x","__proto__":{"polluted":"yes","title":"y"}}'),
  JSON.parse('{"entries":{"__proto__":{"polluted":"yes"}}}'),
];

const jsonish: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    weirdString,
    weirdNumber,
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(...POLLUTERS),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.array(fc.tuple(hostileKey, tie("value")), { maxLength: 6 }).map(ownObject),
  ),
})).value;

/** Nesting far deeper than any payload of ours: arrays, objects, or both in turn. Built afresh each time. */
function nested(depth: number, shape: "array" | "object" | "mixed", key: string): Json {
  let value: Json = "bottom";
  for (let i = 0; i < depth; i++) {
    const asArray = shape === "array" || (shape === "mixed" && i % 2 === 0);
    value = asArray ? [value] : ownObject([[key, value]]);
  }
  return value;
}
const deepSpec = fc.tuple(fc.integer({ min: 100, max: 5_000 }), fc.constantFrom("array" as const, "object" as const, "mixed" as const), fc.constantFrom(...FIELD_NAMES));
const deeplyNested: fc.Arbitrary<Json> = deepSpec.map((spec) => nested(...spec));

// ---------------------------------------------------------------------------------------------
// Valid values, and near misses made from them
// ---------------------------------------------------------------------------------------------

const isoTime = fc
  .date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true })
  .map((d) => d.toISOString());
const pastTime = fc.date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(2026, 0, 1)), noInvalidDate: true }).map((d) => d.toISOString());
const storyId = fc.stringMatching(STORY_ID_PATTERN);
const entryId = fc.stringMatching(ENTRY_ID_PATTERN);
const factId = fc.stringMatching(FACT_ID_PATTERN);
/** A publishAt as clients send it: ISO times mostly, and the mistakes (words, epoch numbers). */
const publishAt = fc.oneof({ weight: 3, arbitrary: isoTime }, { weight: 1, arbitrary: weirdString }, { weight: 1, arbitrary: weirdNumber });
const kind = fc.constantFrom("update", "breaking", "correction");
/** Tags as writers type them (any case, a region, a script, a private use) and a few that are no tag at all. */
const language = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("en", "uk", "ar", "he", "fa", "ur", "pt-BR", "EN-gb", "zh-Hant-TW", "sr-Latn", "de-CH-1996", "en-x-newsroom") },
  { weight: 1, arbitrary: weirdString },
);
const text = (max: number) => weirdString.map((s) => [...s].slice(0, max).join(""));
/** Mostly what a writer types, sometimes hostile: a "valid" generator must pass the schema most of the time. */
const writerText = fc.oneof(
  { weight: 1, arbitrary: weirdString },
  { weight: 3, arbitrary: fc.constantFrom("Air raid alert in Kyiv", "Повітряна тривога в Києві", "تحديث عاجل", "A photo", "Mayor: **11** injured") },
);

const validEntry = (id: fc.Arbitrary<string>) =>
  fc.record(
    {
      id,
      createdAt: isoTime,
      updatedAt: isoTime,
      author: fc.record({ name: text(LIMITS.authorName) }),
      kind,
      pinned: fc.boolean(),
      headline: text(LIMITS.headline),
      body: text(LIMITS.body),
      html: weirdString,
      revision: fc.integer({ min: 1, max: 1_000 }),
    },
    { requiredKeys: ["id", "createdAt", "updatedAt", "author", "kind", "pinned", "body", "html", "revision"] },
  );

const validSnapshot = fc
  .record({
    id: storyId,
    version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    title: text(LIMITS.title),
    summary: text(LIMITS.summary),
    status: fc.constantFrom("live", "ended"),
    createdAt: isoTime,
    updatedAt: isoTime,
    entries: fc.uniqueArray(entryId, { maxLength: 4 }).chain((ids) => fc.tuple(...ids.map((id) => validEntry(fc.constant(id))))),
    language: fc.constantFrom("en", "uk", "ar", "pt-BR"),
  })
  .map(({ entries, ...rest }) => ({ ...rest, entries: Object.fromEntries(entries.map((entry) => [entry.id, entry])) }));

/** Plausible inputs per schema, mostly valid; the fuzzing below bends them. */
const VALID: Record<string, fc.Arbitrary<Json>> = {
  StoryId: storyId,
  EntryId: entryId,
  StoryStatus: fc.constantFrom("live", "ended"),
  EntryKind: kind,
  IsoTime: isoTime,
  Author: fc.record({ name: text(LIMITS.authorName) }),
  Entry: validEntry(entryId),
  Snapshot: validSnapshot,
  SubscribeRequest: fc.record(
    { storyId, version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), protocol: fc.integer({ min: 1, max: 3 }) },
    { requiredKeys: ["storyId"] },
  ),
  UnsubscribeRequest: fc.record({ storyId }),
  HandshakeAuth: fc.record(
    {
      stories: fc.array(
        fc.record({ id: storyId, version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), view: fc.constantFrom("full", "latest") }, { requiredKeys: ["id"] }),
        { maxLength: 3 },
      ),
      protocol: fc.integer({ min: 1, max: 3 }),
    },
    { requiredKeys: [] },
  ),
  FactId: factId,
  Fact: fc.record(
    { id: factId, label: text(FACT_LIMITS.label), value: text(FACT_LIMITS.value), source: text(FACT_LIMITS.source), order: fc.integer({ min: 1, max: 12 }), updatedAt: isoTime },
    { requiredKeys: ["id", "label", "value", "order", "updatedAt"] },
  ),
  PutFactBody: fc.record(
    {
      label: fc.oneof({ weight: 1, arbitrary: weirdString }, { weight: 2, arbitrary: fc.constantFrom("Injured", "Дрони", "قتلى") }),
      value: fc.oneof({ weight: 1, arbitrary: weirdString }, { weight: 2, arbitrary: fc.constantFrom("at least 15", "~250", "0") }),
      source: fc.oneof({ weight: 1, arbitrary: weirdString }, { weight: 2, arbitrary: fc.constantFrom("", "National Police") }),
      order: fc.integer({ min: 0, max: 13 }),
    },
    { requiredKeys: ["label", "value"] },
  ),
  NewEntryBody: fc.record({ body: writerText, headline: writerText, kind, pinned: fc.boolean(), publishAt }, { requiredKeys: ["body"] }),
  PublishDraftBody: fc.record({ publishAt }, { requiredKeys: [] }),
  NewDraftBody: fc.record(
    { body: writerText, headline: writerText, kind, pinned: fc.boolean(), question: fc.record({ id: fc.oneof({ weight: 4, arbitrary: fc.constant("q_AAAAAAAAAAAA") }, { weight: 1, arbitrary: fc.constant("q_short") }, { weight: 1, arbitrary: weirdString }) }) },
    { requiredKeys: ["body"] },
  ),
  EditScheduledBody: fc.record({ body: writerText, headline: writerText, kind, pinned: fc.boolean(), publishAt: fc.oneof(isoTime, weirdString) }, { requiredKeys: [] }),
  CreateStoryBody: fc.record({ id: storyId, title: writerText, summary: writerText, language }, { requiredKeys: ["title"] }),
  UpdateStoryBody: fc.record({ title: writerText, summary: writerText, status: fc.constantFrom("live", "ended"), language }, { requiredKeys: [] }),
  AddEntryBody: fc.record({ body: writerText, headline: writerText, kind, pinned: fc.boolean() }, { requiredKeys: ["body"] }),
  AddEntriesBody: fc.record({
    entries: fc.array(
      // Imports carry past times; a future one, an empty batch and a weird string are the near misses' to try.
      fc.record({ body: writerText, headline: writerText, kind, pinned: fc.boolean(), createdAt: fc.oneof({ weight: 4, arbitrary: pastTime }, { weight: 1, arbitrary: weirdString }) }, { requiredKeys: ["body"] }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
  EditEntryBody: fc.record({ body: weirdString, headline: weirdString, kind, pinned: fc.boolean() }, { requiredKeys: [] }),
  VersionParam: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 999_999_999_999_999 }).map(String) }, { weight: 1, arbitrary: weirdString }),
  ImageInput: fc.record(
    { type: fc.constant("image"), id: fc.constant("m_00000000000000000000000000000001"), alt: writerText, caption: writerText, credit: writerText, width: fc.integer({ min: 1, max: 10_000 }) },
    { requiredKeys: ["type", "id", "alt"] },
  ),
  EmbedInput: fc.record({ type: fc.constant("embed"), url: fc.oneof({ weight: 1, arbitrary: weirdString }, { weight: 3, arbitrary: fc.constantFrom("https://youtu.be/dQw4w9WgXcQ", "https://t.me/s/durov/42") }) }),
  MediaInput: fc.array(
    fc.oneof(
      fc.record({ type: fc.constant("embed"), url: fc.constantFrom("https://vimeo.com/1", "https://youtu.be/dQw4w9WgXcQ", "javascript:alert(1)") }),
      fc.record({ type: fc.constant("image"), id: fc.constant("m_00000000000000000000000000000002"), alt: fc.oneof(weirdString, fc.constant("A photo")) }),
    ),
    { maxLength: 4 },
  ),
  DisplayName: writerText,
  SessionChangeBody: fc.record({ displayName: writerText, deskLanguage: fc.constantFrom("en", "uk", "de", "UK", "") }, { requiredKeys: [] }),
};

/** The objects and arrays in a value, near the top (a valid value is shallow), that a mutation may bend. */
function containers(value: Json, depth = 0): object[] {
  if (value === null || typeof value !== "object" || depth > 4) return [];
  return [value, ...Object.values(value).flatMap((child) => containers(child, depth + 1))];
}

const mutation = fc.record({
  at: fc.nat(),
  how: fc.constantFrom("set", "delete", "rename", "swap"),
  key: hostileKey,
  value: jsonish,
  deep: fc.option(deepSpec, { freq: 8 }),
});

/** Sets an own data property, even for `__proto__`, as JSON.parse would. */
function define(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A valid value, bent 1 to 3 times: a field set to garbage, deleted, renamed (an entry keyed wrongly), or swapped with another. */
function nearMiss(valid: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([base, mutations]) => {
    // Copies throughout: fast-check replays generated values while shrinking, so they must stay as made.
    let value = structuredClone(base);
    for (const m of mutations) {
      const garbage = m.deep ? nested(...m.deep) : structuredClone(m.value);
      const places = containers(value);
      if (places.length === 0) {
        value = garbage;
        continue;
      }
      const target = places[m.at % places.length] as Record<string | number, unknown>;
      if (Array.isArray(target)) {
        // Arrays are bent by index only (a "length" property would be a different kind of bug: ours).
        const index = m.at % (target.length + 1);
        if (m.how === "delete") target.splice(index, 1);
        else target[index] = garbage;
        continue;
      }
      const keys = Object.keys(target);
      const existing = keys[m.at % Math.max(keys.length, 1)];
      if (m.how === "set" || existing === undefined) define(target, m.key, garbage);
      else if (m.how === "delete") delete target[existing];
      else if (m.how === "rename") {
        const moved = target[existing];
        delete target[existing];
        define(target, m.key, moved);
      } else {
        const other = keys[(m.at + 1) % keys.length]!;
        const swapped = target[existing];
        define(target, existing, target[other]);
        define(target, other, swapped);
      }
    }
    return value;
  });
}

// ---------------------------------------------------------------------------------------------
// What an accepted value must satisfy, schema by schema
// ---------------------------------------------------------------------------------------------

const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** zod counts the limits of the data model in code points (an emoji is one character, not two). */
const chars = (s: string) => [...s].length;

function expectOnlyKeys(data: object, allowed: string[]): void {
  for (const key of Object.keys(data)) expect(allowed, `unexpected key ${JSON.stringify(key)}`).toContain(key);
}
function expectPositiveInt(n: unknown): void {
  expect(Number.isSafeInteger(n) && (n as number) > 0, `not a positive safe integer: ${String(n)}`).toBe(true);
}
function expectIsoTime(s: unknown): void {
  expect(typeof s).toBe("string");
  expect(Number.isFinite(Date.parse(s as string)), `not a real time: ${String(s)}`).toBe(true);
}
/** Plain text as the API takes it: trimmed, short enough, no control characters but newlines and tabs. */
function expectPlainText(s: unknown, max: number, nonEmpty: boolean): void {
  expect(typeof s).toBe("string");
  const t = s as string;
  expect(t).toBe(t.trim());
  expect(chars(t)).toBeLessThanOrEqual(max);
  expect(CONTROL_CHARS.test(t)).toBe(false);
  if (nonEmpty) expect(t.length).toBeGreaterThan(0);
}
function expectMarkdown(s: unknown): void {
  expect(typeof s).toBe("string");
  const t = s as string;
  expect(chars(t)).toBeLessThanOrEqual(LIMITS.body);
  expect(t.trim().length).toBeGreaterThan(0);
  expect(CONTROL_CHARS.test(t)).toBe(false);
}

const entryInvariant: Invariant = (entry) => {
  expectOnlyKeys(entry, ["id", "createdAt", "updatedAt", "author", "kind", "pinned", "headline", "body", "html", "revision", "media"]);
  if (entry.media !== undefined) {
    expect(entry.media.length).toBeGreaterThan(0); // no media is no key, not an empty list
    expect(MediaList.safeParse(entry.media).success).toBe(true);
  }
  expect(entry.id).toMatch(ENTRY_ID_PATTERN);
  expectIsoTime(entry.createdAt);
  expectIsoTime(entry.updatedAt);
  expectOnlyKeys(entry.author, ["name"]);
  expect(typeof entry.author.name).toBe("string");
  expect(chars(entry.author.name)).toBeLessThanOrEqual(LIMITS.authorName);
  expect(["update", "breaking", "correction"]).toContain(entry.kind);
  expect(typeof entry.pinned).toBe("boolean");
  if (entry.headline !== undefined) expect(chars(entry.headline)).toBeLessThanOrEqual(LIMITS.headline);
  expect(chars(entry.body)).toBeLessThanOrEqual(LIMITS.body);
  expect(typeof entry.html).toBe("string");
  expectPositiveInt(entry.revision);
};

/** A story's language as stored: a well-formed tag, and (as requests store it) in its canonical form. */
function expectLanguage(tag: unknown): void {
  expect(typeof tag).toBe("string");
  expect((tag as string).length).toBeLessThanOrEqual(MAX_LANGUAGE_TAG_LENGTH);
  expect(canonicalLanguage(tag as string)).toBe(tag);
}

const snapshotInvariant: Invariant = (snapshot) => {
  expectOnlyKeys(snapshot, ["id", "version", "title", "summary", "status", "createdAt", "updatedAt", "entries", "language"]);
  expectLanguage(snapshot.language);
  expect(snapshot.id).toMatch(STORY_ID_PATTERN);
  expectPositiveInt(snapshot.version);
  expect(chars(snapshot.title)).toBeLessThanOrEqual(LIMITS.title);
  expect(chars(snapshot.summary)).toBeLessThanOrEqual(LIMITS.summary);
  expect(["live", "ended"]).toContain(snapshot.status);
  expectIsoTime(snapshot.createdAt);
  expectIsoTime(snapshot.updatedAt);
  expect(Object.getPrototypeOf(snapshot.entries)).toBe(Object.prototype);
  for (const [key, entry] of Object.entries(snapshot.entries)) {
    expect(key).toMatch(ENTRY_ID_PATTERN);
    // DESIGN.md §1: entries are keyed by their id, so JSON Pointer paths stay stable.
    expect((entry as { id: string }).id, `entry under ${key}`).toBe(key);
    entryInvariant(entry, undefined);
  }
};

/** An embed as stored: a known provider, and the canonical URL that the recognizer gives for itself. */
const expectEmbed: Invariant = (item) => {
  expectOnlyKeys(item, ["type", "provider", "url"]);
  expect(recognizeEmbed(item.url)).toEqual({ provider: item.provider, url: item.url });
};

/** A `publishAt` as the schema lets it through to the route's judgement (shared/schedule.ts): a string or a positive whole number. */
const expectPublishAtInput = (publishAt: unknown) => {
  if (publishAt === undefined || typeof publishAt === "string") return;
  expectPositiveInt(publishAt);
};

const INVARIANTS: Record<string, Invariant> = {
  DisplayName: (name) => {
    expectPlainText(name, MAX_DISPLAY_NAME_LENGTH, true);
    expect(name).not.toMatch(/[\n\r\t]/);
  },
  SessionChangeBody: (change) => {
    expectOnlyKeys(change, ["displayName", "deskLanguage"]);
    expect(Object.keys(change).length).toBeGreaterThan(0);
    if (change.displayName !== undefined) INVARIANTS.DisplayName!(change.displayName, change.displayName);
    if (change.deskLanguage !== undefined) expect(DESK_LANGUAGES).toContain(change.deskLanguage);
  },
  StoryId: (id) => expect(id).toMatch(STORY_ID_PATTERN),
  EntryId: (id) => expect(id).toMatch(ENTRY_ID_PATTERN),
  StoryStatus: (status) => expect(["live", "ended"]).toContain(status),
  EntryKind: (k) => expect(["update", "breaking", "correction"]).toContain(k),
  IsoTime: expectIsoTime,
  Author: (author) => {
    expectOnlyKeys(author, ["name"]);
    expect(chars(author.name)).toBeLessThanOrEqual(LIMITS.authorName);
  },
  Entry: entryInvariant,
  Snapshot: snapshotInvariant,
  SubscribeRequest: (request) => {
    expectOnlyKeys(request, ["storyId", "version", "protocol", "view"]);
    expect(request.storyId).toMatch(STORY_ID_PATTERN);
    if (request.version !== undefined) expectPositiveInt(request.version);
    if (request.protocol !== undefined) expectPositiveInt(request.protocol);
    if (request.view !== undefined) expect(["full", "latest"]).toContain(request.view);
  },
  HandshakeAuth: (auth) => {
    expectOnlyKeys(auth, ["stories", "protocol"]);
    if (auth.protocol !== undefined) expectPositiveInt(auth.protocol);
    for (const story of auth.stories ?? []) {
      expectOnlyKeys(story, ["id", "version", "view"]);
      expect(story.id).toMatch(STORY_ID_PATTERN);
      if (story.version !== undefined) expectPositiveInt(story.version);
      if (story.view !== undefined) expect(["full", "latest"]).toContain(story.view);
    }
  },
  FactId: (id) => expect(id).toMatch(FACT_ID_PATTERN),
  Fact: (fact) => {
    expectOnlyKeys(fact, ["id", "label", "value", "source", "order", "updatedAt"]);
    expect(fact.id).toMatch(FACT_ID_PATTERN);
    expect(chars(fact.label)).toBeLessThanOrEqual(FACT_LIMITS.label);
    expect(chars(fact.value)).toBeLessThanOrEqual(FACT_LIMITS.value);
    if (fact.source !== undefined) expect(chars(fact.source)).toBeLessThanOrEqual(FACT_LIMITS.source);
    expectPositiveInt(fact.order);
    expectIsoTime(fact.updatedAt);
  },
  PutFactBody: (body) => {
    expectOnlyKeys(body, ["label", "value", "source", "order"]);
    for (const [field, max, required] of [["label", FACT_LIMITS.label, true], ["value", FACT_LIMITS.value, true], ["source", FACT_LIMITS.source, false]] as const) {
      if (body[field] === undefined) continue;
      expectPlainText(body[field], max, required);
      expect(body[field], field).not.toMatch(/[\n\r\t]/);
      expect(body[field], field).not.toMatch(BIDI_CONTROLS);
    }
    if (body.source !== undefined) expect(body.source).not.toBe("");
    if (body.order !== undefined) {
      expectPositiveInt(body.order);
      expect(body.order).toBeLessThanOrEqual(FACT_LIMITS.perStory);
    }
  },
  NewEntryBody: ({ publishAt, ...entry }, input) => {
    INVARIANTS.AddEntryBody!(entry, input);
    expectPublishAtInput(publishAt);
  },
  NewDraftBody: ({ question, ...draft }, input) => {
    INVARIANTS.AddEntryBody!(draft, input);
    if (question === undefined) return;
    expectOnlyKeys(question, ["id"]);
    expect(question.id).toMatch(QUESTION_ID_PATTERN);
  },
  PublishDraftBody: (body) => {
    expectOnlyKeys(body, ["publishAt"]);
    expectPublishAtInput(body.publishAt);
  },
  EditScheduledBody: (body) => {
    expectOnlyKeys(body, ["body", "headline", "kind", "pinned", "media", "publishAt"]);
    expect(Object.keys(body).length).toBeGreaterThan(0);
    if (body.body !== undefined) expectMarkdown(body.body);
    if (body.headline !== undefined) expectPlainText(body.headline, LIMITS.headline, false);
    if (body.kind !== undefined) expect(["update", "breaking", "correction"]).toContain(body.kind);
    if (body.pinned !== undefined) expect(typeof body.pinned).toBe("boolean");
    expectPublishAtInput(body.publishAt);
  },
  UnsubscribeRequest: (request) => {
    expectOnlyKeys(request, ["storyId"]);
    expect(request.storyId).toMatch(STORY_ID_PATTERN);
  },
  CreateStoryBody: (body) => {
    expectOnlyKeys(body, ["id", "title", "summary", "language"]);
    if (body.id !== undefined) expect(body.id).toMatch(STORY_ID_PATTERN);
    if (body.language !== undefined) expectLanguage(body.language);
    expectPlainText(body.title, LIMITS.title, true);
    if (body.summary !== undefined) expectPlainText(body.summary, LIMITS.summary, false);
  },
  UpdateStoryBody: (body) => {
    expectOnlyKeys(body, ["title", "summary", "status", "language"]);
    if (body.language !== undefined) expectLanguage(body.language);
    expect(Object.keys(body).length).toBeGreaterThan(0);
    if (body.title !== undefined) expectPlainText(body.title, LIMITS.title, true);
    if (body.summary !== undefined) expectPlainText(body.summary, LIMITS.summary, false);
    if (body.status !== undefined) expect(["live", "ended"]).toContain(body.status);
  },
  AddEntryBody: (body) => {
    expectOnlyKeys(body, ["body", "headline", "kind", "pinned", "media"]);
    expectMarkdown(body.body);
    if (body.headline !== undefined) expectPlainText(body.headline, LIMITS.headline, false);
    expect(["update", "breaking", "correction"]).toContain(body.kind); // defaulted when absent
    expect(typeof body.pinned).toBe("boolean");
  },
  AddEntriesBody: (body, input) => {
    expectOnlyKeys(body, ["entries"]);
    expect(body.entries.length).toBeGreaterThan(0);
    expect(body.entries.length).toBeLessThanOrEqual(500);
    for (const { createdAt, ...entry } of body.entries) {
      INVARIANTS.AddEntryBody!(entry, input);
      // Kept in UTC with milliseconds, so that entries sort by it as text.
      if (createdAt !== undefined) expect(createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  },
  EditEntryBody: (body) => {
    expectOnlyKeys(body, ["body", "headline", "kind", "pinned", "media"]);
    expect(Object.keys(body).length).toBeGreaterThan(0);
    if (body.body !== undefined) expectMarkdown(body.body);
    if (body.headline !== undefined) expectPlainText(body.headline, LIMITS.headline, false);
    if (body.kind !== undefined) expect(["update", "breaking", "correction"]).toContain(body.kind);
    if (body.pinned !== undefined) expect(typeof body.pinned).toBe("boolean");
  },
  ImageInput: (item) => {
    expectOnlyKeys(item, ["type", "id", "alt", "caption", "credit", "width", "height", "placeholder"]);
    expect(item.id).toMatch(MEDIA_ID_PATTERN);
    expectPlainText(item.alt, MEDIA_TEXT_LIMITS.alt, true);
  },
  EmbedInput: expectEmbed,
  MediaInput: (items) => {
    expect(items.length).toBeLessThanOrEqual(MAX_MEDIA_PER_ENTRY);
    for (const item of items) if (item.type === "embed") expectEmbed(item, undefined);
  },
  VersionParam: (n, input) => {
    expectPositiveInt(n);
    expect(String(n)).toBe(input); // written plainly: no "1e3", "+1", "0x10", leading zeros
  },
};

/** Schemas whose output is not a valid input (a transform changes its type). */
const TRANSFORMING = new Set(["VersionParam"]);

/** Accepted data is plain JSON: ordinary objects and arrays, finite numbers, no `__proto__` of its own. */
function expectPlainJson(value: unknown): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") return void expect(Number.isFinite(value), `number ${value}`).toBe(true);
  expect(typeof value).toBe("object");
  const proto = Object.getPrototypeOf(value);
  expect(proto === Object.prototype || proto === Array.prototype).toBe(true);
  for (const key of PROTO_KEYS) expect(Object.hasOwn(value as object, key), `own key ${key}`).toBe(false);
  for (const child of Object.values(value as object)) expectPlainJson(child);
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

const SCHEMAS = Object.entries({ ...story, ...protocol, ...api } as Record<string, unknown>)
  .filter((entry): entry is [string, z.ZodType] => entry[1] instanceof z.ZodType)
  .sort(([a], [b]) => a.localeCompare(b));

const prototypeNames = (p: object) => Object.getOwnPropertyNames(p).sort();
const before = { object: prototypeNames(Object.prototype), array: prototypeNames(Array.prototype) };

describe("fuzz: every schema of shared/ against hostile JSON", () => {
  it("knows the invariants of every schema that shared/ exports", () => {
    // A new schema needs its rules written down here before it can be fuzzed.
    expect(SCHEMAS.map(([name]) => name)).toEqual(Object.keys(INVARIANTS).sort());
  });

  it.each(SCHEMAS)("%s: safeParse only succeeds or fails, and what it accepts keeps the rules", (name, schema) => {
    const invariant = INVARIANTS[name]!;
    const input = fc.oneof(
      { weight: 3, arbitrary: jsonish },
      { weight: 1, arbitrary: deeplyNested },
      { weight: 2, arbitrary: VALID[name]! },
      { weight: 4, arbitrary: nearMiss(VALID[name]!) },
    );
    let accepted = 0;
    fc.assert(
      fc.property(input, (value) => {
        const result = schema.safeParse(value);
        expect(typeof result.success).toBe("boolean");
        if (!result.success) {
          expect(result.error).toBeInstanceOf(z.ZodError);
          // What the API puts in `details.issues` of its 400: one readable line per problem.
          const issues = api.issuesOf(result.error);
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) expect(typeof issue.message).toBe("string");
          return;
        }
        accepted++;
        invariant(result.data, value);
        if (typeof result.data === "object") expectPlainJson(result.data);
        // Accepted data survives the trip through JSON (stored, sent, parsed) unchanged, and is
        // accepted again as it is: validation is a fixed point.
        expect(JSON.parse(JSON.stringify(result.data))).toEqual(result.data);
        if (!TRANSFORMING.has(name)) expect(schema.safeParse(result.data)).toEqual({ success: true, data: result.data });
      }),
      { numRuns: 300 },
    );
    expect(accepted, "the generators must reach the accepting side too").toBeGreaterThan(20);
  });
});

// ---------------------------------------------------------------------------------------------
// The reducer, fed the way the write routes feed it
// ---------------------------------------------------------------------------------------------

/** Entry ids as the routes see them: the ids the server made (so edits and removals hit and miss) and duplicates. */
const poolId = fc.constantFrom("e_aaaa", "e_bbbb", "e_cccc", "e_dddd", "e_ZZZZZZZZ");
/** Bodies from a tiny vocabulary, so that edits often repeat what is already there (the no-op path). */
const few = <T>(...values: T[]) => fc.constantFrom(...values);
/** Uploaded images the fuzzed routes know (the store's part, done before the reducer); others are unknown ids. */
const IMAGES: Record<string, { width: number; height: number; placeholder: string }> = {
  m_00000000000000000000000000000001: { width: 1600, height: 1067, placeholder: "#334455" },
  m_00000000000000000000000000000002: { width: 300, height: 200, placeholder: "#ffffff" },
};
const mediaItem = fc.oneof(
  fc.record(
    { type: fc.constant("image"), id: few(...Object.keys(IMAGES), "m_0000000000000000000000000000000f"), alt: few("A", "B"), caption: few("", "c"), credit: few("Photo: X") },
    { requiredKeys: ["type", "id", "alt"] },
  ),
  fc.record({ type: fc.constant("embed"), url: few("https://youtu.be/dQw4w9WgXcQ", "https://vimeo.com/76979871", "https://t.me/durov/42", "javascript:alert(1)") }),
);
/** Lists that add, drop, repeat and reorder a few items, so edits often move or keep what is there. */
const mediaList = fc.array(mediaItem, { maxLength: 4 });

const REPEATING: Record<string, fc.Arbitrary<Json>> = {
  CreateStoryBody: fc.record({ id: few("a", "b"), title: few("A", "B"), summary: few("", "S") }, { requiredKeys: ["title"] }),
  UpdateStoryBody: fc.oneof(
    fc.record({ status: few("live", "ended") }),
    fc.record({ title: few("A", "B"), summary: few("", "S"), status: few("live", "ended") }, { requiredKeys: [] }),
  ),
  AddEntryBody: fc.record({ body: few("x", "y"), headline: few("", "h"), kind, pinned: fc.boolean(), media: mediaList }, { requiredKeys: ["body"] }),
  EditEntryBody: fc.oneof(
    fc.record({ pinned: fc.boolean() }),
    fc.record({ media: mediaList }),
    fc.record({ body: few("x", "y"), headline: few("", "h"), kind: few("update", "breaking"), pinned: fc.boolean() }, { requiredKeys: [] }),
  ),
};

/** Request bodies: mostly well-formed, some bent, some garbage; only what the route's schema accepts becomes an operation. */
const bodyOf = (name: keyof typeof REPEATING) =>
  fc.oneof(
    { weight: 6, arbitrary: REPEATING[name]! },
    { weight: 3, arbitrary: VALID[name]! },
    { weight: 2, arbitrary: nearMiss(VALID[name]!) },
    { weight: 1, arbitrary: jsonish },
  );

type Request =
  | { route: "create"; body: Json }
  | { route: "update"; body: Json }
  | { route: "add"; entryId: string; body: Json; byline?: { name: string } }
  | { route: "edit"; entryId: string; body: Json }
  | { route: "remove"; entryId: string };

const createArb: fc.Arbitrary<Request> = fc.record({ route: fc.constant("create" as const), body: bodyOf("CreateStoryBody") });
const requestArb: fc.Arbitrary<Request> = fc.oneof(
  { weight: 1, arbitrary: createArb },
  { weight: 2, arbitrary: fc.record({ route: fc.constant("update" as const), body: bodyOf("UpdateStoryBody") }) },
  {
    weight: 4,
    arbitrary: fc.record(
      { route: fc.constant("add" as const), entryId: poolId, body: bodyOf("AddEntryBody"), byline: fc.record({ name: text(LIMITS.authorName) }) },
      { requiredKeys: ["route", "entryId", "body"] },
    ),
  },
  { weight: 4, arbitrary: fc.record({ route: fc.constant("edit" as const), entryId: poolId, body: bodyOf("EditEntryBody") }) },
  { weight: 2, arbitrary: fc.record({ route: fc.constant("remove" as const), entryId: poolId }) },
);

/** Media as server/media/resolve-media.ts makes it, from the fuzz's image table; undefined for an unknown id (a 400). */
function resolved(media: api.MediaInput | undefined): MediaItem[] | undefined | null {
  if (!media) return undefined;
  const items: MediaItem[] = [];
  for (const item of media) {
    if (item.type === "embed") items.push(item);
    else if (!IMAGES[item.id]) return null;
    else items.push({ type: "image", id: item.id, alt: item.alt, ...(item.caption ? { caption: item.caption } : {}), ...(item.credit ? { credit: item.credit } : {}), ...IMAGES[item.id]! });
  }
  return items;
}

/** The operation a write route would build from a request, or undefined where it answers 400. */
function operationOf(request: Request): Operation | undefined {
  switch (request.route) {
    case "create": {
      const body = api.CreateStoryBody.safeParse(request.body);
      if (!body.success) return undefined;
      return {
        type: "create_story",
        storyId: body.data.id ?? slugify(body.data.title),
        title: body.data.title,
        summary: body.data.summary ?? "",
        ...(body.data.language ? { language: body.data.language } : {}),
      };
    }
    case "update": {
      const body = api.UpdateStoryBody.safeParse(request.body);
      return body.success ? { type: "update_story", ...body.data } : undefined;
    }
    case "add": {
      const body = api.AddEntryBody.safeParse(request.body);
      if (!body.success) return undefined;
      const { media: input, ...fields } = body.data;
      const media = resolved(input);
      if (media === null) return undefined;
      return { type: "add_entry", entryId: request.entryId, ...fields, ...(media?.length ? { media } : {}), ...(request.byline ? { byline: request.byline } : {}) };
    }
    case "edit": {
      const body = api.EditEntryBody.safeParse(request.body);
      if (!body.success) return undefined;
      const { media: input, ...fields } = body.data;
      const media = resolved(input);
      if (media === null) return undefined;
      return { type: "edit_entry", entryId: request.entryId, ...fields, ...(media ? { media } : {}) };
    }
    case "remove":
      return { type: "remove_entry", entryId: request.entryId };
  }
}

const REDUCER_CODES = ["story_not_found", "story_exists", "entry_not_found", "entry_exists"];

describe("fuzz: the reducer under random sequences of operations", () => {
  let outcomes: Record<string, number>;
  beforeAll(() => (outcomes = { applied: 0, unchanged: 0, rejected: 0, invalidBody: 0 }));

  it("applies or throws ReducerError, keeps every snapshot valid, and a rejection changes nothing", () => {
    // Most sequences start by creating the story, so that the rest has something to work on.
    const sequence = fc
      .tuple(fc.option(createArb, { freq: 8 }), fc.array(requestArb, { minLength: 5, maxLength: 40, size: "max" }))
      .map(([first, rest]) => (first ? [first, ...rest] : rest));
    fc.assert(
      fc.property(sequence, fc.record({ name: text(LIMITS.authorName) }), (requests, author) => {
        let state: Snapshot | undefined;
        for (const [i, request] of requests.entries()) {
          const operation = operationOf(request);
          if (!operation) {
            outcomes.invalidBody!++;
            continue;
          }
          const stamped = { ...operation, at: new Date(Date.UTC(2026, 4, 24, 1, 0, i)).toISOString(), author } as StampedOperation;
          const previous = structuredClone(state);
          let transition;
          try {
            transition = reduce(state, stamped);
          } catch (error) {
            expect(error, String(error)).toBeInstanceOf(ReducerError);
            expect(REDUCER_CODES).toContain((error as ReducerError).code);
            expect(state).toEqual(previous);
            outcomes.rejected!++;
            continue;
          }
          expect(state, "the reducer must not touch the snapshot it is given").toEqual(previous);
          if (!transition) {
            outcomes.unchanged!++;
            continue;
          }
          const parsed = Snapshot.safeParse(transition.snapshot);
          expect(parsed.success, parsed.success ? "" : JSON.stringify(api.issuesOf(parsed.error))).toBe(true);
          snapshotInvariant(transition.snapshot, undefined);
          expect(transition.snapshot.version).toBe((state?.version ?? 0) + 1);
          if (state) {
            expect(applyPatch(state, transition.ops)).toEqual(transition.snapshot);
            // The reducer's patch compares only the entries it names: the same patch as comparing them all.
            expect(transition.ops).toEqual(diffSnapshots(state, transition.snapshot));
            expect(Object.keys(transition.snapshot.entries).length, "entryIds names every entry added or removed").toBe(entryCountAfter(state, transition));
          }
          state = transition.snapshot;
          outcomes.applied!++;
        }
      }),
      { numRuns: 150 },
    );
    // The generators must exercise every outcome, or the property proves little.
    for (const [outcome, count] of Object.entries(outcomes)) expect(count, `${outcome} in ${JSON.stringify(outcomes)}`).toBeGreaterThan(20);
  });
});

/** The entries a transition leaves, counted from the ids it names: what the reducer's cap judges by. */
function entryCountAfter(before: Snapshot, transition: { snapshot: Snapshot; entryIds: readonly string[] }): number {
  const count = Object.keys(before.entries).length;
  const added = transition.entryIds.filter((id) => !(id in before.entries) && id in transition.snapshot.entries).length;
  const removed = transition.entryIds.filter((id) => id in before.entries && !(id in transition.snapshot.entries)).length;
  return count + added - removed;
}

describe("fuzz: prototype pollution", () => {
  it("left the prototypes every object shares untouched (runs last)", () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeNames(Object.prototype)).toEqual(before.object);
    expect(prototypeNames(Array.prototype)).toEqual(before.array);
  });
});
