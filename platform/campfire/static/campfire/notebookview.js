// The list of cells on the page and every structural action on it: selection, command/edit mode,
// insert, delete (undoable with `z`), move, change type, and "run" (markdown renders; code cells
// go to the executor that live execution registers; without one, nothing pretends to run).

import { CellView } from "./cellview.js";
import { readSetting, writeSetting } from "./settings.js";

export class NotebookView {
  /**
   * notebook: model Notebook; container: the cells list element; readOnly: no editing at all;
   * renderMarkdown(source, attachments) -> Promise<html>; initialMarkdown: Map cell id -> html;
   * announce(text): say something in the page's live region; save(): save now.
   */
  constructor({ notebook, container, readOnly, renderMarkdown, initialMarkdown, announce, save }) {
    this.notebook = notebook;
    this.container = container;
    this.readOnly = readOnly;
    this.renderMarkdownHTML = renderMarkdown;
    this.announce = announce;
    this.save = save;
    this.views = new Map(); // Cell -> CellView
    this.selected = null;
    this.mode = "command";
    this.executor = null; // {runCells(cells): Promise} registered by live execution
    this.assist = null; // {complete(code, cursor), inspect(code, cursor)}: the kernel's, registered by live execution
    this.checker = null; // (cell) -> true when it runs the cell itself (tutorial exercises: run, then check)
    this.cellDecorator = null; // (cellView) -> void, for every cell view made from now on (tutorial.js)
    this.deleted = []; // undo stack of {cell, index}
    this.lineNumbers = readSetting("campfire.lineNumbers") === "on";
    this.build(initialMarkdown || new Map());
    this.bindEvents();
  }

  // ---- building ----

  makeView(cell) {
    const view = new CellView(cell, {
      readOnly: this.readOnly,
      lineNumbers: () => this.lineNumbers,
      keys: (v) => this.editorKeys(v),
      onEdit: (v, text) => {
        v.cell.source = text;
        this.notebook.touch();
      },
      onFocus: (v) => this.enterEdit(v.cell, { focus: false }),
      renderMarkdown: (source, attachments) => this.renderMarkdownHTML(source, attachments),
      assist: () => this.assist,
    });
    this.views.set(cell, view);
    if (this.cellDecorator) this.cellDecorator(view);
    return view;
  }

  build(initialMarkdown) {
    for (const view of this.views.values()) view.destroy();
    this.views.clear();
    this.deleted = [];
    for (const cell of this.notebook.cells) {
      const view = this.makeView(cell);
      this.container.append(view.element);
      if (cell.cell_type === "markdown") {
        if (initialMarkdown.has(cell.id)) view.showRendered(initialMarkdown.get(cell.id), cell.source);
        else view.render();
      }
    }
    this.selected = null;
    this.select(this.notebook.cells[0] || null, { scroll: false, focus: false });
    this.updateEmpty();
  }

  /** Replace everything with another copy of the notebook (after a conflict: "reload newer"). */
  reload(initialMarkdown) {
    this.container.replaceChildren();
    this.build(initialMarkdown || new Map());
  }

  updateEmpty() {
    this.container.classList.toggle("is-empty", this.notebook.cells.length === 0);
  }

  viewOf(cell) {
    return cell ? this.views.get(cell) || null : null;
  }

  /** For live execution: the view of a cell by its id. */
  cellView(id) {
    return this.viewOf(this.notebook.cellById(id));
  }

  // ---- selection and modes ----

  select(cell, { scroll = true, focus = true } = {}) {
    if (this.selected && this.viewOf(this.selected)) this.viewOf(this.selected).element.classList.remove("selected");
    this.selected = cell;
    const view = this.viewOf(cell);
    if (!view) return;
    view.element.classList.add("selected");
    if (focus && this.mode === "command") view.element.focus({ preventScroll: true });
    if (scroll) view.element.scrollIntoView({ block: "nearest" });
  }

  selectOffset(delta) {
    const index = this.notebook.indexOf(this.selected);
    const next = this.notebook.cells[index + delta];
    if (next) this.select(next);
  }

  setMode(mode) {
    this.mode = mode;
    this.container.dataset.mode = mode;
  }

  enterEdit(cell, { where = "keep", focus = true } = {}) {
    if (!cell) return;
    // Read-only: code can still be selected and copied; markdown stays rendered.
    if (this.readOnly && cell.cell_type === "markdown") return;
    if (this.selected !== cell) this.select(cell, { focus: false });
    this.setMode("edit");
    if (focus) this.viewOf(cell).focusEditor(where);
  }

  enterCommand() {
    this.setMode("command");
    const view = this.viewOf(this.selected);
    if (view) {
      view.blurEditor();
      view.element.focus({ preventScroll: true });
    }
  }

  editorKeys(view) {
    return {
      run: () => this.run(view.cell, { advance: true }),
      runInPlace: () => this.run(view.cell, {}),
      runInsertBelow: () => this.run(view.cell, { insertBelow: true }),
      escape: () => this.enterCommand(),
      save: () => this.save(),
      exitUp: () => this.editNeighbour(view.cell, -1),
      exitDown: () => this.editNeighbour(view.cell, +1),
    };
  }

  // Arrow keys at the first/last line move into the neighbouring cell's editor, as in Jupyter.
  editNeighbour(cell, delta) {
    const next = this.notebook.cells[this.notebook.indexOf(cell) + delta];
    if (!next || next.cell_type === "markdown") return false;
    this.enterEdit(next, { where: delta < 0 ? "end" : "start" });
    return true;
  }

  /** `l` in command mode: line numbers on or off in every cell (remembered in this browser). */
  toggleLineNumbers() {
    this.lineNumbers = !this.lineNumbers;
    writeSetting("campfire.lineNumbers", this.lineNumbers ? "on" : "off");
    for (const view of this.views.values()) if (view.editor) view.editor.setLineNumbers(this.lineNumbers);
    this.announce(this.lineNumbers ? "Line numbers on." : "Line numbers off.");
  }

  // ---- structure ----

  insert(where, cellType = "code", { edit = false } = {}) {
    if (this.readOnly) return null;
    const anchor = this.selected;
    const index = anchor ? this.notebook.indexOf(anchor) + (where === "above" ? 0 : 1) : this.notebook.cells.length;
    const cell = this.notebook.newCell(cellType);
    this.notebook.insert(cell, index);
    const view = this.makeView(cell);
    if (cellType === "markdown") view.unrender();
    const following = this.notebook.cells[index + 1];
    this.container.insertBefore(view.element, following ? this.viewOf(following).element : null);
    this.updateEmpty();
    if (edit) this.enterEdit(cell, { where: "start" });
    else this.select(cell);
    return cell;
  }

  appendCell(cellType) {
    this.select(this.notebook.cells[this.notebook.cells.length - 1] || null, { focus: false });
    return this.insert("below", cellType, { edit: true });
  }

  delete(cell = this.selected) {
    if (this.readOnly || !cell) return;
    const index = this.notebook.remove(cell);
    if (index === -1) return;
    this.deleted.push({ cell, index });
    this.viewOf(cell).destroy();
    this.views.delete(cell);
    this.updateEmpty();
    this.setMode("command");
    this.select(this.notebook.cells[Math.min(index, this.notebook.cells.length - 1)] || null);
    this.announce("Cell deleted. Press Z in command mode to undo.");
  }

  undoDelete() {
    if (this.readOnly) return;
    const entry = this.deleted.pop();
    if (!entry) {
      this.announce("Nothing to undo.");
      return;
    }
    const { cell } = entry;
    // The server dropped the cell's stored outputs when the deletion was saved; show it without them.
    cell.outputs = [];
    cell.execution_count = null;
    const index = Math.min(entry.index, this.notebook.cells.length);
    this.notebook.insert(cell, index);
    const view = this.makeView(cell);
    const following = this.notebook.cells[index + 1];
    this.container.insertBefore(view.element, following ? this.viewOf(following).element : null);
    if (cell.cell_type === "markdown") view.render();
    this.updateEmpty();
    this.select(cell);
    this.announce("Cell restored.");
  }

  move(delta, cell = this.selected) {
    if (cell) this.moveTo(cell, this.notebook.indexOf(cell) + delta);
  }

  moveTo(cell, index) {
    if (this.readOnly || !cell || !this.notebook.moveTo(cell, index)) return;
    const element = this.viewOf(cell).element;
    const following = this.notebook.cells[this.notebook.indexOf(cell) + 1];
    this.container.insertBefore(element, following ? this.viewOf(following).element : null);
    this.select(cell);
    if (this.mode === "edit") this.viewOf(cell).focusEditor();
  }

  setType(cellType, cell = this.selected) {
    if (this.readOnly || !cell) return;
    const view = this.viewOf(cell);
    if (!this.notebook.setType(cell, cellType)) return;
    view.typeChanged();
    if (cellType === "markdown" && this.mode === "command") view.render();
  }

  clearOutputs(cell = this.selected) {
    if (this.readOnly || !cell || !this.notebook.clearCellOutputs(cell)) return;
    const view = this.viewOf(cell);
    view.outputArea.clearNow();
    view.setExecutionCount(null);
    view.setState(null);
  }

  /** Every code cell's outputs, here and (with the next save) on the server. */
  clearAllOutputs() {
    if (this.readOnly) return;
    for (const cell of this.notebook.cells) this.clearOutputs(cell);
    this.announce("All outputs cleared.");
  }

  // ---- running ----

  /**
   * Shift+Enter (advance), Ctrl+Enter (in place), Alt+Enter (insertBelow). Markdown renders; code
   * runs when live execution has registered an executor; raw cells only move on.
   */
  run(cell = this.selected, { advance = false, insertBelow = false } = {}) {
    if (!cell) return;
    const view = this.viewOf(cell);
    if (cell.cell_type === "markdown") view.render();
    if (cell.cell_type === "code" && this.executor && !(this.checker && this.checker(cell))) this.executor.runCells([cell]);
    if (insertBelow) {
      this.select(cell, { focus: false });
      this.insert("below", "code", { edit: true });
      return;
    }
    if (advance) {
      const next = this.notebook.cells[this.notebook.indexOf(cell) + 1];
      if (next) {
        this.setMode("command");
        view.blurEditor();
        this.select(next);
      } else if (!this.readOnly) {
        this.insert("below", "code", { edit: true });
      } else {
        this.enterCommand();
      }
      return;
    }
    this.enterCommand();
  }

  // ---- DOM events ----

  bindEvents() {
    this.container.addEventListener("click", (event) => {
      const element = event.target.closest(".cell");
      if (!element || !element.cellView) return;
      const view = element.cellView;
      // Only our own controls: outputs and markdown are user content, never dispatch targets.
      const button = event.target.closest(".cell-toolbar button[data-action], .cell-gutter button[data-action]");
      if (button && element.contains(button)) {
        this.select(view.cell, { focus: false });
        this.action(button.dataset.action, view.cell);
        return;
      }
      if (!event.target.closest(".cell-editor, .cell-toolbar")) {
        if (this.mode === "edit" && this.selected !== view.cell) this.setMode("command");
        this.select(view.cell, { scroll: false, focus: this.mode === "command" });
      }
    });
    // Focus on a cell itself (not its editor) is command mode: Tab, clicks, Escape all land here.
    this.container.addEventListener("focusin", (event) => {
      if (!event.target.matches(".cell") || !event.target.cellView) return;
      this.setMode("command");
      if (this.selected !== event.target.cellView.cell) this.select(event.target.cellView.cell, { scroll: false, focus: false });
    });
    this.container.addEventListener("dblclick", (event) => {
      const element = event.target.closest(".cell");
      if (!element || !element.cellView || this.readOnly) return;
      if (event.target.closest(".cell-rendered")) this.enterEdit(element.cellView.cell, { where: "end" });
    });
    this.container.addEventListener("change", (event) => {
      if (!event.target.matches(".cell-type")) return;
      const element = event.target.closest(".cell");
      if (element && element.cellView) this.setType(event.target.value, element.cellView.cell);
    });
  }

  action(name, cell) {
    switch (name) {
      case "move-up": return this.move(-1, cell);
      case "move-down": return this.move(+1, cell);
      case "insert-above": return this.insert("above", "code", { edit: true });
      case "insert-below": return this.insert("below", "code", { edit: true });
      case "delete": return this.delete(cell);
      case "clear-outputs": return this.clearOutputs(cell);
      case "run-cell": return this.run(cell, {});
      default: return undefined;
    }
  }
}
