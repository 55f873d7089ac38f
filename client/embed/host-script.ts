/**
 * /embed.js: turns every `<div data-live-ticker="STORY_ID">` on a publisher's page into the live
 * widget, an iframe of /embed/STORY_ID that sizes itself to its content. Runs on other people's
 * pages, so it is tiny, touches nothing but its placeholders, and trusts only messages from the
 * frames it made, from its own origin.
 */
(() => {
  const GLOBAL = "__liveTickerEmbed";
  const host = window as unknown as Record<string, unknown>;
  if (host[GLOBAL]) return (host[GLOBAL] as () => void)(); // pasted twice: one script serves all
  const script = document.currentScript as HTMLScriptElement | null;
  const origin = new URL(script?.src ?? location.href).origin;
  const STORY_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
  const MIN_HEIGHT = 40;
  const MAX_HEIGHT = 4000;
  const frames = new Map<Window, HTMLIFrameElement>();

  window.addEventListener("message", (event) => {
    const frame = event.source && frames.get(event.source as Window);
    const data = event.data as { type?: unknown; height?: unknown } | null;
    if (event.origin !== origin || !frame || data?.type !== "live-ticker:height" || typeof data.height !== "number") return;
    frame.style.height = `${Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.round(data.height)))}px`;
  });

  /**
   * "auto" follows the host page, not the reader's system: a page that declares no color-scheme is
   * drawn light in every mode, so a dark widget there would be a black box on a white page. Only a
   * page that itself offers dark (`color-scheme: light dark`, by meta or CSS) gets the widget that
   * follows the system; one that is dark only gets dark.
   */
  const hostTheme = (placeholder: HTMLElement): string => {
    // CSS (inherited down to the placeholder) wins; the meta tag counts where CSS says nothing.
    const css = getComputedStyle(placeholder).colorScheme;
    const declared = css && css !== "normal" ? css : (document.querySelector<HTMLMetaElement>('meta[name="color-scheme"]')?.content ?? "");
    const light = /\blight\b/.test(declared);
    const dark = /\bdark\b/.test(declared);
    return dark ? (light ? "auto" : "dark") : "light";
  };

  const load = (placeholder: HTMLElement) => {
    const id = placeholder.dataset.liveTicker ?? "";
    const layout = placeholder.dataset.layout === "list" ? "list" : "strip";
    const theme = ["light", "dark"].includes(placeholder.dataset.theme ?? "") ? placeholder.dataset.theme! : hostTheme(placeholder);
    const maxItems = Math.min(50, Math.max(1, Math.floor(Number(placeholder.dataset.maxItems)) || 10));
    // "Ask the newsroom" only where the site opts in: `data-questions` (any value but "false").
    const questions = placeholder.dataset.questions !== undefined && placeholder.dataset.questions !== "false" ? "&questions=1" : "";
    const accent = /^#[0-9a-fA-F]{3,8}$/.test(placeholder.dataset.accent ?? "") ? `&accent=${encodeURIComponent(placeholder.dataset.accent!)}` : "";
    const frame = document.createElement("iframe");
    frame.src = `${origin}/embed/${id}?layout=${layout}&theme=${theme}&maxItems=${maxItems}${accent}${questions}`;
    frame.title = placeholder.textContent?.trim() || "Live updates";
    frame.setAttribute("style", `display:block;width:100%;border:0;height:${layout === "strip" ? 72 : 420}px`);
    // The frame is cross-origin to the host: it gets no access to the host page, the host none to it.
    // Forms only where the site opted in to questions (a sandboxed frame may not submit one otherwise).
    frame.setAttribute("sandbox", `allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox${questions ? " allow-forms" : ""}`);
    placeholder.replaceChildren(frame);
    frames.set(frame.contentWindow!, frame);
  };

  // Connect only when a widget comes near the viewport: a page full of widgets opens few sockets.
  const nearViewport = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        nearViewport.unobserve(entry.target);
        load(entry.target as HTMLElement);
      }
    },
    { rootMargin: "400px" },
  );

  const scan = () => {
    for (const placeholder of document.querySelectorAll<HTMLElement>("[data-live-ticker]")) {
      if (placeholder.dataset.liveTickerState || !STORY_ID.test(placeholder.dataset.liveTicker ?? "")) continue;
      placeholder.dataset.liveTickerState = "waiting";
      nearViewport.observe(placeholder);
    }
  };
  host[GLOBAL] = scan;
  scan();
  // Placeholders added later (single-page sites) are picked up too.
  new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
})();
