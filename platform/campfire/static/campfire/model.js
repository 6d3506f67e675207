// The notebook as the editor holds it: metadata, ordered cells, the server version it is based on,
// and a change counter that autosave compares against what the server has acknowledged.
// Outputs belong to the execution path; the client only ever asks to clear them ("outputs": []).

const CELL_TYPES = new Set(["code", "markdown", "raw"]);

// nbformat 4.5 cell ids: 1-64 characters of [a-zA-Z0-9-_]; Jupyter makes 8 hex digits.
export function newCellId(taken) {
  for (;;) {
    const id = crypto.randomUUID().replace(/-/g, "").slice(0, 8);
    if (!taken.has(id)) return id;
  }
}

export class Cell {
  constructor({ id, cell_type, source = "", metadata = {}, outputs = [], execution_count = null, attachments, displays = {} }) {
    if (!CELL_TYPES.has(cell_type)) throw new Error(`unknown cell type ${JSON.stringify(cell_type)}`);
    this.id = id;
    this.cell_type = cell_type;
    this.source = Array.isArray(source) ? source.join("") : String(source);
    this.metadata = metadata && typeof metadata === "object" ? metadata : {};
    this.outputs = cell_type === "code" && Array.isArray(outputs) ? outputs : [];
    this.execution_count = cell_type === "code" ? execution_count ?? null : null;
    this.displays = cell_type === "code" && displays && typeof displays === "object" ? displays : {}; // display id -> output indexes
    this.attachments = attachments;
    this.clearOutputs = false; // send "outputs": [] with the next save
  }

  /** The cell as PATCH sends it (the server keeps outputs by id unless we clear them). */
  toPatch() {
    const body = { id: this.id, cell_type: this.cell_type, source: this.source, metadata: this.metadata };
    // Sent whatever the type now is: a code cell turned markdown must not keep its old outputs
    // on the server (they would come back if it turned into code again).
    if (this.clearOutputs) body.outputs = [];
    return body;
  }
}

export class Notebook extends EventTarget {
  constructor(data) {
    super();
    this.load(data);
  }

  /** Replace everything with a server copy of the notebook (initial page data, or after a conflict). */
  load(data) {
    if (!data || typeof data !== "object" || !Array.isArray(data.cells)) throw new Error("notebook data is missing its cells");
    this.id = data.id;
    this.title = data.title;
    this.visibility = data.visibility;
    this.version = data.version;
    this.owner = data.owner;
    this.metadata = data.metadata || {};
    this.cells = data.cells.map((cell) => new Cell(cell));
    this.changes = 0; // bumped by every local edit
    this.savedChanges = 0; // the `changes` value the server has acknowledged
    this.titleChanged = false;
    this.cellsChanged = false;
  }

  get dirty() {
    return this.changes !== this.savedChanges;
  }

  touch({ title = false, cells = true } = {}) {
    if (title) this.titleChanged = true;
    if (cells) this.cellsChanged = true;
    this.changes += 1;
    this.dispatchEvent(new Event("change"));
  }

  indexOf(cell) {
    return this.cells.indexOf(cell);
  }

  cellById(id) {
    return this.cells.find((cell) => cell.id === id) || null;
  }

  newCell(cell_type, source = "") {
    return new Cell({ id: newCellId(new Set(this.cells.map((c) => c.id))), cell_type, source });
  }

  insert(cell, index) {
    this.cells.splice(Math.max(0, Math.min(index, this.cells.length)), 0, cell);
    this.touch();
  }

  remove(cell) {
    const index = this.cells.indexOf(cell);
    if (index === -1) return -1;
    this.cells.splice(index, 1);
    this.touch();
    return index;
  }

  /** Move `cell` so that it ends up at `index` (in the list without it). */
  moveTo(cell, index) {
    const from = this.cells.indexOf(cell);
    if (from === -1 || index < 0 || index >= this.cells.length || index === from) return false;
    this.cells.splice(from, 1);
    this.cells.splice(index, 0, cell);
    this.touch();
    return true;
  }

  setType(cell, cell_type) {
    if (!CELL_TYPES.has(cell_type)) throw new Error(`unknown cell type ${JSON.stringify(cell_type)}`);
    if (cell.cell_type === cell_type) return false;
    // Always, not only when `outputs` is non-empty here: live outputs arrive in the output area,
    // not in this model, and must not survive on the server either.
    if (cell.cell_type === "code") cell.clearOutputs = true;
    cell.cell_type = cell_type;
    cell.outputs = [];
    cell.execution_count = null;
    this.touch();
    return true;
  }

  /** Drop a code cell's outputs and execution count, here and (with the next save) on the server. */
  clearCellOutputs(cell) {
    if (cell.cell_type !== "code") return false;
    cell.clearOutputs = true;
    cell.outputs = [];
    cell.execution_count = null;
    this.touch();
    return true;
  }

  /**
   * A snapshot of what to send, taken when a save starts; `acknowledge(snapshot, response)` applies
   * the server's answer to exactly those cells even if the user edited or reordered meanwhile.
   */
  snapshot() {
    const body = { version: this.version };
    if (this.titleChanged) body.title = this.title;
    const cells = this.cellsChanged ? [...this.cells] : null;
    if (cells) body.cells = cells.map((cell) => cell.toPatch());
    return { body, cells, changes: this.changes, titleChanged: this.titleChanged, cellsChanged: this.cellsChanged };
  }

  acknowledge(snapshot, response) {
    this.version = response.version;
    this.savedChanges = snapshot.changes;
    if (snapshot.titleChanged && this.changes === snapshot.changes) this.titleChanged = false;
    if (snapshot.cellsChanged && this.changes === snapshot.changes) this.cellsChanged = false;
    if (snapshot.cells && Array.isArray(response.cells) && response.cells.length === snapshot.cells.length) {
      snapshot.cells.forEach((cell, i) => {
        const server = response.cells[i];
        if (cell.clearOutputs && snapshot.body.cells[i].outputs) cell.clearOutputs = false;
        if (server && server.id && server.id !== cell.id) {
          const old = cell.id;
          cell.id = server.id; // the server renamed an id it could not accept
          this.dispatchEvent(new CustomEvent("cell-id", { detail: { cell, old } }));
        }
      });
    }
  }

  /** Everything needed to keep a copy of this notebook as a new one (conflict: "keep mine"). */
  toNewNotebook(title) {
    return { title, cells: this.cells.map((cell) => ({ cell_type: cell.cell_type, source: cell.source })) };
  }
}
