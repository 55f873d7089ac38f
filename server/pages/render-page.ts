import type { Response } from "express";
import type { PageName, PageProps } from "../../client/pages.js";
import type { Renderers } from "../../client/ssr.js";
import type { ClientBuild } from "./client-build.js";
import { htmlDocument } from "./document.js";

/** A page without a bundle of its own takes another's styles. */
const STYLES_OF: Partial<Record<PageName, PageName>> = { older: "live", ask: "live" };

/** A reader's page: its component rendered on the server into the document, with the props to hydrate with when `hydrate`. */
export function page<P extends keyof Renderers>(
  build: ClientBuild,
  name: P,
  props: PageProps[P],
  meta: { title: string; description?: string; canonicalUrl?: string; head?: string },
  hydrate = true,
  embedded: PageProps[P] = props,
): string {
  const rendered = build.renderers[name](props as never);
  return htmlDocument({
    ...meta,
    head: `${meta.head ?? ""}\n${rendered.head}`,
    body: rendered.body,
    assets: build.assets(STYLES_OF[name] ?? name, hydrate),
    ...(hydrate ? { props: embedded } : {}),
    lang: props.lang, // one value for <html lang> and the language the components write times in
  });
}

/** Pages that are not kept by shared caches (the list, which any story's change alters; a 404). */
export function send(res: Response, status: number, html: string): void {
  res.status(status).setHeader("Cache-Control", "no-cache").type("html").send(html);
}
