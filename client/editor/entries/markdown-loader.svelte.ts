import type { renderMarkdown } from "../../../shared/markdown.js";

/**
 * The server's own Markdown renderer and sanitizer (shared/markdown.ts), loaded on first use: it
 * is most of the desk's code, and the sign-in page does not need it.
 */
let render = $state.raw<typeof renderMarkdown | undefined>();
let failed = $state(false);
let loading: Promise<void> | undefined;

export function markdownRenderer(): { readonly render: typeof renderMarkdown | undefined; readonly failed: boolean } {
  loading ??= import("../../../shared/markdown.js").then(
    (module) => {
      render = module.renderMarkdown;
      failed = false;
    },
    () => {
      failed = true;
      loading = undefined; // try again next time a preview appears
    },
  );
  return {
    get render() {
      return render;
    },
    get failed() {
      return failed;
    },
  };
}
