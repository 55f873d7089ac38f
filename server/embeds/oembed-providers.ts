import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { z } from "zod";
import type { EmbedItem } from "../../shared/media.js";

/**
 * Where a post's oEmbed is asked for: the oembed.com provider registry (`providers.json`, the npm
 * package `oembed-providers`, updated with `npm update oembed-providers`), or the operator's own
 * file in the same format (OEMBED_PROVIDERS). Only the endpoints matter here: a URL matching one of
 * an endpoint's schemes is asked of that endpoint, and the fetcher talks to the endpoint's host alone.
 */
const ProvidersFile = z.array(
  z.object({
    provider_name: z.string(),
    endpoints: z.array(z.object({ schemes: z.array(z.string()).optional(), url: z.string() })),
  }),
);

export interface OembedEndpoint {
  /** The endpoint's URL, `{format}` filled in. */
  url: string;
  schemes: RegExp[];
}

/** A scheme's `*` is any text; the rest is literal. */
const schemeRegex = (scheme: string) => new RegExp(`^${scheme.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);

/** The endpoints of a providers file's text; throws naming the file when it is not one. */
export function parseProviders(json: string, source: string): OembedEndpoint[] {
  const parsed = ProvidersFile.safeParse(JSON.parse(json));
  if (!parsed.success) throw new Error(`${source} is not a providers.json file: ${parsed.error.issues[0]?.message}`);
  return parsed.data.flatMap((provider) =>
    provider.endpoints.map((endpoint) => ({ url: endpoint.url.replace("{format}", "json"), schemes: (endpoint.schemes ?? []).map(schemeRegex) })),
  );
}

/** OEMBED_PROVIDERS's file, or the registry the package ships. */
export function loadProviders(path: string | undefined): OembedEndpoint[] {
  const file = path ?? createRequire(import.meta.url).resolve("oembed-providers/providers.json");
  return parseProviders(readFileSync(file, "utf8"), file);
}

/**
 * The URLs a platform knows `item` by: the canonical one, and for X the twitter.com form the
 * registry still lists its schemes under.
 */
function namesOf(item: Pick<EmbedItem, "provider" | "url">): string[] {
  return item.provider === "x" ? [item.url, item.url.replace(/^https:\/\/x\.com\//, "https://twitter.com/")] : [item.url];
}

/** The oEmbed request URL for `item`, or undefined when no endpoint's scheme matches it. */
export function oembedRequest(endpoints: readonly OembedEndpoint[], item: Pick<EmbedItem, "provider" | "url">, maxWidth: number): URL | undefined {
  for (const name of namesOf(item)) {
    const endpoint = endpoints.find((candidate) => candidate.schemes.some((scheme) => scheme.test(name)));
    if (!endpoint || !URL.canParse(endpoint.url)) continue;
    const request = new URL(endpoint.url);
    request.searchParams.set("url", name);
    request.searchParams.set("format", "json");
    request.searchParams.set("maxwidth", String(maxWidth));
    return request;
  }
  return undefined;
}

/** The operator's Mastodon instances (MASTODON_INSTANCES) as endpoints: each answers oEmbed at /api/oembed. */
export function mastodonEndpoints(hosts: readonly string[] | undefined): OembedEndpoint[] {
  return (hosts ?? []).map((host) => ({ url: `https://${host}/api/oembed`, schemes: [schemeRegex(`https://${host}/@*`)] }));
}
