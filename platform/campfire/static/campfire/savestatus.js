// The save indicator next to the title, and the "leave page?" warning while edits are unsaved.

const LABELS = {
  saved: "All changes saved",
  unsaved: "Unsaved changes",
  saving: "Saving…",
  offline: "Offline — retrying",
  conflict: "Not saved: newer version on the server",
  error: "Not saved",
};

export function bindSaveStatus({ element, autosave }) {
  const render = ({ state, detail }) => {
    element.dataset.state = state;
    element.textContent = state === "error" && detail ? `${LABELS.error}: ${detail}` : LABELS[state] || state;
    element.title = detail || "";
  };
  autosave.addEventListener("state", (event) => render(event.detail));
  render({ state: autosave.state, detail: autosave.detail });

  window.addEventListener("beforeunload", (event) => {
    if (!autosave.hasUnsavedWork || autosave.leaving) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers need a value to show the prompt
  });
}
