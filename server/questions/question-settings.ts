/** Operators' settings of readers' questions (docs/reader-questions.md). */
export interface QuestionSettings {
  /** QUESTIONS_PER_ADDRESS: questions one address may ask in ten minutes, over all stories. */
  perAddress: number;
  /** QUESTIONS_PER_STORY_PER_MINUTE: questions one story takes a minute, from everyone. */
  perStoryPerMinute: number;
  /** QUESTIONS_MAX_PENDING: questions waiting for the desk over all stories, past which new ones are refused. */
  maxPending: number;
  /** QUESTIONS_RETENTION_DAYS, in ms: questions older than this are deleted, whatever their state. */
  retentionMs: number;
}
