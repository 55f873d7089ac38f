import type { Browser } from "playwright-core";
import { expect } from "vitest";
import { TOKEN, type TestServer } from "../server/test/harness.js";

/** A real JPEG (drawn and encoded by the browser), uploaded through POST /api/media like the desk does. */
export async function uploadPhoto(browser: Browser, server: TestServer, width: number, height: number): Promise<{ id: string; width: number; height: number; placeholder: string }> {
  const page = await browser.newPage();
  const dataUrl = await page.evaluate(
    ({ w, h }) => {
      const canvas = Object.assign(document.createElement("canvas"), { width: w, height: h });
      const g = canvas.getContext("2d")!;
      const sky = g.createLinearGradient(0, 0, 0, h);
      sky.addColorStop(0, "#6d7f95");
      sky.addColorStop(1, "#c9b79c");
      g.fillStyle = sky;
      g.fillRect(0, 0, w, h);
      g.fillStyle = "#3b3330";
      for (let x = 0; x < w; x += w / 8) g.fillRect(x, h * (0.45 + ((x * 7) % 5) / 20), w / 10, h);
      return canvas.toDataURL("image/jpeg", 0.85);
    },
    { w: width, h: height },
  );
  await page.close();
  const bytes = Buffer.from(dataUrl.split(",")[1]!, "base64");
  const res = await fetch(`${server.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "image/jpeg" }, body: bytes });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; width: number; height: number; placeholder: string };
}
