// Inline rename: the title is an <input> styled as a heading; a change marks the notebook dirty
// and autosave sends it. An empty title is not accepted (the previous one comes back).

export function bindTitle({ input, notebook, readOnly }) {
  input.value = notebook.title;
  input.readOnly = readOnly;
  document.title = `${notebook.title} — Campfire`;
  const commit = () => {
    const value = input.value.trim();
    if (!value) {
      input.value = notebook.title;
      return;
    }
    if (value === notebook.title) return;
    notebook.title = value;
    document.title = `${value} — Campfire`;
    notebook.touch({ title: true, cells: false });
  };
  input.addEventListener("change", commit);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      input.blur();
    } else if (event.key === "Escape") {
      input.value = notebook.title;
      input.blur();
    }
  });
  return {
    refresh() {
      input.value = notebook.title;
      document.title = `${notebook.title} — Campfire`;
    },
  };
}
