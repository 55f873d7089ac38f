import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Frame, Locator, Page } from "playwright-core";

/** axe-core's own script, evaluated through DevTools so the pages' Content-Security-Policy lets it run. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The serious and critical axe-core violations on a page or frame, one line each (rule: where). */
export async function seriousViolations(target: Page | Frame): Promise<string[]> {
  if (!(await target.evaluate(() => "axe" in window))) await target.evaluate(AXE_SOURCE);
  const violations = await target.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map(({ id, impact, nodes }) => ({ id, impact, targets: nodes.map((node) => node.target.join(" ")) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.targets.join(", ")}`);
}

/**
 * WCAG 2 contrast ratio of an element's text against what is behind it, from computed styles:
 * its colour over the first opaque background of it or an ancestor (white if none is).
 */
export function contrastOf(locator: Locator): Promise<number> {
  return locator.evaluate((element) => {
    const rgba = (css: string): [number, number, number, number] => {
      // Chromium computes light-dark() and named colours to rgb()/rgba().
      const match = /^rgba?\((\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)(?:,\s*(\d*(?:\.\d+)?))?\)$/.exec(css);
      if (!match) throw new Error(`unexpected computed colour ${css}`);
      return [Number(match[1]), Number(match[2]), Number(match[3]), match[4] === undefined ? 1 : Number(match[4])];
    };
    let background: [number, number, number] = [255, 255, 255];
    for (let node: Element | null = element; node; node = node.parentElement) {
      const [r, g, b, a] = rgba(getComputedStyle(node).backgroundColor);
      if (a === 0) continue;
      if (a < 1) throw new Error(`translucent background ${getComputedStyle(node).backgroundColor} behind ${element.outerHTML}`);
      background = [r, g, b];
      break;
    }
    const [r, g, b, a] = rgba(getComputedStyle(element).color);
    const text = [r, g, b].map((channel, i) => channel * a + background[i]! * (1 - a));
    const luminance = (rgb: number[]) => {
      const [lr, lg, lb] = rgb.map((channel) => {
        const c = channel / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * lr! + 0.7152 * lg! + 0.0722 * lb!;
    };
    const [light, dark] = [luminance(text), luminance(background)].sort((x, y) => y - x);
    return (light! + 0.05) / (dark! + 0.05);
  });
}

/** Each element of `locator` with its text and contrast, for assertions that name the culprit. */
export async function contrasts(locator: Locator): Promise<{ text: string; ratio: number }[]> {
  const all = await locator.all();
  return Promise.all(all.map(async (one) => ({ text: (await one.textContent())!.trim(), ratio: Math.round((await contrastOf(one)) * 100) / 100 })));
}

/** The role and accessible name of the focused element, as Playwright's ARIA snapshot computes them. */
export async function focusedName(target: Page | Frame): Promise<{ role: string; name: string; html: string }> {
  const focused = target.locator(":focus");
  const snapshot = (await focused.ariaSnapshot()).split("\n")[0]!;
  const match = /^- ([\w-]+)(?: "(.*?)")?/.exec(snapshot);
  return { role: match?.[1] ?? snapshot, name: match?.[2] ?? "", html: await focused.evaluate((element) => element.outerHTML.slice(0, 160)) };
}
