import { hydrate } from "svelte";
import "../styles/base.css";
import { embeddedProps } from "../pages.js";
import { withRenderedHtml } from "../lib/rendered-html.js";
import LivePage from "../reader/LivePage.svelte";

// The page data carries no entry's HTML: each is in the page already, in its card (EntryCard.svelte).
const props = embeddedProps<"live">();
const snapshot = withRenderedHtml(props.snapshot, (id) => document.getElementById(id)?.querySelector(":scope > .body"));
hydrate(LivePage, { target: document.getElementById("app")!, props: { ...props, snapshot } });
