import { DEFAULT_LANGUAGE, textDirection } from "../../shared/language.js";
import type { EntryAssets } from "./client-build.js";

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element: no `</script>` or `<!--` can end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export interface DocumentParts {
  title: string;
  description?: string;
  canonicalUrl?: string;
  /** Extra `<head>` markup, already escaped (Open Graph, JSON-LD, Svelte's head). */
  head?: string;
  /** The server-rendered app. */
  body: string;
  assets: EntryAssets;
  /** Props the browser hydrates with; omitted for pages without a script. */
  props?: unknown;
  /** The page's language (BCP 47); DEFAULT_LANGUAGE when absent. It also decides `dir`. */
  lang?: string | undefined;
  /** More attributes of `<html>`, already escaped (see themeAttributes). */
  htmlAttributes?: string;
}

/**
 * The `<html>` attributes that force a colour theme (the embed's ?theme=; otherwise the reader's
 * system decides) and set inline custom properties (an embedder's accent colour, already validated).
 */
export function themeAttributes({ theme, style }: { theme?: "light" | "dark"; style?: string }): string {
  return `${theme ? ` data-theme="${theme}"` : ""}${style ? ` style="${escapeHtml(style)}"` : ""}`;
}

/**
 * The HTML document around a server-rendered app. Its only inline `<script>` elements are data
 * blocks (the props, JSON-LD), which a browser never runs, so the CSP needs no nonce or hash for
 * them and the document is the same for every reader (server/http/security-headers.ts).
 */
export function htmlDocument(parts: DocumentParts): string {
  const { title, description, canonicalUrl, head = "", body, assets, props, lang = DEFAULT_LANGUAGE, htmlAttributes = "" } = parts;
  return `<!doctype html>
<html lang="${escapeHtml(lang)}" dir="${textDirection(lang)}"${htmlAttributes}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
${description ? `<meta name="description" content="${escapeHtml(description)}">\n` : ""}${canonicalUrl ? `<link rel="canonical" href="${escapeHtml(canonicalUrl)}">\n` : ""}${assets.styles.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join("\n")}
${assets.preloads.map((href) => `<link rel="modulepreload" href="${escapeHtml(href)}">`).join("\n")}
${assets.script ? `<script type="module" src="${escapeHtml(assets.script)}"></script>` : ""}
${head}
</head>
<body>
<div id="app">${body}</div>
${props === undefined ? "" : `<script type="application/json" id="page-props">${scriptJson(props)}</script>`}
</body>
</html>`;
}
