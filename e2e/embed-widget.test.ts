import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedSnippet } from "../shared/embed-snippet.js";
import type { EntryResponse } from "../shared/api.js";
import type { Snapshot } from "../shared/story.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { pageSnapshot } from "../server/test/proxied-readers.js";
import { focusedName, seriousViolations } from "./a11y.js";
import { browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";

/** A publisher's page on another origin, with the snippet pasted as the desk shows it. */
async function hostPage(html: string | (() => string)): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) =>
    res.writeHead(200, { "content-type": "text/html" }).end(typeof html === "string" ? html : html()),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const publisherHtml = (snippets: string[]) => `<!doctype html><html><head><meta charset="utf-8"><title>The Daily Example</title>
<style>body{font-family:Georgia,serif;max-width:760px;margin:2rem auto;color:#222} h1{font-size:2rem} iframe{outline:1px dashed #bbb}</style></head>
<body><h1>The Daily Example</h1><p>Our partner's live coverage:</p>${snippets.join("\n<p>And as a list:</p>\n")}<p>Article text continues…</p></body></html>`;

const widgetFrames = (page: Page, serverUrl: string): Frame[] => page.frames().filter((f) => f.url().startsWith(`${serverUrl}/embed/`));

describe.skipIf(browserMissing)("the embeddable widget on another site", () => {
  let server: TestServer;
  let browser: Browser;
  let host: { url: string; close: () => Promise<void> };
  let story: Snapshot;
  const post = (headline: string) => server.api(`/api/stories/${story.id}/entries`, { body: { body: `${headline}. More detail.`, headline } });

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    story = (await (await server.api("/api/stories", { body: { title: "Kyiv strikes" } })).json()) as Snapshot;
    await post("Air-raid alert in Kyiv");
    const publicUrl = server.url;
    host = await hostPage(publisherHtml([embedSnippet(publicUrl, story), embedSnippet(publicUrl, story, { layout: "list", maxItems: 5 })]));
  });
  afterAll(async () => {
    await host?.close();
    await browser?.close();
    await server?.close();
  });

  it("turns two snippets into live widgets: an update shows in both within a second, frames follow their content, no cookie", async () => {
    const { context, page } = await openPage(browser, host.url);
    await expect.poll(() => widgetFrames(page, server.url).length, { timeout: 5000 }).toBe(2);
    const frames = widgetFrames(page, server.url);
    const strip = frames.find((f) => f.url().includes("layout=strip"));
    const list = frames.find((f) => f.url().includes("layout=list"));
    await strip!.locator(".ticker").waitFor();
    await list!.locator(".embed-list").waitFor();
    await strip!.locator(".ticker[data-connection]").waitFor();
    await page.waitForTimeout(300); // let both sockets subscribe

    const iframes = page.locator("iframe");
    const listHeightBefore = (await iframes.nth(1).boundingBox())!.height;
    const started = Date.now();
    await post("Blasts heard in Obolon");
    await Promise.all([
      strip!.locator(".ticker a", { hasText: "Blasts heard in Obolon" }).first().waitFor({ timeout: 1000 }),
      list!.locator(".embed-list li", { hasText: "Blasts heard in Obolon" }).waitFor({ timeout: 1000 }),
    ]);
    expect(Date.now() - started).toBeLessThan(1000);

    // The list grew by one entry, and its frame grew with it (embed.js obeys the frame's report).
    await expect.poll(async () => (await iframes.nth(1).boundingBox())!.height).toBeGreaterThan(listHeightBefore);
    // Once the new entry has slid in, the frame is exactly as tall as its content: no scrollbar, no gap.
    const mismatch = async () => {
      const content = await list!.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
      return Math.round((await iframes.nth(1).boundingBox())!.height) - content;
    };
    await expect.poll(mismatch).toBe(0);

    expect(await context.cookies()).toEqual([]);
    expect(pageErrors(page)).toEqual([]); // the host page and both widget frames
    await screenshot(page, "embed-host-page");
    await context.close();
  });

  it("is framed by the origins in EMBED_ORIGINS and refused by any other", async () => {
    let snippet = "";
    const allowed = await hostPage(() => publisherHtml([snippet]));
    const other = await hostPage(() => publisherHtml([snippet]));
    const restricted = await startServer({ pages: true, env: { EMBED_ORIGINS: new URL(allowed.url).origin } });
    try {
      const created = (await (await restricted.api("/api/stories", { body: { title: "Restricted" } })).json()) as Snapshot;
      snippet = embedSnippet(restricted.url, created);
      const res = await fetch(`${restricted.url}/embed/${created.id}`);
      expect(res.headers.get("content-security-policy")).toContain(`frame-ancestors 'self' ${new URL(allowed.url).origin}`);
      expect(res.headers.get("x-frame-options")).toBeNull();

      const ok = await openPage(browser, allowed.url);
      await expect.poll(() => widgetFrames(ok.page, restricted.url).length, { timeout: 5000 }).toBe(1);
      await widgetFrames(ok.page, restricted.url)[0]!.locator(".ticker").waitFor();
      await ok.context.close();

      // An empty frame may only be one still loading: wait for the browser's verdict, then look at it.
      const refused = await openPage(browser, other.url);
      const refusal = `Framing '${restricted.url}/' violates the following Content Security Policy directive: "frame-ancestors 'self' ${new URL(allowed.url).origin}". The request has been blocked.`;
      await expect.poll(() => pageErrors(refused.page).map((error) => error.trim()), { timeout: 5000 }).toEqual([refusal]);
      const frame = () => refused.page.frames().find((f) => f !== refused.page.mainFrame());
      // Its navigation ended on the browser's own error page, not the widget.
      await expect.poll(() => frame()?.url(), { timeout: 5000 }).toBe("chrome-error://chromewebdata/");
      await expect(frame()!.locator(".ticker").count()).resolves.toBe(0);
      await refused.context.close();
    } finally {
      await allowed.close();
      await other.close();
      await restricted.close();
    }
  });

  it("list layout: a Tab walk meets only links and buttons that say where they go, headline or not", async () => {
    const created = (await (await server.api("/api/stories", { body: { title: "Obolon fire" } })).json()) as Snapshot;
    const entries = `/api/stories/${created.id}/entries`;
    await server.api(entries, { body: { body: "Sirens across the capital.", headline: "Air-raid alert" } });
    await server.api(entries, { body: { body: "Fire across **four floors** of a high-rise in Obolon." } });
    const rescuers = ((await (await server.api(entries, { body: { body: "Rescuers reached the roof.\n\nTwelve people were [taken to hospital](https://example.org/h)." } })).json()) as EntryResponse).entry.id;
    await server.api(entries, { body: { body: "![A burning tower block](https://example.org/fire.png)" } });
    await server.api(entries, { body: { body: "***" } }); // a rule: no words at all
    const { context, page } = await openPage(browser, `${server.url}/embed/${created.id}?layout=list`, { viewport: { width: 420, height: 700 } });
    await page.locator(".embed-list").waitFor();

    const names: string[] = [];
    for (let step = 0; step < 20; step++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate(() => document.activeElement === document.body || document.activeElement === null)) break;
      const { role, name, html } = await focusedName(page);
      expect(name.trim(), `${role} ${html}`).not.toBe("");
      names.push(name);
    }
    expect(names).toEqual([
      expect.stringContaining("Obolon fire"),
      "Update by Newsroom", // the entry with no words
      "A burning tower block", // an image's alt text
      "Rescuers reached the roof.",
      "taken to hospital",
      "Fire across four floors of a high-rise in Obolon.",
      "Air-raid alert",
      "Open full coverage", // the arrow is decoration (aria-hidden), and points the other way right to left
    ]);
    // A one-line body is its own link; it is not said twice.
    await expect(page.locator(".embed-list li").nth(3).textContent()).resolves.not.toMatch(/Obolon\.[\s\S]*Obolon\./);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "embed-list-headlines-and-not");

    // The bodies it shows are in its markup only, not in its page data; the page reads them back, and keeps them once live.
    const served = pageSnapshot(await (await fetch(`${server.url}/embed/${created.id}?layout=list`)).text());
    expect(served.entries[rescuers]!.html).toBe("");
    await server.api(`${entries}/${rescuers}`, { method: "PATCH", body: { headline: "Rescuers on the roof" } });
    await page.getByRole("link", { name: "Rescuers on the roof" }).waitFor();
    await expect(page.locator(`.body[data-entry="${rescuers}"] a`).textContent()).resolves.toBe("taken to hospital");
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it("list layout: carries no body it does not list, and fetches one that comes into the list when a listed update is removed", async () => {
    const created = (await (await server.api("/api/stories", { body: { title: "Shelling in Kharkiv" } })).json()) as Snapshot;
    const entries = `/api/stories/${created.id}/entries`;
    const earlier = ((await (await server.api(entries, { body: { body: "Power is out in two districts.\n\nRepair crews expect to restore it by **evening**.", headline: "Blackout" } })).json()) as EntryResponse).entry.id;
    const latest: string[] = [];
    for (const text of ["Sirens in the city centre.", "Trams stopped on line 5.", "Shelters open at every metro station."]) {
      latest.push(((await (await server.api(entries, { body: { body: text } })).json()) as EntryResponse).entry.id);
    }
    const served = pageSnapshot(await (await fetch(`${server.url}/embed/${created.id}?layout=list&maxItems=3`)).text());
    expect(served.entries[earlier]).toMatchObject({ headline: "Blackout", body: "", html: "" });

    const { context, page } = await openPage(browser, `${server.url}/embed/${created.id}?layout=list&maxItems=3`, { viewport: { width: 420, height: 700 } });
    await page.locator(".embed-list").waitFor();
    await expect.poll(() => page.locator(".embed-list li").count()).toBe(3);
    expect(await page.getByRole("link", { name: "Blackout" }).count()).toBe(0);
    // A listed update removed: the older one comes into the list, its body fetched with the view.
    await server.api(`${entries}/${latest[1]}`, { method: "DELETE" });
    await page.getByRole("link", { name: "Blackout" }).waitFor();
    await expect.poll(() => page.locator(`.body[data-entry="${earlier}"]`).textContent(), { timeout: 5_000 }).toContain("Repair crews expect to restore it by evening.");
    expect(await page.locator(`.body[data-entry="${earlier}"] strong`).textContent()).toBe("evening");
    await page.waitForTimeout(400); // the slide-in
    await screenshot(page, "embed-list-fetched-body");
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
});
