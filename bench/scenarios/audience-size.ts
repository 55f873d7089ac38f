/** One audience: `perStory` readers on each of `stories` stories. */
export interface Audience {
  label: string;
  stories: number;
  perStory: number;
  /** The size the targets are set for: their rows say met or not; other sizes inform. */
  judged: boolean;
}
