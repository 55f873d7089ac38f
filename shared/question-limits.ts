/** How long a reader's question and name may be (issue 36): in a module of their own, so the reader's page imports no zod for them. */
export const QUESTION_LIMITS = { text: 500, name: 60 } as const;
