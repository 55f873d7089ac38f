import { hydrate } from "svelte";
import "../styles/base.css";
import { embeddedProps } from "../pages.js";
import UpdatePage from "../reader/UpdatePage.svelte";

hydrate(UpdatePage, { target: document.getElementById("app")!, props: embeddedProps<"update">() });
