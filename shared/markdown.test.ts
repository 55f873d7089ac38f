import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown.js";

describe("renderMarkdown", () => {
  it("renders the Markdown an editor writes", () => {
    expect(renderMarkdown("**Six** missiles shot down\n\n- Dnipro\n- Odesa")).toBe(
      "<p><strong>Six</strong> missiles shot down</p>\n<ul>\n<li>Dnipro</li>\n<li>Odesa</li>\n</ul>",
    );
    expect(renderMarkdown("[Reuters](https://www.reuters.com/)")).toBe(
      '<p><a href="https://www.reuters.com/" rel="nofollow noopener noreferrer ugc" target="_blank">Reuters</a></p>',
    );
  });

  it.each([
    ["script tag", "<script>alert(1)</script>"],
    ["event handler", '<img src=x onerror="alert(1)">'],
    ["javascript: link", "[click](javascript:alert(1))"],
    ["encoded javascript: link", "[click](jav&#x61;script:alert(1))"],
    ["data: link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
    ["svg", "<svg onload=alert(1)><circle/></svg>"],
    ["style injection", '<p style="background:url(javascript:alert(1))">x</p>'],
    ["iframe", '<iframe src="https://evil.example"></iframe>'],
    ["image with javascript", "![x](javascript:alert(1))"],
  ])("renders a %s inert", (_name, body) => {
    // Text may mention anything once escaped; what matters is the markup that remains.
    const tags = renderMarkdown(body).match(/<[^>]*>/g) ?? [];
    for (const tag of tags) {
      expect(tag).toMatch(/^<\/?(p|a|strong|em|br)\b/);
      expect(tag).not.toMatch(/\s(on\w+|style|src)=/i);
      expect(tag).not.toMatch(/href="\s*(javascript|data|vbscript):/i);
    }
  });

  it("renders the same text to the same HTML on every call, so server and editor preview agree", () => {
    const body = "Update at 03:10 — *four floors* on fire in Obolon";
    const expected = "<p>Update at 03:10 — <em>four floors</em> on fire in Obolon</p>";
    // Twice, with another body between: no state carried from one call to the next.
    expect(renderMarkdown(body)).toBe(expected);
    expect(renderMarkdown("[link](https://example.com) **bold** > not a quote")).toBe(
      '<p><a href="https://example.com" rel="nofollow noopener noreferrer ugc" target="_blank">link</a> <strong>bold</strong> &gt; not a quote</p>',
    );
    expect(renderMarkdown(body)).toBe(expected);
  });
});
