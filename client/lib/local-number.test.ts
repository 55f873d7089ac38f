import { describe, expect, it } from "vitest";
import { m } from "./i18n.js";
import { localNumber } from "./local-number.js";

describe("localNumber", () => {
  it("writes the digits the locale asks for while the plural rules read its value", () => {
    expect(m.new_updates({ count: localNumber(3, "ar-EG") }, { locale: "ar" })).toBe("٣ تحديثات جديدة");
    expect(m.new_updates({ count: localNumber(11, "ar-EG") }, { locale: "ar" })).toBe("١١ تحديثًا جديدًا");
    expect(m.new_updates({ count: localNumber(2, "ar-EG") }, { locale: "ar" })).toBe("تحديثان جديدان");
    expect(m.new_updates({ count: localNumber(3, "ar") }, { locale: "ar" })).toBe(`${new Intl.NumberFormat("ar").format(3)} تحديثات جديدة`);
    expect(m.history_version({ version: localNumber(12, "ar-EG") }, { locale: "ar" })).toBe("النسخة ١٢");
    expect(m.new_updates({ count: localNumber(5, "uk") }, { locale: "uk" })).toBe("5 нових оновлень");
  });

  it("falls back to plain digits for a tag Intl cannot read", () => {
    expect(String(localNumber(7, "not a tag"))).toBe("7");
  });
});
