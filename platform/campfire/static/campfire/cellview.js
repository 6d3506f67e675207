// The DOM of one cell, built from the <template id="cell-template"> in the editor page: gutter
// (prompt, run button), toolbar, CodeMirror editor, rendered markdown, execution state and outputs.
// A CellView shows a model Cell; the notebook view decides what happens on user actions.
import { createCodeEditor } from "./codeeditor.js";
import { OutputArea } from "./outputs.js";
import { sanitizeToFragment } from "./sanitize.js";

const TYPE_LABELS = { code: "Code", markdown: "Markdown", raw: "Raw" };

export class CellView {
  /**
   * `cell`: the model Cell. `host`: {readOnly, lineNumbers(), keys(cellView) -> editor key handlers,
   * onEdit(cellView, text), onFocus(cellView), renderMarkdown(source, attachments) -> Promise<html>,
   * assist() -> the kernel's completion/help provider or null (assist.js)}.
   */
  constructor(cell, host) {
    this.cell = cell;
    this.host = host;
    const template = document.getElementById("cell-template");
    this.element = template.content.firstElementChild.cloneNode(true);
    this.element.cellView = this;
    this.prompt = this.element.querySelector(".cell-prompt");
    this.typeSelect = this.element.querySelector(".cell-type");
    this.editorHost = this.element.querySelector(".cell-editor");
    this.rendered = this.element.querySelector(".cell-rendered");
    this.state = this.element.querySelector(".cell-state");
    this.outputArea = new OutputArea(this.element.querySelector(".cell-outputs"));
    this.editor = null;
    this.renderedSource = null; // the markdown source the rendered HTML belongs to
    this.renderToken = 0;
    this.syncAttributes();
    if (cell.cell_type === "code") this.outputArea.render(cell.outputs, cell.displays);
    this.setExecutionCount(cell.execution_count);
    if (cell.cell_type !== "markdown") this.ensureEditor();
  }

  syncAttributes() {
    const { cell } = this;
    this.element.dataset.cellId = cell.id;
    this.element.dataset.cellType = cell.cell_type;
    this.typeSelect.value = cell.cell_type;
    this.element.setAttribute("aria-label", `${TYPE_LABELS[cell.cell_type]} cell`);
  }

  ensureEditor() {
    if (this.editor) return this.editor;
    this.editor = createCodeEditor({
      parent: this.editorHost,
      doc: this.cell.source,
      cellType: this.cell.cell_type,
      readOnly: this.host.readOnly,
      lineNumbersOn: this.host.lineNumbers(),
      keys: this.host.keys(this),
      onChange: (text) => this.host.onEdit(this, text),
      onFocus: () => this.host.onFocus(this),
      assist: this.host.assist,
    });
    return this.editor;
  }

  // ---- markdown ----

  get isRendered() {
    return this.cell.cell_type === "markdown" && !this.rendered.hidden;
  }

  /** Show server-rendered HTML (from the page, or from /api/markdown) for `source`. */
  showRendered(html, source) {
    this.rendered.replaceChildren(sanitizeToFragment(html));
    if (!this.cell.source.trim()) {
      const hint = document.createElement("p");
      hint.className = "cell-empty-hint";
      hint.textContent = this.host.readOnly ? "(empty markdown cell)" : "Empty markdown cell: double-click or press Enter to edit.";
      this.rendered.replaceChildren(hint);
    }
    this.renderedSource = source;
    this.rendered.hidden = false;
    this.editorHost.hidden = true;
  }

  /** Render the markdown source through the server; resolves when shown. */
  async render() {
    if (this.cell.cell_type !== "markdown") return;
    const source = this.cell.source;
    if (source === this.renderedSource) {
      this.rendered.hidden = false; // unchanged since the last render: just show it again
      this.editorHost.hidden = true;
      return;
    }
    const token = ++this.renderToken;
    this.element.classList.add("rendering");
    try {
      const html = source.trim() ? await this.host.renderMarkdown(source, this.cell.attachments) : "";
      if (token === this.renderToken) this.showRendered(html, source);
    } catch (error) {
      if (token !== this.renderToken) return;
      this.showRendered("", null);
      const note = document.createElement("p");
      note.className = "cell-render-error";
      note.textContent = `Could not render this cell: ${error.detail || error.message}`;
      this.rendered.replaceChildren(note);
    } finally {
      if (token === this.renderToken) this.element.classList.remove("rendering");
    }
  }

  /** Show the editor (markdown cells start rendered). */
  unrender() {
    this.renderToken += 1;
    this.ensureEditor();
    this.rendered.hidden = true;
    this.editorHost.hidden = false;
  }

  // ---- editing ----

  focusEditor(where) {
    if (this.cell.cell_type === "markdown") this.unrender();
    this.ensureEditor().focus(where);
  }

  blurEditor() {
    if (this.editor) this.editor.blur();
  }

  /** The model's type changed: re-language the editor, drop outputs, re-render prompts. */
  typeChanged() {
    this.syncAttributes();
    this.outputArea.clearNow();
    this.setExecutionCount(null);
    this.setState(null);
    if (this.cell.cell_type === "markdown") {
      this.renderedSource = null;
      this.rendered.replaceChildren();
    } else {
      this.rendered.hidden = true;
      this.editorHost.hidden = false;
    }
    this.ensureEditor().setCellType(this.cell.cell_type);
  }

  /** The model's source was replaced from outside (not typed): update the editor. */
  sourceReplaced() {
    if (this.editor && this.editor.view.state.doc.toString() !== this.cell.source) this.editor.setText(this.cell.source);
  }

  // ---- execution display (driven by execution.js) ----

  /** `[ ]:` never run, `[*]:` queued or running, `[n]:` finished. Only code cells have prompts. */
  setExecutionCount(count) {
    if (this.cell.cell_type !== "code") {
      this.prompt.textContent = "";
      return;
    }
    const shown = count === "*" ? "*" : Number.isInteger(count) ? String(count) : " ";
    this.prompt.textContent = `[${shown}]:`;
  }

  /** Per-cell execution state line; `state` null hides it. */
  setState(state, text = "") {
    if (!state) {
      this.state.hidden = true;
      this.state.textContent = "";
      delete this.element.dataset.execState;
      return;
    }
    this.element.dataset.execState = state;
    this.state.hidden = false;
    this.state.textContent = text;
  }

  destroy() {
    if (this.editor) this.editor.destroy();
    this.outputArea.clearNow();
    this.element.remove();
  }
}
