// Clean runs in the editor: the saved notebook top to bottom in a fresh kernel of its own (POST
// /api/notebooks/<id>/clean-runs), leaving the live kernel alone. Its progress comes over its own
// WebSocket (ws/runs/<execution>/) into one status line under the toolbar; when it ends, the cells it
// ran show the outputs it stored. A reload picks up a run still under way (GET …/clean-runs).
import { ApiError, apiFetch } from "./api.js";
import { actionButtons } from "./execution.js";

const ENDINGS = {
  ok: "passed",
  error: "failed",
  interrupted: "cancelled",
  timed_out: "ran out of time",
  kernel_died: "stopped: its kernel died",
  lost: "was lost with its worker",
};
const PENDING = new Set(["queued", "running"]);

const runsPath = (notebookId) => `/api/notebooks/${encodeURIComponent(notebookId)}/clean-runs`;
const executionPath = (id, tail = "") => `/api/executions/${encodeURIComponent(id)}${tail}`;

export class CleanRun {
  constructor(app, box) {
    this.app = app;
    this.box = box;
    this.run = null; // {id, total, done, current, ended}
    this.ws = null;
  }

  /** On page load: follow this notebook's clean run if one is still under way. */
  async resume() {
    try {
      const [latest] = await apiFetch(runsPath(this.app.kernel.notebookId));
      if (latest && PENDING.has(latest.status)) this.follow(latest);
    } catch {
      // no clean run to show
    }
  }

  async start() {
    if (this.run && !this.run.ended) return;
    await this.app.saveNow().catch(() => false);
    this.show("Clean run: starting a fresh kernel…", []);
    try {
      this.follow(await apiFetch(runsPath(this.app.kernel.notebookId), { method: "POST" }));
    } catch (error) {
      const running = error instanceof ApiError && error.status === 409 && error.body && error.body.execution;
      if (running && PENDING.has(running.status)) this.follow(running);
      else this.show(`Clean run not started: ${error.detail || error.message}`, [this.dismissAction()]);
    }
  }

  follow(execution) {
    const total = this.app.notebook.cells.filter((cell) => cell.cell_type === "code").length;
    this.run = { id: execution.id, total, done: 0, current: null, ended: false };
    this.progress();
    this.listen();
  }

  listen() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${window.location.host}/ws/runs/${this.run.id}/?after=0-0`);
    const run = this.run;
    this.ws = ws;
    ws.addEventListener("message", (message) => this.receive(run, JSON.parse(message.data)));
    // Closed before the end (network, server restart): the stored record still tells how it ended.
    ws.addEventListener("close", () => {
      if (!run.ended) this.awaitRecord(run);
    });
  }

  receive(run, event) {
    if (run !== this.run || event.id === undefined || event.execution !== run.id) return;
    if (event.type === "started" && event.cell) {
      run.current = event.cell;
      this.progress();
    } else if (event.type === "finished" && event.cell) {
      run.done += 1;
      run.current = null;
      this.progress();
    } else if (event.type === "finished") {
      if (this.ws) this.ws.close();
      this.awaitRecord(run);
    }
  }

  progress() {
    const run = this.run;
    const which = run.current ? `cell ${run.done + 1} of ${run.total} running` : run.done ? `${run.done} of ${run.total} cells done` : "queued";
    this.show(`Clean run in a fresh kernel: ${which}…`, [{ label: "Cancel", run: (button) => this.cancel(button) }]);
  }

  async cancel(button) {
    button.disabled = true;
    try {
      await apiFetch(executionPath(this.run.id, "/cancel"), { method: "POST" });
      button.textContent = "Cancelling…";
    } catch (error) {
      if (error.status === 409) return; // it ended meanwhile: its end is on the way
      button.disabled = false;
      this.app.announce(error.detail || error.message);
    }
  }

  /** Poll the execution until its record is stored, then show how it ended. */
  async awaitRecord(run) {
    for (let attempt = 0; attempt < 600 && run === this.run && !run.ended; attempt += 1) {
      try {
        const detail = await apiFetch(executionPath(run.id));
        if (detail.recorded) {
          this.ended(run, detail);
          return;
        }
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return;
      }
      await new Promise((resolve) => setTimeout(resolve, attempt < 20 ? 500 : 3000));
    }
  }

  ended(run, detail) {
    run.ended = true;
    const results = Array.isArray(detail.outputs) ? detail.outputs : [];
    for (const result of results) {
      const view = result.stored ? this.app.view.cellView(result.cell) : null; // else a newer run's outputs are shown
      if (view && !this.app.execution.running.has(result.cell)) {
        view.outputArea.render(result.outputs);
        view.setExecutionCount(result.execution_count);
      }
    }
    const ran = results.filter((result) => result.status !== "not_run").length;
    const stopped = results.find((result) => result.status !== "ok" && result.status !== "not_run");
    const seconds = typeof detail.duration === "number" ? ` in ${detail.duration.toFixed(1)} s` : "";
    let text = `Clean run ${ENDINGS[detail.status] || detail.status}: ${ran} of ${results.length} code cells ran${seconds}`;
    if (detail.status !== "ok" && detail.message) text += ` — ${detail.message}`;
    const actions = [];
    const cell = stopped && this.app.notebook.cellById(stopped.cell);
    if (cell) actions.push({ label: "Go to the cell", run: () => this.app.view.select(cell) });
    actions.push(this.dismissAction());
    this.show(text, actions, detail.status);
    this.app.announce(text);
  }

  dismissAction() {
    return { label: "Dismiss", run: () => this.show("", []) };
  }

  show(text, actions, status = "") {
    this.box.hidden = !text;
    this.box.dataset.status = status;
    const paragraph = document.createElement("p");
    paragraph.textContent = text;
    this.box.replaceChildren(paragraph, actionButtons(actions));
  }
}
