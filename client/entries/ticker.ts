import { hydrate } from "svelte";
import "../styles/base.css";
import { embeddedProps } from "../pages.js";
import TickerStrip from "../ticker/TickerStrip.svelte";

hydrate(TickerStrip, { target: document.getElementById("app")!, props: embeddedProps<"ticker">() });
