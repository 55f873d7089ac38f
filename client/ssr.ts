import { render } from "svelte/server";
import AskPage from "./reader/AskPage.svelte";
import EmbedPage from "./embed/EmbedPage.svelte";
import HistoryPage from "./history/HistoryPage.svelte";
import LivePage from "./reader/LivePage.svelte";
import OlderPage from "./reader/OlderPage.svelte";
import StoryList from "./reader/StoryList.svelte";
import TickerStrip from "./ticker/TickerStrip.svelte";
import UpdatePage from "./reader/UpdatePage.svelte";
import type { PageProps } from "./pages.js";

/**
 * The server side of the apps: the same components the browser hydrates, rendered to HTML.
 * Built by `vite build --ssr` into dist/ssr and loaded by the server's page routes.
 */
export const renderers = {
  live: (props: PageProps["live"]) => render(LivePage, { props }),
  older: (props: PageProps["older"]) => render(OlderPage, { props }),
  update: (props: PageProps["update"]) => render(UpdatePage, { props }),
  ticker: (props: PageProps["ticker"]) => render(TickerStrip, { props }),
  history: (props: PageProps["history"]) => render(HistoryPage, { props }),
  list: (props: PageProps["list"]) => render(StoryList, { props }),
  embed: (props: PageProps["embed"]) => render(EmbedPage, { props }),
  ask: (props: PageProps["ask"]) => render(AskPage, { props }),
};

export type Renderers = typeof renderers;
