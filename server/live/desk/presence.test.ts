import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PresenceMessage } from "../../../shared/desk-protocol.js";
import { Audience } from "../audience/audience.js";
import { DeskPresence, PRESENCE_REPORT_MS, type PresenceNamespace } from "./presence.js";

/**
 * The node-to-node side of presence and audience with a fake clock: what Redis would carry is
 * handed to the listener directly, and what would go to this node's sockets is recorded.
 */
function fakeNamespace() {
  const told: PresenceMessage[] = [];
  const reported: unknown[] = [];
  const listeners: ((report: never) => void)[] = [];
  const nsp = {
    local: { to: () => ({ emit: (_event: "presence", message: PresenceMessage) => told.push(message) > 0 }) },
    serverSideEmit: (_event: string, report: unknown) => reported.push(report) > 0,
    on: (_event: string, listener: (report: never) => void) => listeners.push(listener),
  };
  const hear = (report: unknown) => listeners.forEach((listener) => listener(report as never));
  return { nsp: nsp as PresenceNamespace, told, reported, hear };
}

describe("presence between nodes", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("merges another node's editors, ignores malformed reports, and forgets a node that stops reporting", () => {
    const { nsp, told, reported, hear } = fakeNamespace();
    const presence = new DeskPresence(nsp, { node: "here", clustered: true, roomOf: (id) => `desk:${id}` });
    presence.follow("s1", { id: "u1", name: "Olena" }, "war");
    expect(reported.at(-1)).toMatchObject({ node: "here", state: { war: [{ id: "u1" }] } });

    hear({ node: "there", seq: 1, state: { war: [{ id: "u2", name: "Taras", editing: ["e_abcd"] }] } });
    expect(presence.on("war").map((e) => e.name)).toEqual(["Olena", "Taras"]);
    expect(told.at(-1)!.editors.map((e) => e.name)).toEqual(["Olena", "Taras"]);

    // A node of another build, or anything else on the stream: ignored, nothing thrown.
    for (const junk of [null, "x", { node: "odd", seq: 1, state: { war: "nobody" } }, { node: "odd", seq: "1", state: {} }]) expect(() => hear(junk)).not.toThrow();
    expect(presence.on("war").map((e) => e.name)).toEqual(["Olena", "Taras"]);

    // Node "there" goes silent: after its reports' lifetime it drops out, and this node's editors are told.
    const toldBefore = told.length;
    vi.advanceTimersByTime(4 * PRESENCE_REPORT_MS);
    expect(presence.on("war").map((e) => e.name)).toEqual(["Olena"]);
    expect(told.length).toBe(toldBefore + 1);
    presence.close();
    expect(reported.at(-1)).toMatchObject({ node: "here", state: {} });
  });

  it("counts another node's readers until it stops reporting, and ignores malformed counts", () => {
    const { nsp, hear } = fakeNamespace();
    const audience = new Audience({ node: "here", cluster: nsp as never, local: () => [["war", 3]] });
    hear({ node: "there", seq: 1, state: { war: 4, quake: 1 } });
    hear({ node: "odd", seq: 1, state: { war: -100 } });
    hear({ node: "odd", seq: 2, state: { war: "lots" } });
    expect(Object.fromEntries(audience.totals())).toEqual({ war: 7, quake: 1 });
    vi.advanceTimersByTime(4 * PRESENCE_REPORT_MS);
    expect(Object.fromEntries(audience.totals())).toEqual({ war: 3 });
    audience.close();
  });
});
