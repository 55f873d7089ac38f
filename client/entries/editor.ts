import "../styles/base.css";
import { mount } from "svelte";
import Desk from "../editor/Desk.svelte";

mount(Desk, { target: document.getElementById("app")! });
