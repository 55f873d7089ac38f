import { describe, expect, it } from "vitest";
import { NPM_START, startCommandOf } from "./start-command.js";

describe("how npm start runs the server, as the bench's nodes take it", () => {
  it("reads the environment and Node's flags of the script's last command", () => {
    expect(startCommandOf("npm run build && A_B=2 C_=131072 tsx --x=16 --y server/main.ts --demo")).toEqual({ env: { A_B: "2", C_: "131072" }, execArgv: ["--x=16", "--y"] });
    expect(startCommandOf("tsx server/main.ts")).toEqual({ env: {}, execArgv: [] });
  });

  it("refuses a command that does not run tsx, rather than benchmarking without the flags", () => {
    expect(() => startCommandOf("npm run build && node server/main.js")).toThrow(/should run tsx/);
  });

  it("finds glibc's malloc settings and the young generation's size in package.json", () => {
    expect(NPM_START.env).toEqual({ MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "131072" });
    expect(NPM_START.execArgv).toEqual(["--min-semi-space-size=16"]);
  });
});
