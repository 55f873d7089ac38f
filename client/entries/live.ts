import { hydrate } from "svelte";
import "../styles/base.css";
import { embeddedProps } from "../pages.js";
import LivePage from "../reader/LivePage.svelte";

hydrate(LivePage, { target: document.getElementById("app")!, props: embeddedProps<"live">() });
