/** Form plumbing the desk's forms share. No Svelte, no state. */

/** An `onsubmit` handler: the page stays, `action` runs instead. */
export const submitWith =
  (action: () => unknown) =>
  (event: SubmitEvent): void => {
    event.preventDefault();
    void action();
  };

/**
 * An `onkeydown` handler for a whole form: Ctrl/Cmd+Enter in any field saves, Escape cancels
 * (when there is a `cancel`).
 */
export const saveKeys =
  (save: () => unknown, cancel?: () => void) =>
  (event: KeyboardEvent): void => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void save();
    } else if (event.key === "Escape" && cancel) {
      cancel();
    }
  };
