// The execution UI, ready for live execution (issue 4) and hidden until the page says the backend
// supports it (data-execution-enabled="true" on #notebook-app). Nothing here runs code: a kernel
// module registers an executor and drives the display through the methods below.
//
// Contract for kernel.js (loaded by main.js only when execution is enabled):
//   export function connectKernel(app) { ... }   where `app` has
//     app.notebook                 the model (cells with ids, in order)
//     app.view.cellView(id)        a CellView: .outputArea (for outputs.js), .cell
//     app.outputs                  {appendOutput, clearOutput, updateDisplay, renderOutput}
//     app.execution                this ExecutionUI
//     app.saveNow()                Promise<boolean>: flush unsaved edits before a run
//   and calls app.execution.enable({runCells(cells), runAll({restart}), interrupt(), restart(), shutdown(),
//   cleanRun()})
//   once connected. Then, per event: cellQueued(id, position), cellRunning(id, startedAt),
//   cellFinished(id, {status, durationMs, executionCount, message, truncated}), setKernelStatus(state,
//   detail) for the kernel indicator, and notice(text, actions) for messages that need the user.

const KERNEL_LABELS = {
  disconnected: "Kernel: not connected",
  connecting: "Kernel: connecting…",
  starting: "Kernel: starting…",
  idle: "Kernel: idle",
  busy: "Kernel: busy",
  dead: "Kernel: died",
  culled: "Kernel: stopped (idle)",
  lost: "Kernel: lost",
  unavailable: "Kernel: unavailable",
  shutdown: "Kernel: shut down",
  off: "Kernel: not started (the first run starts one)",
};
const FINISHED_LABELS = {
  ok: "Finished",
  error: "Error",
  interrupted: "Interrupted",
  timed_out: "Timed out",
  kernel_died: "Kernel died",
  lost: "Lost",
};

/** A row of buttons for a notice: `actions` [{label, run(button)}]. */
export function actionButtons(actions) {
  const row = document.createElement("div");
  for (const { label, run } of actions) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary";
    button.textContent = label;
    button.addEventListener("click", () => run(button));
    row.append(button);
  }
  return row;
}

function formatDuration(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export class ExecutionUI {
  constructor({ root, view }) {
    this.root = root;
    this.view = view;
    this.toolbar = root.querySelector("#run-toolbar");
    this.kernelStatus = root.querySelector("#kernel-status");
    this.noticeBox = root.querySelector("#kernel-notice");
    this.executor = null;
    this.running = new Map(); // cell id -> start time (ms since epoch)
    this.ticker = null;
    this.toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-run]");
      if (button && this.executor) this.toolbarAction(button.dataset.run);
    });
  }

  get enabled() {
    return Boolean(this.executor);
  }

  /** Show the run UI and route Shift+Enter on code cells to `executor`. */
  enable(executor) {
    this.executor = executor;
    this.view.executor = executor;
    this.toolbar.hidden = false;
    this.root.classList.add("execution-enabled"); // CSS shows the per-cell run buttons
    this.setKernelStatus("idle");
  }

  toolbarAction(name) {
    const cells = this.view.notebook.cells;
    const index = Math.max(0, cells.indexOf(this.view.selected));
    const code = (list) => list.filter((cell) => cell.cell_type === "code");
    switch (name) {
      case "cell":
        if (this.view.selected) this.view.run(this.view.selected, { advance: true });
        break;
      case "all":
        this.executor.runAll();
        break;
      case "above":
        this.executor.runCells(code(cells.slice(0, index)));
        break;
      case "below":
        this.executor.runCells(code(cells.slice(index)));
        break;
      case "interrupt":
        this.executor.interrupt();
        break;
      case "restart":
        if (window.confirm("Restart the kernel? All variables will be lost.")) this.executor.restart();
        break;
      case "restart-all":
        if (window.confirm("Restart the kernel and run every cell from the top? All variables will be lost.")) this.executor.runAll({ restart: true });
        break;
      case "clean":
        this.executor.cleanRun();
        break;
      case "shutdown":
        if (window.confirm("Shut the kernel down? All variables will be lost; the next run starts a new kernel.")) this.executor.shutdown();
        break;
      default:
        break;
    }
  }

  setKernelStatus(state, detail = "") {
    this.kernelStatus.hidden = false;
    this.kernelStatus.dataset.state = state;
    this.kernelStatus.textContent = (KERNEL_LABELS[state] || `Kernel: ${state}`) + (detail ? ` — ${detail}` : "");
  }

  cellQueued(cellId, position) {
    const view = this.view.cellView(cellId);
    if (!view) return;
    view.setExecutionCount("*");
    view.setState("queued", Number.isInteger(position) ? `Queued (position ${position})` : "Queued");
  }

  cellRunning(cellId, startedAt = Date.now()) {
    const view = this.view.cellView(cellId);
    if (!view) return;
    view.setExecutionCount("*");
    this.running.set(cellId, startedAt);
    this.tick();
    if (!this.ticker) this.ticker = setInterval(() => this.tick(), 200);
  }

  cellFinished(cellId, { status = "ok", durationMs = null, executionCount = null, message = "", truncated = false } = {}) {
    this.running.delete(cellId);
    const view = this.view.cellView(cellId);
    if (!view) return;
    view.setExecutionCount(executionCount);
    const label = FINISHED_LABELS[status] || status;
    let text = durationMs === null ? label : `${label} in ${formatDuration(durationMs)}`;
    if (message) text += ` — ${message}`;
    if (truncated) text += " — output truncated";
    view.setState(status === "ok" ? "finished" : "failed", text);
  }

  /** A cell that will not run after all (the request was refused): back to no state. */
  cellNotRun(cellId, reason) {
    this.running.delete(cellId);
    const view = this.view.cellView(cellId);
    if (!view) return;
    view.setExecutionCount(view.cell.execution_count);
    view.setState("failed", `Not run — ${reason}`);
  }

  /** A message above the cells (caps, lost connection); `actions`: [{label, run()}] buttons. */
  notice(text, actions = []) {
    if (!text) {
      this.noticeBox.hidden = true;
      this.noticeBox.replaceChildren();
      return;
    }
    const paragraph = document.createElement("p");
    paragraph.textContent = text;
    const row = actionButtons(actions);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "icon-button";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "✕";
    close.addEventListener("click", () => this.notice(""));
    row.append(close);
    this.noticeBox.replaceChildren(paragraph, row);
    this.noticeBox.hidden = false;
  }

  tick() {
    const now = Date.now();
    for (const [cellId, startedAt] of this.running) {
      const view = this.view.cellView(cellId);
      if (view) view.setState("running", `Running… ${formatDuration(now - startedAt)}`);
      else this.running.delete(cellId);
    }
    if (!this.running.size && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }
}
