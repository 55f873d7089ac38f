import type { QuestionChangedMessage, QuestionsStateMessage } from "../../../shared/desk-protocol.js";
import type { Question } from "../../../shared/questions.js";
import type { EditorApi } from "../api.js";
import type { DeskSocket } from "../desk-socket.js";

/** The newest questions kept on screen: the server lists 200; a flood beyond that scrolls out. */
const KEPT = 200;

/**
 * A story's reader questions on the desk (issue 36), pushed over the desk's live channel as they
 * arrive, are folded or are moderated (no polling): the list is fetched over HTTP at each
 * (re)connection, the channel's messages are applied on top, the newer of two copies winning.
 */
export class QuestionsFeed {
  questions = $state.raw<Question[]>([]);
  open = $state(true);
  pending = $state(0);
  loaded = $state(false);
  error = $state<unknown>();

  constructor(
    private readonly storyId: string,
    private readonly api: EditorApi,
    /** A new question arrived (said in the desk's live region). */
    private readonly onarrived: (question: Question) => void,
  ) {}

  /** Listens on the desk's channel (the drafts feed's socket, which follows the story). */
  attach(socket: DeskSocket): void {
    socket.on("connect", () => void this.load());
    socket.on("question:changed", (message: QuestionChangedMessage) => {
      if (message.storyId !== this.storyId) return;
      const known = this.questions.some((q) => q.id === message.question.id);
      this.questions = known
        ? this.questions.map((q) => (q.id === message.question.id ? message.question : q))
        : [message.question, ...this.questions].slice(0, KEPT);
      if (!known) this.onarrived(message.question);
    });
    socket.on("questions:state", (message: QuestionsStateMessage) => {
      if (message.storyId !== this.storyId) return;
      this.open = message.open;
      this.pending = message.pending;
    });
  }

  load = async (): Promise<void> => {
    try {
      const [listed, state] = await Promise.all([this.api.listQuestions(this.storyId), this.api.questionSettings(this.storyId)]);
      this.questions = listed;
      this.open = state.open;
      this.pending = state.pending;
      this.error = undefined;
    } catch (caught) {
      this.error = caught;
    } finally {
      this.loaded = true;
    }
  };
}

/** The question the composer answers, chosen by the queue's "Answer". */
class Answering {
  question = $state.raw<Question>();
}
export const answering = new Answering();
