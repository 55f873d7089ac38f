/** What a person who ran `npm start` at a terminal needs first: where to look, and how to sign in. */
export interface BannerFacts {
  /** The server's own address, e.g. http://127.0.0.1:8080. */
  url: string;
  /** A story to point the ticker link at; without one the link shows where its id goes. */
  storyId?: string;
  /** The first admin, made at this start, with its one-time password. */
  firstAdmin?: { username: string; password: string };
}

export function startupBanner({ url, storyId, firstAdmin }: BannerFacts): string {
  const lines = [
    "",
    `  live-ticker is running on ${url}`,
    "",
    `  Reader  ${url}/`,
    `  Ticker  ${url}/stories/${storyId ?? "<story-id>"}/ticker`,
    `  Desk    ${url}/editor`,
  ];
  if (firstAdmin) {
    lines.push(
      "",
      `  Sign in to the desk as "${firstAdmin.username}" with this one-time password, then choose your own:`,
      `      ${firstAdmin.password}`,
      "  It is not shown again.",
    );
  }
  return `${lines.join("\n")}\n\n`;
}
