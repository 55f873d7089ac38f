import MarkdownIt from "markdown-it";
import sanitizeHtml from "sanitize-html";

// Raw HTML in Markdown is not interpreted at all (html: false); the sanitizer is the second wall,
// so a bug or a future option in the Markdown renderer can never let markup through.
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: true });

const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: [
    "p", "br", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "hr",
  ],
  allowedAttributes: { a: ["href", "title", "rel", "target"], ol: ["start"] },
  allowedSchemes: ["http", "https", "mailto"],
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  transformTags: {
    // Headings inside an entry sit below the story and entry headings.
    h1: "h3",
    h2: "h3",
    h5: "h4",
    h6: "h4",
    a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener noreferrer ugc", target: "_blank" }),
  },
};

/** Markdown as an editor wrote it → HTML that is safe to put in any page. Pure and deterministic. */
export function renderMarkdown(body: string): string {
  return sanitizeHtml(markdown.render(body), sanitizeOptions).trim();
}
