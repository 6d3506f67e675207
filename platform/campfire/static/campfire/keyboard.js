// Jupyter's command-mode keys, active when focus is on a cell (not in its editor) or on the page
// body. Edit-mode keys (Shift/Ctrl/Alt+Enter, Escape, arrows at the edges) live in codeeditor.js.
// Ctrl/Cmd+S saves in both modes.

const DOUBLE_KEY_MS = 700; // the window for "d d"

function isTyping(target) {
  return Boolean(target.closest && target.closest("input, textarea, select, [contenteditable], .cm-editor, dialog"));
}

export function bindCommandKeys({ root, view, save, help, readOnly, contents = null }) {
  let lastD = 0;
  document.addEventListener("keydown", (event) => {
    const mod = event.ctrlKey || event.metaKey;
    if (mod && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      save();
      return;
    }
    if (event.defaultPrevented || isTyping(event.target)) return;
    // Command mode needs focus on a cell, the cell list or nothing in particular (body).
    const target = event.target;
    if (!(target === document.body || target === document.documentElement || root.contains(target))) return;
    if (target.closest && target.closest("button, a, summary, iframe")) {
      if (event.key === "Enter" || event.key === " ") return; // let buttons and links work
    }
    const key = event.key;
    const handled = handle(key, event);
    if (handled) event.preventDefault();
  });

  function handle(key, event) {
    const mod = event.ctrlKey || event.metaKey;
    if (key !== "d") lastD = 0;
    if (key === "Enter") {
      if (event.shiftKey) view.run(view.selected, { advance: true });
      else if (mod) view.run(view.selected, {});
      else if (event.altKey) view.run(view.selected, { insertBelow: true });
      else view.enterEdit(view.selected, { where: "end" });
      return true;
    }
    if (mod || event.altKey) return false;
    switch (key) {
      case "ArrowDown":
      case "j":
        view.selectOffset(+1);
        return true;
      case "ArrowUp":
      case "k":
        view.selectOffset(-1);
        return true;
      case "h":
        help();
        return true;
      case "l":
        view.toggleLineNumbers();
        return true;
      case "t":
        if (!contents) return false;
        contents(); // the table of contents (toc.js)
        return true;
      case "Escape":
        view.enterCommand();
        return true;
      default:
        break;
    }
    if (readOnly) return false;
    switch (key) {
      case "a":
        view.insert("above", "code");
        return true;
      case "b":
        view.insert("below", "code");
        return true;
      case "d": {
        const now = Date.now();
        if (now - lastD < DOUBLE_KEY_MS) {
          lastD = 0;
          view.delete();
        } else {
          lastD = now;
        }
        return true;
      }
      case "z":
        view.undoDelete();
        return true;
      case "m":
        view.setType("markdown");
        return true;
      case "y":
        view.setType("code");
        return true;
      case "r":
        view.setType("raw");
        return true;
      default:
        return false;
    }
  }
}
