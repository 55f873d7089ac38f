import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { PageName } from "../../client/pages.js";
import type { Renderers } from "../../client/ssr.js";

/** Where `npm run build` puts the apps: browser bundles and the server renderer. */
export const DIST_DIR = resolve(import.meta.dirname, "../../dist");
export const ASSETS_DIR = join(DIST_DIR, "client");

interface ManifestChunk {
  file: string;
  css?: string[];
  imports?: string[];
}

/** The tags a page needs for one app: its script, the chunks it imports (preloaded) and its CSS. */
export interface EntryAssets {
  script?: string;
  preloads: string[];
  styles: string[];
}

/** The built apps, loaded once: throws a clear error when `npm run build` has not been run. */
export class ClientBuild {
  private constructor(
    readonly renderers: Renderers,
    private readonly manifest: Record<string, ManifestChunk>,
  ) {}

  static async load(): Promise<ClientBuild> {
    const manifestFile = join(ASSETS_DIR, ".vite/manifest.json");
    const ssrFile = join(DIST_DIR, "ssr/ssr.js");
    if (!existsSync(manifestFile) || !existsSync(ssrFile)) {
      throw new Error("The client apps are not built: run `npm run build` (npm start does it for you).");
    }
    const { renderers } = (await import(pathToFileURL(ssrFile).href)) as { renderers: Renderers };
    return new ClientBuild(renderers, JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, ManifestChunk>);
  }

  assets(page: PageName, withScript: boolean): EntryAssets {
    const entry = this.manifest[`client/entries/${page}.ts`];
    if (!entry) throw new Error(`No built entry for the ${page} page.`);
    const styles = new Set(entry.css ?? []);
    const preloads: string[] = [];
    const visit = (key: string) => {
      const chunk = this.manifest[key];
      if (!chunk || preloads.includes(chunk.file)) return;
      preloads.push(chunk.file);
      chunk.css?.forEach((css) => styles.add(css));
      chunk.imports?.forEach(visit);
    };
    entry.imports?.forEach(visit);
    return {
      ...(withScript ? { script: `/${entry.file}` } : {}),
      preloads: withScript ? preloads.map((file) => `/${file}`) : [],
      styles: [...styles].map((file) => `/${file}`),
    };
  }
}
