import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { MAX_BATCH_ENTRIES } from "../../shared/api.js";
import { batchesOf, batchKey, planImport, type BatchEntry } from "./import-file.js";

const USAGE = `Bring a running story's entries into a story of this server (docs/api.md "Importing a story").

  npm run import -- --url http://HOST:PORT --story ID --token TOKEN FILE

  FILE           a story's snapshot (GET /api/stories/:id), {"entries":[…]}, a JSON array or NDJSON of entries
  --token        an editor's API token or TICKER_ADMIN_TOKEN (or the env var TICKER_IMPORT_TOKEN)
  --batch-bytes  the most JSON bytes a batch may have (default 4194304; the server takes MAX_BATCH_BODY_BYTES)
  --batch-entries  the most entries a batch may have (default and most 500; fewer hold a busy node for less time)

Entries are sent oldest first in batches of at most 500, one version each; running the same
import again sends the same Idempotency-Keys, so batches the server took are not added twice.`;

/** Attempts of one batch (429, 503 and network failures) before the import gives up. */
const ATTEMPTS = 8;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string" },
    story: { type: "string" },
    token: { type: "string" },
    "batch-bytes": { type: "string", default: String(4 * 1024 * 1024) },
    "batch-entries": { type: "string", default: String(MAX_BATCH_ENTRIES) },
    help: { type: "boolean" },
  },
});
const token = values.token ?? process.env.TICKER_IMPORT_TOKEN;
const [file] = positionals;
if (values.help || !file || !values.url || !values.story || !token) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 1);
}
const maxBytes = Number(values["batch-bytes"]);
if (!Number.isInteger(maxBytes) || maxBytes < 1024) fail("--batch-bytes must be a whole number of at least 1024.");
const maxEntries = Number(values["batch-entries"]);
if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_BATCH_ENTRIES) fail(`--batch-entries must be a whole number from 1 to ${MAX_BATCH_ENTRIES}.`);

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let plan;
try {
  plan = planImport(readFileSync(file, "utf8"));
} catch (error) {
  fail(`${file}: ${(error as Error).message}`);
}
if (plan.droppedPhotos) console.log(`${plan.droppedPhotos} photos left out: they are stored by the other installation (upload them here and edit the entries).`);
const batches = (() => {
  try {
    return batchesOf(plan.entries, maxBytes, maxEntries);
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const endpoint = `${values.url.replace(/\/+$/, "")}/api/stories/${encodeURIComponent(values.story)}/entries/batch`;
console.log(`${plan.entries.length} entries in ${batches.length} batches to ${endpoint}`);

let sent = 0;
let retries = 0;
for (const [index, batch] of batches.entries()) {
  const version = await send(batch, batchKey(values.story, index, batch), `batch ${index + 1} (entries ${sent + 1}–${sent + batch.length}, oldest first; its entries.N count from 0 within it)`);
  sent += batch.length;
  console.log(`batch ${index + 1}/${batches.length}: ${batch.length} entries → version ${version.version}${version.replayed ? " (already imported)" : ""} (${sent}/${plan.entries.length})`);
}
console.log(`Done: ${sent} entries imported${retries ? ` after ${retries} retries` : ""}.`);

/** Posts one batch, waiting out 429 and 503 (as Retry-After says) and network failures; any other refusal ends the import. */
async function send(batch: BatchEntry[], key: string, which: string): Promise<{ version: number; replayed: boolean }> {
  for (let attempt = 1; ; attempt++) {
    let waitMs: number;
    try {
      const res = await fetch(endpoint, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify({ entries: batch }),
      });
      const body = (await res.json().catch(() => ({}))) as { version?: number; error?: { code: string; message: string; details?: unknown } };
      if (res.ok) return { version: body.version!, replayed: res.headers.get("idempotent-replayed") === "true" };
      // 409 idempotency_key_in_use: the same batch from a run that crashed is still being committed.
      const transient = res.status === 429 || res.status === 503 || body.error?.code === "idempotency_key_in_use";
      if (!transient || attempt === ATTEMPTS) {
        const details = body.error?.details === undefined ? "" : ` ${JSON.stringify(body.error.details)}`;
        fail(`The server refused ${which} (${res.status} ${body.error?.code ?? ""}): ${body.error?.message ?? res.statusText}${details}`);
      }
      const seconds = Number(res.headers.get("retry-after"));
      waitMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000;
      console.log(`${res.status} ${body.error?.code}: waiting ${waitMs / 1000} s`);
    } catch (error) {
      if (attempt === ATTEMPTS) fail(`Could not reach ${endpoint}: ${(error as Error).message}`);
      waitMs = Math.min(30_000, 500 * 2 ** attempt);
      console.log(`${(error as Error).message}: retrying in ${waitMs / 1000} s`);
    }
    retries++;
    await sleep(waitMs);
  }
}
