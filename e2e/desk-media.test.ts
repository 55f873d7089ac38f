import { join } from "node:path";
import type { Browser, Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../server/auth/passwords.js";
import { createAccount } from "../server/auth/accounts-service.js";
import { startServer, type TestServer } from "../server/test/harness.js";
import { ARTIFACTS, browserMissing, launchBrowser, openPage, pageErrors, screenshot } from "./browser.js";

/**
 * Photos and embeds in the desk (issue 14), in Chromium against a real server.
 *
 * The first suite stands in for `POST /api/media` and `GET /media/…` with page.route, so the
 * desk's own part (upload with progress, cancel, refusal, alt text, order, embeds, preview,
 * storage across a reload, what a publish sends) can be driven exactly, slow uploads and
 * refusals included. The second suite is the real end to end, against the server's media routes.
 */

const PASSWORD = "correct horse battery";

/** A real JPEG, drawn and encoded by the browser itself. */
async function jpegFrom(page: Page, width: number, height: number, hue: number): Promise<Buffer> {
  const dataUrl = await page.evaluate(
    ([w, h, hue]) => {
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      const g = canvas.getContext("2d")!;
      const gradient = g.createLinearGradient(0, 0, w, h);
      gradient.addColorStop(0, `hsl(${hue} 70% 45%)`);
      gradient.addColorStop(1, `hsl(${hue + 60} 70% 70%)`);
      g.fillStyle = gradient;
      g.fillRect(0, 0, w, h);
      g.fillStyle = "#fff";
      g.font = `${Math.round(h / 5)}px sans-serif`;
      g.fillText("live", w / 10, h / 2);
      return canvas.toDataURL("image/jpeg", 0.85);
    },
    [width, height, hue] as const,
  );
  return Buffer.from(dataUrl.split(",")[1]!, "base64");
}

describe.skipIf(browserMissing)("photos and embeds in the desk", () => {
  let server: TestServer;
  let browser: Browser;

  const signIn = async (username: string, storyId: string, viewport = { width: 1366, height: 850 }) => {
    const { context, page } = await openPage(browser, `${server.url}/editor#story=${storyId}`, { viewport });
    const form = page.getByTestId("login-form");
    await form.getByLabel("Username").fill(username);
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("composer").waitFor();
    return { context, page };
  };

  beforeAll(async () => {
    server = await startServer({ pages: true });
    browser = await launchBrowser();
    for (const [name, role] of [["photo-ed", "editor"], ["photo-contrib", "contributor"]] as const) {
      const { user } = await createAccount(server.app.store.accounts, name, role);
      await server.app.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(PASSWORD), mustChangePassword: false });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  describe("the desk's part, with /api/media stood in for", () => {
    it("uploads with progress, cancels, shows a refusal, asks for alt text, reorders, embeds, previews, keeps it across a reload and sends it", async () => {
      await server.api("/api/stories", { body: { id: "photo-desk", title: "Photo desk" } });
      const { context, page } = await signIn("photo-ed", "photo-desk");
      const composer = page.getByTestId("composer");
      const fileInput = composer.getByTestId("media-file");
      const jpeg = await jpegFrom(page, 640, 400, 200);
      const file = (name: string) => ({ name, mimeType: "image/jpeg", buffer: jpeg });

      // Stand-ins for the server's media routes: each upload is answered as the test says.
      const uploads: { route: Route; bytes: number; type: string | undefined }[] = [];
      await page.route("**/api/media", (route) => void uploads.push({ route, bytes: route.request().postDataBuffer()?.length ?? 0, type: route.request().headers()["content-type"] }));
      await page.route("**/media/m_*/**", (route) => route.fulfill({ status: 200, contentType: "image/jpeg", body: jpeg }));
      const nextUpload = async () => {
        await expect.poll(() => uploads.length, { timeout: 10_000 }).toBeGreaterThan(0);
        return uploads.shift()!;
      };
      const id = (n: number) => `m_${String(n).repeat(32)}`;

      // 1. An upload in flight shows its progress and can be cancelled: nothing is added.
      await fileInput.setInputFiles(file("first.jpg"));
      const first = await nextUpload();
      expect(first.bytes).toBe(jpeg.length); // the file's own bytes, not a form
      expect(first.type).toBe("image/jpeg");
      const progress = composer.getByTestId("media-upload");
      await progress.locator("progress").waitFor();
      await expect.poll(() => progress.locator("label").textContent()).toMatch(/Uploading first\.jpg/);
      await progress.getByRole("button", { name: "Cancel upload" }).click();
      await progress.waitFor({ state: "detached" });
      await first.route.abort().catch(() => undefined);
      expect(await composer.getByTestId("media-item").count()).toBe(0);

      // 2. A refusal says what the server said.
      await fileInput.setInputFiles(file("phone.heic"));
      await (await nextUpload()).route.fulfill({
        status: 415,
        json: { error: { code: "unsupported_media_type", message: "HEIC photos cannot be read here: export the photo as JPEG and upload that." } },
      });
      await composer.getByRole("alert").filter({ hasText: "export the photo as JPEG" }).waitFor();
      await composer.getByRole("button", { name: "Dismiss" }).click();

      // 3. Two more photos: one dropped on the form, one pasted into the text.
      const hand = (how: "drop" | "paste", selector: string, name: string) =>
        page.evaluate(
          ([how, selector, name, base64]) => {
            const data = new DataTransfer();
            data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type: "image/jpeg" }));
            const init = { bubbles: true, cancelable: true };
            const target = document.querySelector(selector)!;
            target.dispatchEvent(how === "drop" ? new DragEvent("drop", { ...init, dataTransfer: data }) : new ClipboardEvent("paste", { ...init, clipboardData: data }));
          },
          [how, selector, name, jpeg.toString("base64")] as const,
        );
      await hand("drop", '[data-testid="composer"] form', "bridge.jpg");
      await (await nextUpload()).route.fulfill({ status: 201, json: { id: id(1), width: 640, height: 400, placeholder: "#336699" } });
      await expect.poll(() => composer.getByTestId("media-item").count()).toBe(1);
      const bodyField = composer.getByLabel(/^Update/);
      await bodyField.focus();
      await hand("paste", '[data-testid="composer"] textarea', "crowd.jpg");
      const pasted = await nextUpload();
      expect(pasted.bytes).toBe(jpeg.length);
      await pasted.route.fulfill({ status: 201, json: { id: id(2), width: 640, height: 400, placeholder: "#993366" } });
      await expect.poll(() => composer.getByTestId("media-item").count()).toBe(2);
      expect(await bodyField.inputValue()).toBe(""); // the paste was the photo, not text
      // The editor was typing: the finished upload does not take the focus away.
      expect(await bodyField.evaluate((field) => field === document.activeElement)).toBe(true);

      // 4. Publishing without alt text is refused at the field, and nothing is sent.
      const entryPosts: { body: unknown; key: string | undefined }[] = [];
      page.on("request", (request) => {
        if (request.method() === "POST" && /\/api\/stories\/photo-desk\/entries$/.test(request.url())) {
          entryPosts.push({ body: request.postDataJSON(), key: request.headers()["idempotency-key"] });
        }
      });
      await composer.getByLabel(/Headline/).fill("Bridge closed");
      await composer.getByLabel(/^Update/).fill("Police closed the **bridge** at 6 am.");
      await composer.getByTestId("publish").click();
      await composer.getByTestId("send-blocker").filter({ hasText: "2 photos still need their alt text." }).waitFor();
      const firstAlt = composer.getByLabel("Alt text (required)").first();
      await expect.poll(() => firstAlt.evaluate((input) => input === document.activeElement)).toBe(true);
      expect(await firstAlt.getAttribute("aria-invalid")).toBe("true");
      expect(entryPosts).toEqual([]);

      await firstAlt.fill("Police cars block the bridge at dawn");
      await composer.getByLabel("Alt text (required)").nth(1).fill("A crowd waits behind the tape");
      await composer.getByLabel(/Caption/).first().fill("The bridge at 6 am.");
      await composer.getByLabel(/Credit/).first().fill("Olena K.");

      // 5. An embed by its address; moved to the top with the keyboard's buttons.
      const embedField = composer.getByLabel("Address of a post or video to embed");
      await embedField.fill("not a link");
      await composer.getByRole("button", { name: "Add embed" }).click();
      await composer.getByText("Paste the https link of a single post or video on").waitFor();
      await embedField.fill("https://www.youtube.com/watch?v=dQw4w9WgXcQ");
      await embedField.press("Enter");
      await expect.poll(() => composer.getByTestId("media-item").count()).toBe(3);
      await composer.getByRole("button", { name: "Move embed 3 up" }).click();
      await composer.getByRole("button", { name: "Move embed 2 up" }).click();
      await expect.poll(() => composer.getByRole("button", { name: "Move embed 1 down" }).evaluate((b) => b === document.activeElement)).toBe(true);
      // The focused button's name changed with the move ("embed 2" became "embed 1"): the new place is said aloud too.
      const moved = composer.getByTestId("media-moved");
      expect(await moved.getAttribute("aria-live")).toBe("polite");
      await expect.poll(() => moved.textContent()).toBe("Embed moved to position 1 of 3.");
      await composer.getByRole("button", { name: "Move photo 3 up" }).click();
      await expect.poll(() => moved.textContent()).toBe("Photo moved to position 2 of 3.");
      await composer.getByRole("button", { name: "Move photo 2 down" }).click();

      // The embed's own caption (issue 34), under its card in the preview and as readers get it.
      await composer.locator('input[data-caption="0"]').fill("The mayor at the scene");

      // 6. The preview: the embed's placeholder first, then the photos as readers get them.
      const preview = composer.getByTestId("preview");
      const img = preview.locator("picture img").first();
      await img.waitFor();
      expect(await img.getAttribute("alt")).toBe("Police cars block the bridge at dawn");
      expect(await img.getAttribute("srcset")).toMatch(/^\/media\/m_1{32}\/480\.jpeg 480w, \/media\/m_1{32}\/960\.jpeg 640w$/);
      expect(await img.getAttribute("width")).toBe("640");
      expect(await preview.locator('picture source[type="image/avif"]').count()).toBe(2);
      expect(await preview.locator("figure:has(picture) figcaption").first().textContent()).toMatch(/The bridge at 6 am\.\s*Photo: Olena K\./);
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(640);
      expect(await preview.locator(".entry-media > *").first().textContent()).toContain("YouTube");
      expect(await preview.locator(".entry-media > figure.embed figcaption").textContent()).toContain("The mayor at the scene");
      expect(await preview.locator("iframe").count()).toBe(0);

      // The whole composer at a laptop's and a phone's size, to look at.
      for (const [width, height] of [[1366, 850], [390, 844]] as const) {
        await page.setViewportSize({ width, height });
        await composer.getByTestId("media-fields").scrollIntoViewIfNeeded();
        await screenshot(page, `desk-media-composer-${width}`);
        await page.screenshot({ path: join(ARTIFACTS, `desk-media-composer-${width}-full.png`), fullPage: true });
      }
      await page.setViewportSize({ width: 1366, height: 850 });

      // 7. A reload keeps the photos (ids and their text) and the embed.
      await page.reload();
      await page.getByTestId("composer").waitFor();
      await expect.poll(() => composer.getByTestId("media-item").count()).toBe(3);
      expect(await composer.getByLabel("Alt text (required)").nth(0).inputValue()).toBe("Police cars block the bridge at dawn");

      // 8. Remove one, and publish: the request carries the media in order, with an Idempotency-Key.
      await composer.getByRole("button", { name: "Remove photo 3" }).click();
      await expect.poll(() => composer.getByTestId("media-item").count()).toBe(2);
      await composer.getByTestId("publish").click();
      await expect.poll(() => entryPosts.length).toBe(1);
      expect(entryPosts[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
      expect((entryPosts[0]!.body as { media: unknown }).media).toEqual([
        { type: "embed", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", caption: "The mayor at the scene" },
        { type: "image", id: id(1), alt: "Police cars block the bridge at dawn", caption: "The bridge at 6 am.", credit: "Olena K." },
      ]);
      // Nothing broke the desk's CSP (zod's start-up probe for eval would: the desk bundles no zod).
      expect(pageErrors(page).filter((error) => /CSP violation/.test(error))).toEqual([]);
      await context.close();
    });
  });

  describe("end to end with the server's media routes", () => {
    it("an editor uploads a real photo through the desk, a reader sees it live, and the gallery offers it again", async () => {
      await server.api("/api/stories", { body: { id: "photo-live", title: "Photo live" } });
      const reader = await openPage(browser, `${server.url}/stories/photo-live`);
      await reader.page.locator('[data-status="live"]').waitFor();
      const { context, page } = await signIn("photo-ed", "photo-live");
      const composer = page.getByTestId("composer");

      await composer.getByTestId("media-file").setInputFiles({ name: "street.jpg", mimeType: "image/jpeg", buffer: await jpegFrom(page, 1200, 800, 20) });
      const alt = composer.getByLabel("Alt text (required)");
      await alt.waitFor({ timeout: 20_000 });
      await alt.fill("Firefighters on a smoky street");
      await composer.getByLabel(/^Update/).fill("Fire on Khreshchatyk.");
      await composer.getByLabel("Address of a post or video to embed").fill("https://youtu.be/dQw4w9WgXcQ");
      await composer.getByRole("button", { name: "Add embed" }).click();
      await composer.getByTestId("publish").click();

      const photo = reader.page.locator('article.entry img[alt="Firefighters on a smoky street"]');
      await photo.waitFor({ timeout: 10_000 });
      expect(await photo.getAttribute("src")).toMatch(/^\/media\/m_[0-9a-f]{32}\/\d+\.(jpeg|webp|avif)$/);
      expect(await photo.getAttribute("srcset")).toMatch(/\/media\/m_[0-9a-f]{32}\/480\./);
      await expect.poll(() => photo.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), { timeout: 10_000 }).toBe(true);
      const stored = (await (await server.api("/api/stories/photo-live")).json()) as { entries: Record<string, { media?: { type: string; provider?: string }[] }> };
      expect(Object.values(stored.entries)[0]!.media?.map((item) => item.provider ?? item.type)).toEqual(["image", "youtube"]);

      // The gallery: the story's photo, to add again with its alt text.
      const gallery = composer.getByTestId("media-gallery");
      await gallery.locator("summary").click();
      await gallery.getByRole("button", { name: "Add again: Firefighters on a smoky street" }).click();
      expect(await composer.getByLabel("Alt text (required)").inputValue()).toBe("Firefighters on a smoky street");
      await reader.context.close();
      await context.close();
    });

    it("a contributor's draft carries a photo, and the editor sees it in the queue", async () => {
      await server.api("/api/stories", { body: { id: "photo-draft", title: "Photo draft" } });
      const { context, page } = await signIn("photo-contrib", "photo-draft");
      const composer = page.getByTestId("composer");
      await composer.getByTestId("media-file").setInputFiles({ name: "tip.jpg", mimeType: "image/jpeg", buffer: await jpegFrom(page, 800, 600, 120) });
      await composer.getByLabel("Alt text (required)").fill("A queue at the pharmacy");
      await composer.getByLabel(/^Update/).fill("Long queues at pharmacies.");
      await composer.getByTestId("publish").click();
      await context.close();

      const editor = await signIn("photo-ed", "photo-draft");
      const draft = editor.page.getByTestId("draft-preview");
      await draft.locator('img[alt="A queue at the pharmacy"]').waitFor({ timeout: 10_000 });
      await editor.context.close();
    });
  });
});
