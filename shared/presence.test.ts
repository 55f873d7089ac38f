import { describe, expect, it } from "vitest";
import { namesInWords, othersEditing, othersOnStory, presenceOfSockets, presenceOnStory, samePresence, type SocketPresence } from "./presence.js";

const socket = (id: string, name: string, stories: [string, string | null][]): SocketPresence => ({ id, name, stories: new Map(stories) });

describe("presence", () => {
  it("merges an account's sockets into one editor, with every entry it edits", () => {
    const own = presenceOfSockets([
      socket("u2", "Taras", [["war", null]]),
      socket("u1", "Olena", [["war", "e_bbbb"], ["quake", null]]),
      socket("u1", "Olena", [["war", "e_aaaa"]]),
    ]);
    expect(own).toEqual({
      war: [
        { id: "u1", name: "Olena", editing: ["e_aaaa", "e_bbbb"] },
        { id: "u2", name: "Taras", editing: [] },
      ],
      quake: [{ id: "u1", name: "Olena", editing: [] }],
    });
  });

  it("merges nodes' reports: one account on two nodes is one editor", () => {
    const a = presenceOfSockets([socket("u1", "Olena", [["war", "e_aaaa"]])]);
    const b = presenceOfSockets([socket("u1", "Olena", [["war", null]]), socket("u3", "Ivan", [["war", "e_aaaa"]])]);
    const merged = presenceOnStory([a, b], "war");
    expect(merged).toEqual([
      { id: "u3", name: "Ivan", editing: ["e_aaaa"] },
      { id: "u1", name: "Olena", editing: ["e_aaaa"] },
    ]);
    expect(samePresence(merged, presenceOnStory([b, a], "war"))).toBe(true);
    expect(samePresence(merged, presenceOnStory([a], "war"))).toBe(false);
    expect(presenceOnStory([a, b], "quake")).toEqual([]);
  });

  it("words the others on a story and who else edits an entry, leaving oneself out", () => {
    const editors = presenceOnStory([presenceOfSockets([socket("u1", "Olena", [["war", "e_aaaa"]]), socket("u2", "Taras", [["war", "e_aaaa"]]), socket("u3", "Ivan", [["war", null]])])], "war");
    const labels: Record<string, string> = { e_aaaa: "Air force tally" };
    expect(othersOnStory(editors, "u2", (id) => labels[id])).toBe("Also on this story: Ivan and Olena (editing “Air force tally”).");
    expect(othersOnStory(editors, "u2")).toBe("Also on this story: Ivan and Olena.");
    expect(othersOnStory(editors, "nobody", (id) => labels[id])).toBe("Also on this story: Ivan, Olena (editing “Air force tally”) and Taras (editing “Air force tally”).");
    expect(othersOnStory(editors.slice(0, 1), "u1")).toBe("Also on this story: Ivan.");
    expect(othersOnStory(editors.slice(0, 1), "u3")).toBe("");
    expect(othersEditing(editors, "u1", "e_aaaa")).toEqual(["Taras"]);
    expect(othersEditing(editors, "u1", "e_cccc")).toEqual([]);
    expect(namesInWords([])).toBe("");
  });
});
