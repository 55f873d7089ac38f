import { describe, expect, it } from "vitest";
import type { Draft } from "../../../shared/accounts.js";
import type { DraftClosure } from "../../../shared/desk-protocol.js";
import { dismissDraft, draftChanged, draftClosed, draftRows, draftsListed, noDrafts, type DraftsState } from "./drafts-state.js";

const draft = (id: string, revision = 1, createdAt = `2026-05-24T01:00:0${id.at(-1)}.000Z`): Draft => ({
  id,
  storyId: "s",
  authorId: "u_wren",
  author: { name: "Wren" },
  createdAt,
  updatedAt: createdAt,
  body: `${id} at ${revision}`,
  kind: "update",
  pinned: false,
  revision,
});
const published = (id: string): DraftClosure => ({ id, outcome: "published", by: { name: "Olena" }, at: "2026-05-24T02:00:00.000Z", entryId: `e_${id}` });
const rows = (state: DraftsState) => draftRows(state).map((r) => `${r.draft.id}@${r.draft.revision}${r.closure ? `:${r.closure.outcome}` : ""}`);

describe("the desk's drafts, as pushed", () => {
  it("shows new drafts newest first and keeps the newest revision whatever the order of arrival", () => {
    let state = draftChanged(noDrafts, draft("d_1"));
    state = draftChanged(state, draft("d_2"));
    state = draftChanged(state, draft("d_1", 3));
    state = draftChanged(state, draft("d_1", 2)); // an older edit that arrived late
    expect(rows(state)).toEqual(["d_2@1", "d_1@3"]);
  });

  it("turns a closed draft into a notice in its place, which a late change never reopens", () => {
    let state = draftChanged(draftChanged(noDrafts, draft("d_1")), draft("d_2"));
    state = draftClosed(state, published("d_1"));
    state = draftChanged(state, draft("d_1", 2));
    expect(rows(state)).toEqual(["d_2@1", "d_1@1:published"]);
    expect(draftRows(state)[1]!.closure).toEqual(published("d_1"));
    expect(rows(dismissDraft(state, "d_1"))).toEqual(["d_2@1"]);
  });

  it("does not show a notice for a draft this desk never showed, or closed itself", () => {
    expect(rows(draftClosed(noDrafts, published("d_9")))).toEqual([]);
    // The desk's own publish was answered before the push arrived.
    let state = dismissDraft(draftChanged(noDrafts, draft("d_1")), "d_1");
    state = draftClosed(state, published("d_1"));
    expect(rows(state)).toEqual([]);
  });

  it("takes a list as the truth for what it could have seen, and keeps what was pushed after it was asked for", () => {
    let state = draftChanged(draftChanged(noDrafts, draft("d_1")), draft("d_2"));
    const since = state.seq;
    state = draftChanged(state, draft("d_3")); // pushed while the list was on its way
    state = draftClosed(state, published("d_4")); // …and one closed that the list still has
    state = draftsListed(state, [draft("d_4"), draft("d_2", 2)], [], since);
    // d_1 closed while the desk was away (the list lacks it), unknown how: it simply goes.
    expect(rows(state)).toEqual(["d_3@1", "d_2@2"]);
  });

  it("says what became of the drafts it showed that closed while it was away", () => {
    let state = draftChanged(draftChanged(noDrafts, draft("d_1")), draft("d_2"));
    state = draftsListed(state, [draft("d_2")], [published("d_1")], state.seq);
    expect(rows(state)).toEqual(["d_2@1", "d_1@1:published"]);
  });
});
