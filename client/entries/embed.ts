import { hydrate } from "svelte";
import "../styles/base.css";
import EmbedPage from "../embed/EmbedPage.svelte";
import { embeddedProps } from "../pages.js";
import { withRenderedHtml } from "../lib/rendered-html.js";

// The list's page data carries no HTML of the bodies it shows: they are in the page already.
const props = embeddedProps<"embed">();
const snapshot = withRenderedHtml(props.snapshot, (id) => document.querySelector(`.body[data-entry="${id}"]`));
hydrate(EmbedPage, { target: document.getElementById("app")!, props: { ...props, snapshot } });

// Tell the host page (embed.js) how tall the widget is, whenever that changes. The height is no
// secret, so any parent may read it; embed.js checks that the message comes from this origin.
let reported = 0;
new ResizeObserver(() => {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height === reported || window.parent === window) return;
  reported = height;
  window.parent.postMessage({ type: "live-ticker:height", height }, "*");
}).observe(document.documentElement);
