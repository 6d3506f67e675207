// Live execution in the editor: runs cells through the API and shows the notebook session's
// events from the WebSocket (ws/notebooks/<id>/?after=<last event id>) as they arrive.
//
// Every event carries its stream id; `after` is the last one applied, so a reconnect (network
// drop, laptop lid) resumes exactly there and replays what was missed, once, in order. A run
// whose start this page did not see (the server said "reset": events too old were dropped)
// shows a note until it finishes, then its stored outputs from GET /api/executions/<id>.
// Outputs live in the output areas, never in the model: autosave cannot overwrite them.
import { ApiError, apiFetch } from "./api.js";
import { CleanRun } from "./cleanrun.js";
import { bindRuntime } from "./runtime.js";
import { askForInput } from "./stdin.js";

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000, 30000];
const OUTPUT_TYPES = new Set(["stream", "display_data", "execute_result", "error"]);
const KERNEL_EVENT_STATES = { ready: "idle", restarted: "starting", died: "dead", lost: "lost", culled: "culled", shutdown: "shutdown" };
const GIVE_UP_AFTER = 3; // failed connects before asking the API whether we may connect at all

function readExecutionData() {
  const script = document.getElementById("execution-data");
  return script ? JSON.parse(script.textContent) : null;
}

function withoutTransient(output) {
  const { transient, ...rest } = output; // eslint-disable-line no-unused-vars
  return rest;
}

// The platform's view of a session without a kernel: "dead" with no message means none was ever
// started (or it went away unnoticed); the next run starts one.
function kernelState(kernel) {
  if (!kernel) return "off";
  return kernel.state === "dead" && !kernel.message ? "off" : kernel.state;
}

function idTime(streamId) {
  return Number(String(streamId).split("-")[0]);
}

const path = (notebookId, tail) => `/api/notebooks/${encodeURIComponent(notebookId)}/${tail}`;

export class KernelConnection {
  constructor(app, data) {
    this.app = app;
    this.ui = app.execution;
    this.notebookId = data.notebook;
    this.after = data.after || "0-0";
    this.runs = new Map(); // execution id -> {cell, started, finished, partial}
    for (const pending of data.pending || []) this.track(pending.execution, pending.cell);
    this.kernelState = kernelState(data.kernel);
    this.device = data.kernel ? data.kernel.device : "cpu";
    this.session = data.kernel ? data.kernel.session : null; // the stream this page follows
    this.onSwitch = null; // runtime.js: called with the kernel after a runtime change
    this.ws = null;
    this.attempt = 0;
    this.everOpened = false;
    this.paused = false;
    this.timer = null;
    this.skew = 0; // client clock minus server clock, ms
    this.catchUp = null; // {reconnect, outputs} while the backlog after a connect is arriving
    window.addEventListener("online", () => this.reconnectNow());
  }

  // ---- the connection ----

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.paused || this.ws) return;
    this.ui.setKernelStatus("connecting");
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${window.location.host}/ws/notebooks/${this.notebookId}/?after=${encodeURIComponent(this.after)}`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.catchUp = { reconnect: this.everOpened, outputs: 0 };
      this.everOpened = true;
      this.attempt = 0;
    });
    ws.addEventListener("message", (message) => this.receive(JSON.parse(message.data)));
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.paused) this.ui.setKernelStatus("disconnected", "paused");
      else this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    this.ui.setKernelStatus("disconnected", `reconnecting in ${Math.max(1, Math.round(delay / 1000))} s`);
    this.timer = setTimeout(() => this.retry(), delay);
  }

  async retry() {
    if (this.attempt >= GIVE_UP_AFTER && this.attempt % GIVE_UP_AFTER === 0) {
      // Refused handshakes look like network errors to a page: ask the API why.
      try {
        await apiFetch(path(this.notebookId, "kernel"));
      } catch (error) {
        if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
          this.ui.setKernelStatus("unavailable", error.status === 401 ? "sign in again, then reload" : error.detail);
          return;
        }
      }
    }
    this.connect();
  }

  reconnectNow() {
    if (!this.ws && !this.paused) {
      this.attempt = 0;
      this.connect();
    }
  }

  /** Drop the connection and stay offline until resume() (what a closed laptop lid does). */
  pause() {
    this.paused = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close();
  }

  resume() {
    this.paused = false;
    this.reconnectNow();
  }

  // ---- messages ----

  receive(message) {
    if (message.id === undefined) {
      this.control(message);
      return;
    }
    this.after = message.id;
    if (this.catchUp && OUTPUT_TYPES.has(message.type)) this.catchUp.outputs += 1;
    try {
      this.apply(message);
    } catch (error) {
      console.error("could not apply event", message, error); // one bad event must not stop the rest
    }
  }

  control({ type, data }) {
    if (type === "hello") {
      if (this.session && data.session !== this.session) {
        this.switchSession(data.kernel); // the runtime changed while this page was away (another tab)
        return;
      }
      this.session = data.session;
      this.skew = Date.now() - data.time;
      this.setKernel(kernelState(data.kernel));
    } else if (type === "reset") {
      this.after = data.last;
      this.reloadStoredOutputs();
    } else if (type === "caught_up") {
      const catchUp = this.catchUp;
      this.catchUp = null;
      this.setKernel(this.kernelState);
      if (catchUp && catchUp.reconnect) {
        const text = `reconnected — ${catchUp.outputs} output${catchUp.outputs === 1 ? "" : "s"} caught up`;
        this.ui.setKernelStatus(this.kernelState, text);
        this.app.announce(`Reconnected: ${catchUp.outputs} outputs caught up.`);
      }
    }
  }

  track(execution, cell) {
    let run = this.runs.get(execution);
    if (!run) {
      run = { cell, started: false, finished: false, partial: false };
      this.runs.set(execution, run);
    }
    return run;
  }

  apply(event) {
    const { type, data } = event;
    if (type === "kernel") {
      this.kernelEvent(data);
      return;
    }
    if (!event.execution || !event.cell) return; // a whole-notebook run's end has no cell
    if (type === "check") {
      // An exercise's graded check (the platform's event): not a run of the cell.
      if (this.app.tutorial) this.app.tutorial.checked(event);
      return;
    }
    const run = this.track(event.execution, event.cell);
    const view = this.app.view.cellView(event.cell);
    if (run.stdinBox) {
      run.stdinBox.remove(); // answered (the echo is next), or the run went on without it
      run.stdinBox = null;
    }
    if (type === "input_request") {
      if (!view || run.finished) return;
      run.stdinBox = askForInput(view.outputArea, data, { execution: event.execution, focus: !this.catchUp });
      if (!this.catchUp) this.app.announce(`The cell asks for input: ${data.prompt}`);
      return;
    }
    if (type === "queued") {
      if (!run.started && !run.finished) this.ui.cellQueued(event.cell, Number.isInteger(data.position) ? data.position : null);
      return;
    }
    if (type === "started") {
      run.started = true;
      if (view) view.outputArea.clearNow();
      this.ui.cellRunning(event.cell, idTime(event.id) + this.skew);
      this.setKernel("busy");
      return;
    }
    if (type === "finished") {
      this.finish(event, run);
      return;
    }
    if (!view || run.finished) return;
    if (!run.started && !run.partial) this.showPartial(run, view);
    const outputs = this.app.outputs;
    if (type === "update_display_data") {
      const displayId = data.transient && data.transient.display_id;
      if (displayId) outputs.updateDisplay(displayId, withoutTransient(data));
    } else if (type === "clear_output") {
      outputs.clearOutput(view.outputArea, data.wait === true);
    } else if (OUTPUT_TYPES.has(type)) {
      outputs.appendOutput(view.outputArea, withoutTransient(data), { displayId: data.transient && data.transient.display_id });
    }
  }

  showPartial(run, view) {
    run.partial = true;
    view.outputArea.clearNow();
    this.app.outputs.appendOutput(view.outputArea, {
      output_type: "stream", name: "stderr", text: "[Some earlier output of this run could not be replayed; all of it is shown when the run ends.]\n",
    });
    this.ui.cellRunning(run.cell, Date.now());
  }

  finish(event, run) {
    const { data } = event;
    if (data.scope === "notebook") return;
    run.finished = true;
    if (this.app.tutorial) this.app.tutorial.runFinished(event);
    this.ui.cellFinished(event.cell, {
      status: data.status,
      durationMs: typeof data.duration === "number" ? data.duration * 1000 : null,
      executionCount: Number.isInteger(data.execution_count) ? data.execution_count : null,
      message: data.status === "ok" || data.status === "error" ? "" : data.message || "",
      truncated: data.truncated === true,
    });
    if (data.status !== "ok" && data.status !== "error" && !this.catchUp) this.app.announce(`Cell ${data.status.replace("_", " ")}: ${data.message || ""}`);
    // Started unseen (its events were dropped): show what was stored. A run cancelled before it
    // started has no count and leaves the cell's outputs as they were.
    if (!run.started && (run.partial || Number.isInteger(data.execution_count))) this.showStored(event.execution, event.cell);
    if (![...this.runs.values()].some((r) => r.started && !r.finished)) this.setKernel(data.status === "kernel_died" || data.status === "lost" ? "dead" : "idle");
  }

  /** The stored outputs of a run whose events were not all seen (polls until its record is in). */
  async showStored(execution, cell) {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      try {
        const detail = await apiFetch(`/api/executions/${encodeURIComponent(execution)}`);
        if (detail.recorded) {
          const view = this.app.view.cellView(cell);
          if (view && !this.laterRunStarted(execution, cell)) view.outputArea.render(detail.outputs);
          return;
        }
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  laterRunStarted(execution, cell) {
    let later = false;
    for (const [id, run] of this.runs) {
      if (later && run.cell === cell && run.started) return true;
      if (id === execution) later = true;
    }
    return false;
  }

  /** After a reset: the saved outputs of every cell that is not running now. */
  async reloadStoredOutputs() {
    let notebook;
    try {
      notebook = await apiFetch(`/api/notebooks/${encodeURIComponent(this.notebookId)}`);
    } catch {
      return;
    }
    const busy = new Set([...this.runs.values()].filter((r) => !r.finished).map((r) => r.cell));
    for (const cell of notebook.cells) {
      const view = cell.cell_type === "code" && !busy.has(cell.id) ? this.app.view.cellView(cell.id) : null;
      if (!view) continue;
      view.outputArea.render(cell.outputs, cell.displays);
      view.setExecutionCount(cell.execution_count);
    }
    this.app.announce("Reconnected after a long time: showing the saved outputs.");
  }

  kernelEvent(data) {
    if (data.state === "moved") {
      this.followMove(data);
      return;
    }
    const state = KERNEL_EVENT_STATES[data.state] || data.state;
    this.setKernel(state === "idle" && [...this.runs.values()].some((r) => r.started && !r.finished) ? "busy" : state, data.state === "ready" ? "" : data.message || "");
    if (["died", "lost", "culled"].includes(data.state) && !this.catchUp) this.app.announce(data.message || `Kernel ${data.state}.`);
  }

  setKernel(state, detail = "") {
    this.kernelState = state;
    if (!this.catchUp) this.ui.setKernelStatus(state, detail);
  }

  /** After a runtime change: the old session's unfinished runs will not finish here (its kernel is shut
   * down), and the events to follow are the new session's, from its start. */
  switchSession(kernel) {
    for (const run of this.runs.values()) {
      if (run.finished) continue;
      run.finished = true;
      if (run.started) this.ui.cellFinished(run.cell, { status: "interrupted", message: "the runtime changed" });
      else this.ui.cellNotRun(run.cell, "the runtime changed");
    }
    this.device = kernel.device;
    this.session = kernel.session;
    this.after = "0-0";
    const ws = this.ws;
    this.ws = null; // its close event is then ignored
    if (ws) ws.close();
    this.setKernel(kernelState(kernel));
    if (this.onSwitch) this.onSwitch(kernel);
    this.connect();
  }

  /** Another tab moved the notebook to another runtime: follow its new session. */
  async followMove(data) {
    try {
      const kernel = await apiFetch(path(this.notebookId, "kernel"));
      if (kernel.session !== this.session) this.switchSession(kernel);
      if (!this.catchUp) this.app.announce(`The kernel moved: ${data.message || kernel.device}.`);
    } catch {
      this.reconnectNow(); // the next hello says where the session is
    }
  }

  // ---- actions ----

  /** Run `cells` in order; `restart`: on a new kernel, stopping what runs now (Restart & run all). */
  async runCells(cells, { restart = false } = {}) {
    const code = cells.filter((cell) => cell.cell_type === "code");
    if (!code.length) return;
    await this.app.saveNow().catch(() => false); // the server runs what is sent anyway
    for (const cell of code) this.ui.cellQueued(cell.id, null);
    const single = code.length === 1 && !restart;
    const body = single
      ? { source: code[0].source }
      : { cells: code.map((cell) => cell.id), sources: Object.fromEntries(code.map((cell) => [cell.id, cell.source])), restart };
    const url = single ? path(this.notebookId, `cells/${encodeURIComponent(code[0].id)}/run`) : path(this.notebookId, "run-all");
    try {
      const answer = await apiFetch(url, { method: "POST", body });
      this.follow(answer.executions || [answer]);
    } catch (error) {
      for (const cell of code) this.ui.cellNotRun(cell.id, error.detail || error.message);
      this.refused(error);
    }
  }

  /** Runs just submitted ([{execution, cell}], by runCells or an exercise check): follow them. */
  follow(submitted) {
    const runs = submitted.map((run) => this.track(run.execution, run.cell));
    this.ui.notice("");
    // A run with no kernel behind it starts one (unless its events already said more).
    const untouched = runs.every((run) => !run.started && !run.finished);
    if (untouched && ["off", "shutdown", "dead", "culled", "lost"].includes(this.kernelState)) this.setKernel("starting");
  }

  runAll({ restart = false } = {}) {
    return this.runCells(this.app.notebook.cells, { restart });
  }

  refused(error) {
    const kernels = error.body && Array.isArray(error.body.kernels) ? error.body.kernels : [];
    const actions = kernels.map((kernel) => ({
      label: `Shut down “${kernel.title}”`,
      run: async (button) => {
        button.disabled = true;
        try {
          await apiFetch(path(kernel.notebook, "shutdown"), { method: "POST" });
          button.textContent = `“${kernel.title}” shut down`;
        } catch (failure) {
          button.disabled = false;
          this.app.announce(failure.detail || failure.message);
        }
      },
    }));
    this.ui.notice(error.detail || error.message, actions);
  }

  async command(name) {
    try {
      await apiFetch(path(this.notebookId, name), { method: "POST" });
      if (name === "restart") this.setKernel("starting");
    } catch (error) {
      this.ui.notice(`Could not ${name} the kernel: ${error.detail || error.message}`);
    }
  }
}

/** Called by main.js when the page says execution is enabled. */
export async function connectKernel(app) {
  const data = readExecutionData();
  if (!data || !data.available) throw new Error((data && data.error) || "live execution is not available");
  const kernel = new KernelConnection(app, data);
  app.kernel = kernel; // for the browser tests and the console
  const ask = (kind) => (code, cursor) => apiFetch(path(kernel.notebookId, kind), { method: "POST", body: { code, cursor_pos: cursor } });
  app.view.assist = { complete: ask("complete"), inspect: ask("inspect") }; // Tab / Shift+Tab (assist.js)
  const clean = new CleanRun(app, app.execution.root.querySelector("#clean-run"));
  app.cleanRun = clean;
  app.execution.enable({
    runCells: (cells) => kernel.runCells(cells),
    runAll: (options) => kernel.runAll(options),
    interrupt: () => kernel.command("interrupt"),
    restart: () => kernel.command("restart"),
    shutdown: () => kernel.command("shutdown"),
    cleanRun: () => clean.start(),
  });
  kernel.setKernel(kernel.kernelState);
  for (const pending of data.pending || []) app.execution.cellQueued(pending.cell, null); // replay refines it
  kernel.connect();
  clean.resume();
  bindRuntime(app, kernel, app.execution.root.querySelector("#runtime-select"));
  return kernel;
}
