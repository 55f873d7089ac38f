import { hydrate } from "svelte";
import "../styles/base.css";
import { embeddedProps } from "../pages.js";
import HistoryPage from "../history/HistoryPage.svelte";

hydrate(HistoryPage, { target: document.getElementById("app")!, props: embeddedProps<"history">() });
