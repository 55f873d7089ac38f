import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Debian's Chromium: nothing downloads a browser here (`.ci/run` installs the package). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** In CI a missing browser is a failure; on a laptop without one the browser suites skip, saying why. */
export const browserMissing = !existsSync(CHROMIUM);
if (browserMissing) {
  if (process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM}: .ci/run must install it (apt-get install chromium).`);
  console.warn(`Skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
}

/** Where screenshots go, to be looked at after a run. */
export const ARTIFACTS = resolve(import.meta.dirname, "../test-artifacts");

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export async function openPage(browser: Browser, url: string, options: Parameters<Browser["newContext"]>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  // Every error, WebSocket ones included: a test that causes some on purpose (a stopped server)
  // allows exactly those with `unexpectedErrors`. The resource's address tells 401s apart.
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const where = message.location().url;
    errors.push(where && !message.text().includes(where) ? `${message.text()} [${where}]` : message.text());
  });
  // Content-Security-Policy violations, from the page and every frame in it (the embed widgets),
  // reported by the browser itself rather than inferred from console wording.
  await page.exposeBinding("__reportCspViolation", (_source, report: string) => void errors.push(report));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { __reportCspViolation: (report: string) => void }).__reportCspViolation;
      report(`CSP violation on ${location.href}: ${event.effectiveDirective} blocked ${event.blockedURI || "inline code"}`);
    });
  });
  await page.goto(url);
  Object.assign(page, { pageErrors: errors });
  return { context, page };
}

/** Errors the page (or a frame in it) threw or logged, and every CSP violation: a hydration mismatch shows up here too. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { pageErrors?: string[] }).pageErrors ?? [];
}

/** The line the browser logs when one of our paths answers an error `status` such as "401 (Unauthorized)". */
export function failedRequest(status: string, path: string): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`^Failed to load resource: the server responded with a status of ${literal(status)} \\[https?://[^/]+${literal(path)}\\]$`);
}

/** The desk asks who is signed in as it opens: before sign-in (or with a wrong password), a 401. */
export const SIGNED_OUT = failedRequest("401 (Unauthorized)", "/api/session");

/** The desk asks what became of a write whose answer was lost: "never arrived" is a 404. */
export const UNKNOWN_WRITE = /^Failed to load resource: the server responded with a status of 404 \(Not Found\) \[https?:\/\/[^/]+\/api\/idempotency\/[^\]]+\]$/;

/** `pageErrors` less those a test caused on purpose, each named by a pattern of its own. */
export function unexpectedErrors(page: Page, ...expected: RegExp[]): string[] {
  return pageErrors(page).filter((error) => !expected.some((pattern) => pattern.test(error)));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
