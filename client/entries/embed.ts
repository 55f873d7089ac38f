import { hydrate } from "svelte";
import "../styles/base.css";
import EmbedPage from "../embed/EmbedPage.svelte";
import { embeddedProps } from "../pages.js";

hydrate(EmbedPage, { target: document.getElementById("app")!, props: embeddedProps<"embed">() });

// Tell the host page (embed.js) how tall the widget is, whenever that changes. The height is no
// secret, so any parent may read it; embed.js checks that the message comes from this origin.
let reported = 0;
new ResizeObserver(() => {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height === reported || window.parent === window) return;
  reported = height;
  window.parent.postMessage({ type: "live-ticker:height", height }, "*");
}).observe(document.documentElement);
