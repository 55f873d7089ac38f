import { describe, expect, it } from "vitest";
import { DisplayName } from "./api.js";
import { hasHiddenCharacters, nameFold, posesAsRole } from "./display-names.js";
import { nameWithLogin, othersEditing, othersOnStory } from "./presence.js";

describe("display names (issue 26)", () => {
  it("refuses direction controls and invisible characters", () => {
    const hidden = ["\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "\u200E", "\u200F", "\u061C", "\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD", "\u3164", "\u115F", "\u034F", "\u2028", "\uE000"];
    for (const ch of hidden) {
      expect(hasHiddenCharacters(`Ole${ch}na`), `U+${ch.codePointAt(0)!.toString(16)}`).toBe(true);
      expect(DisplayName.safeParse(`Ole${ch}na`).success, `U+${ch.codePointAt(0)!.toString(16)}`).toBe(false);
    }
    for (const fine of ["Olena Kovalenko", "Уляна К.", "Zoë O.", "李小龙", "محمد", "Xavier Dupont, Kyiv", "Olena 🇺🇦"]) {
      expect(DisplayName.safeParse(fine).success, fine).toBe(true);
    }
  });

  it("folds case, accents, look-alike Cyrillic and Greek letters and 0/o, 1/l/i to one form", () => {
    const olena = nameFold("Olena K.");
    for (const same of ["olena k", "OLENA K", "0lena K", "Оlena K" /* Cyrillic О */, "Οlena K" /* Greek Ο */, "Olená K", "O l e n a K", "Ole\u0301na K"]) {
      expect(nameFold(same), same).toBe(olena);
    }
    expect(nameFold("ed1")).toBe(nameFold("edl"));
    expect(nameFold("edI")).toBe(nameFold("edi"));
    expect(nameFold("Маrу")).toBe(nameFold("Mary")); // Cyrillic М, а and у
    expect(nameFold("ВОВ")).toBe(nameFold("BOB"));
    expect(nameFold("modern")).toBe(nameFold("modem"));
    expect(nameFold("Olena")).not.toBe(nameFold("Olga"));
    expect(nameFold("Taras")).not.toBe(nameFold("Tara"));
  });

  it("refuses names that read as a role or as the newsroom, and a name with nothing to read", () => {
    for (const posing of ["admin", "Admin", "adm1n", "adm1 (admin)", "Olena (editor)", "Newsroom", "NEWSR00M", "The Newsroom", "news room", "Contributor", "ᴀdmin", "Аdmin"]) {
      expect(posesAsRole(posing), posing).toBe(true);
      expect(DisplayName.safeParse(posing).success, posing).toBe(false);
    }
    for (const fine of ["Olena", "Badminton Club", "Editorial Desk", "Adminta Kovalenko"]) expect(posesAsRole(fine), fine).toBe(false);
    expect(DisplayName.safeParse("— ★ —").success).toBe(false);
  });
});

describe("the login beside a name on the desk", () => {
  it("shows the login where the name does not read as it, in the presence line and who edits an entry", () => {
    expect(nameWithLogin("Olena K.", "olena")).toBe("Olena K. (@olena)");
    expect(nameWithLogin("Olena", "olena")).toBe("Olena");
    expect(nameWithLogin("Newsroom", undefined)).toBe("Newsroom");
    const editors = [
      { id: "u1", name: "Taras", login: "taras", editing: [] },
      { id: "u2", name: "Olena K.", login: "eve", editing: ["e_aaaa"] },
      { id: "admin-token", name: "Newsroom", editing: [] },
    ];
    expect(othersOnStory(editors, "u1", () => "Air force tally")).toBe("Also on this story: Olena K. (@eve) (editing “Air force tally”) and Newsroom.");
    expect(othersEditing(editors, "u1", "e_aaaa")).toEqual(["Olena K. (@eve)"]);
  });
});
