// Tutorials in the editor (loaded by main.js when the page has "tutorial-data"):
// - on the read-only tutorial page ("preview"), exercise cells get their title and a note that
//   checks run in the learner's own copy;
// - in a learner's copy ("copy"), each exercise cell gets Check, Hint and Show solution, and
//   Shift+Enter (or ▶) on it runs the cell and then checks it. The platform grades the check in
//   the kernel and sends the result as a `check` event on the notebook's WebSocket (kernel.js
//   hands it here); progress (cells run, exercises passed) is kept current in the panel above.
// Hidden exercise data never comes to this page: hints arrive one by one when asked, the solution
// only when the server allows it, the check never.
import { ApiError, apiFetch } from "./api.js";
import { sanitizeToFragment } from "./sanitize.js";

const RESULT_LABELS = {
  pending: "Checking…",
  pass: "✓ Passed",
  fail: "✗ Not yet",
  error: "⚠ The checker could not check this",
  not_attempted: "",
};
const RAN = new Set(["ok", "error"]); // a cell that ran to its end counts as run (progress.py)
const CHECK_PREFIX = "check:";
const POLL_AFTER_MS = 2500; // after the check's `finished`, ask the API if no `check` event came
const POLLS = 8; // then again, each wait twice the last, while the attempt is still pending (~10 min)

export function readTutorialData() {
  const script = document.getElementById("tutorial-data");
  return script ? JSON.parse(script.textContent) : null;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, action, secondary = true) {
  const node = element("button", secondary ? "button button-secondary" : "button", label);
  node.type = "button";
  node.dataset.exercise = action;
  return node;
}

export class Tutorial {
  constructor(app, data) {
    this.app = app;
    this.data = data;
    this.copy = data.mode === "copy";
    this.canRun = document.getElementById("notebook-app").dataset.executionEnabled === "true";
    this.exercises = new Map(); // cell id -> exercise (the API's exercise JSON)
    for (const exercise of data.exercises || []) this.exercises.set(exercise.cell, { ...exercise });
    this.panels = new Map(); // cell id -> {root, result, message, hints, hintButton, solutionBox, ...}
    this.codeCells = new Set(data.code_cells || []);
    this.ran = new Set(data.cells_run || []);
    this.pending = new Map(); // check execution id -> {cell, timer}
    this.finishedChecks = new Set(); // check executions whose `finished` came before the POST's answer
    this.sending = new Set(); // cell ids whose check request is in flight
    // Attempts already graded when the page was made: their events, replayed, change nothing.
    this.known = new Set((data.exercises || []).flatMap((e) => (e.attempts || []).filter((a) => a.status !== "pending").map((a) => a.id)));
    const view = app.view;
    for (const cellId of this.exercises.keys()) {
      const cellView = view.cellView(cellId);
      if (cellView) this.decorate(cellView);
    }
    view.cellDecorator = (cellView) => this.decorate(cellView); // cells rebuilt later (reload, undo)
    if (this.copy) {
      view.checker = (cell) => (this.exercises.has(cell.id) ? (this.check(cell), true) : false);
      this.addChip();
    }
  }

  /** A small progress link in the sticky header, so progress stays in sight while scrolling. */
  addChip() {
    const row = document.querySelector(".nb-title-row");
    if (!row) return;
    this.chip = element("a", "tutorial-chip");
    this.chip.href = "#tutorial-panel";
    row.append(this.chip);
    this.renderChip();
  }

  renderChip() {
    if (!this.chip) return;
    const { completed, percent, solved } = this.progress();
    this.chip.dataset.state = completed ? "completed" : "in_progress";
    this.chip.textContent = completed ? "✓ Completed" : `${percent}% done`;
    this.chip.title = `Your progress in this tutorial: ${solved}/${this.exercises.size} exercises passed`;
  }

  // ---- building the exercise panels ----

  decorate(cellView) {
    const exercise = this.exercises.get(cellView.cell.id);
    if (!exercise || cellView.element.querySelector(".exercise-panel")) return;
    const root = element("div", "exercise-panel");
    const head = element("div", "exercise-head");
    head.append(element("span", "exercise-badge", "Exercise"), element("strong", "exercise-title", exercise.title));
    const result = element("span", "exercise-result");
    result.setAttribute("role", "status");
    head.append(result);
    root.append(head);
    const panel = { root, result };
    if (!this.copy) {
      root.append(element("p", "exercise-note", "Edit the code, then check it: checks run in your own copy of this tutorial (Start above)."));
    } else {
      this.buildControls(panel, exercise);
    }
    cellView.element.classList.add("exercise-cell");
    cellView.element.querySelector(".cell-main").prepend(root);
    this.panels.set(exercise.cell, panel);
    if (this.copy) this.render(exercise);
  }

  buildControls(panel, exercise) {
    const actions = element("div", "exercise-actions");
    const check = button("Check", "check", false);
    check.title = "Run this cell, then check it (Shift+Enter)";
    check.addEventListener("click", () => this.check(this.app.notebook.cellById(exercise.cell)));
    const hint = button("Hint", "hint");
    hint.addEventListener("click", () => this.hint(exercise));
    const solution = button("Show solution", "solution");
    solution.addEventListener("click", () => this.solution(exercise));
    solution.hidden = this.data.tutorial.reveal_solution === "never";
    actions.append(check, hint, solution);
    const message = element("p", "exercise-message");
    const hints = element("ol", "exercise-hints");
    hints.setAttribute("aria-label", "Hints");
    const solutionBox = element("div", "exercise-solution");
    solutionBox.hidden = true;
    panel.root.append(actions, message, hints, solutionBox);
    Object.assign(panel, { check, hint, solution, message, hints, solutionBox });
  }

  /** Show an exercise's state: result, message, hints so far, solution button and box. */
  render(exercise) {
    const panel = this.panels.get(exercise.cell);
    if (!panel) return;
    panel.root.dataset.status = exercise.status;
    panel.root.dataset.solved = String(Boolean(exercise.solved));
    panel.result.textContent = RESULT_LABELS[exercise.status] ?? exercise.status;
    if (exercise.status !== "pass" && exercise.solved) panel.result.textContent += " (solved before)";
    panel.message.textContent = exercise.status === "pending" ? "" : exercise.message || "";
    panel.message.hidden = !panel.message.textContent;
    panel.hints.replaceChildren(...(exercise.hints || []).map((hint) => {
      const item = element("li", "exercise-hint");
      item.append(sanitizeToFragment(hint.html));
      return item;
    }));
    const left = exercise.hints_total - (exercise.hints || []).length;
    panel.hint.textContent = left > 0 ? `Hint (${left} left)` : "No more hints";
    panel.hint.disabled = left <= 0;
    panel.solution.disabled = !exercise.solution_available;
    panel.solution.title = exercise.solution_available ? "" : "Opens after your first check";
    if (exercise.solution) this.showSolution(panel, exercise);
    // Disabled only while the request is in flight: a check whose result never came (its record
    // lost) must not lock the exercise.
    panel.check.disabled = this.sending.has(exercise.cell) || !this.canRun;
    if (!this.canRun) panel.check.title = "Checks need live execution, which this server does not offer right now.";
  }

  showSolution(panel, exercise) {
    const code = element("pre", "exercise-solution-code", exercise.solution);
    const use = button("Replace my code with the solution", "use-solution");
    use.addEventListener("click", () => {
      const cell = this.app.notebook.cellById(exercise.cell);
      if (!cell || !window.confirm("Replace the code in this cell with the solution?")) return;
      cell.source = exercise.solution;
      this.app.view.cellView(cell.id).sourceReplaced();
      this.app.notebook.touch();
    });
    panel.solutionBox.replaceChildren(element("p", "exercise-solution-title", "Solution"), code, use);
    panel.solutionBox.hidden = false;
  }

  // ---- progress ----

  progress() {
    const solved = [...this.exercises.values()].filter((e) => e.solved).length;
    const cellsRun = [...this.codeCells].filter((id) => this.ran.has(id)).length;
    const total = this.codeCells.size + this.exercises.size;
    const completed = cellsRun === this.codeCells.size && solved === this.exercises.size;
    const percent = completed ? 100 : total ? Math.floor((100 * (cellsRun + solved)) / total) : 0;
    return { completed, percent, cellsRun, solved };
  }

  renderProgress() {
    this.renderChip();
    const box = document.getElementById("tutorial-progress");
    if (!box) return;
    const { completed, percent, cellsRun, solved } = this.progress();
    const wrapper = element("div", "tutorial-progress");
    wrapper.dataset.state = completed ? "completed" : "in_progress";
    wrapper.append(element("span", "progress-label", completed ? "✓ Completed" : `In progress · ${percent}%`));
    const bar = element("progress");
    bar.max = 100;
    bar.value = percent;
    bar.setAttribute("aria-label", "Progress");
    wrapper.append(bar, element("span", "progress-detail",
      `${cellsRun}/${this.codeCells.size} cells run · ${solved}/${this.exercises.size} exercises passed`));
    box.replaceChildren(wrapper);
    if (completed && !this.announcedCompletion) {
      this.announcedCompletion = true;
      this.app.announce(`Tutorial completed: “${this.data.tutorial.title}”.`);
    }
  }

  /** kernel.js: a run finished (`finished` event). */
  runFinished(event) {
    const cell = event.cell || "";
    if (cell.startsWith(CHECK_PREFIX)) {
      const pending = this.pending.get(event.execution);
      if (pending) this.poll(event.execution, pending);
      else if (this.sending.size) this.finishedChecks.add(event.execution); // check() polls once its answer names it
      return;
    }
    if (this.copy && this.codeCells.has(cell) && RAN.has(event.data.status) && !this.ran.has(cell)) {
      this.ran.add(cell);
      this.renderProgress();
    }
  }

  // ---- actions ----

  async check(cell) {
    const exercise = cell && this.exercises.get(cell.id);
    if (!exercise) return;
    const kernel = this.app.kernel;
    if (!kernel) {
      this.app.announce("Checks need live execution, which is not available right now.");
      return;
    }
    await this.app.saveNow().catch(() => false); // the server runs what is sent anyway
    this.app.execution.cellQueued(cell.id, null);
    const before = exercise.status;
    Object.assign(exercise, { status: "pending", message: "" });
    this.render(exercise);
    const path = `/api/notebooks/${encodeURIComponent(this.data.notebook)}/exercises/${encodeURIComponent(exercise.id)}/check`;
    this.sending.add(cell.id);
    this.render(exercise);
    try {
      const answer = await apiFetch(path, { method: "POST", body: { source: cell.source } });
      const pending = { cell: cell.id, timer: null, polls: 0 };
      this.pending.set(answer.check, pending);
      kernel.follow([{ execution: answer.execution, cell: cell.id }]);
      if (this.finishedChecks.delete(answer.check)) this.poll(answer.check, pending);
    } catch (error) {
      this.app.execution.cellNotRun(cell.id, error.detail || error.message);
      Object.assign(exercise, { status: before, message: `Not checked: ${error.detail || error.message}` });
      if (error instanceof ApiError) kernel.refused(error);
    } finally {
      this.sending.delete(cell.id);
      this.render(exercise);
    }
  }

  /** kernel.js: the platform's `check` event (an attempt was graded). */
  checked(event) {
    const data = event.data || {};
    const cellId = event.cell;
    const exercise = this.exercises.get(cellId);
    if (!exercise || this.known.has(data.attempt)) return;
    this.known.add(data.attempt);
    const pending = this.pending.get(event.execution);
    if (pending) clearTimeout(pending.timer);
    this.pending.delete(event.execution);
    Object.assign(exercise, {
      status: data.status,
      message: data.message || "",
      solved: Boolean(data.solved || exercise.solved),
      solution_available: Boolean(data.solution_available),
    });
    this.render(exercise);
    this.renderProgress();
    const verdict = data.status === "pass" ? "passed" : data.status === "fail" ? "not passed yet" : "could not be checked";
    this.app.announce(`Exercise “${exercise.title}” ${verdict}. ${data.message || ""}`);
  }

  /** Ask the API for the result later, in case the `check` event never comes; the event, when it
   * does come, cancels this (checked()). Waits grow: the grade needs the check's record, which
   * a busy platform worker may store well after the run finished. */
  poll(execution, pending) {
    clearTimeout(pending.timer);
    if (pending.polls >= POLLS) return;
    const wait = POLL_AFTER_MS * 2 ** pending.polls;
    pending.polls += 1;
    pending.timer = setTimeout(async () => {
      if (this.pending.get(execution) !== pending) return;
      if (await this.refresh(pending.cell)) this.pending.delete(execution);
      else this.poll(execution, pending);
    }, wait);
  }

  /** The exercise's state from the API (when its `check` event did not arrive); true once graded. */
  async refresh(cellId) {
    const exercise = this.exercises.get(cellId);
    if (!exercise) return true;
    try {
      const fresh = await apiFetch(`/api/notebooks/${encodeURIComponent(this.data.notebook)}/exercises/${encodeURIComponent(exercise.id)}`);
      if (fresh.status === "pending") return false;
      Object.assign(exercise, fresh);
      for (const attempt of fresh.attempts) if (attempt.status !== "pending") this.known.add(attempt.id);
      this.render(exercise);
      this.renderProgress();
      return true;
    } catch {
      return false; // polled again later
    }
  }

  async hint(exercise) {
    const path = `/api/notebooks/${encodeURIComponent(this.data.notebook)}/exercises/${encodeURIComponent(exercise.id)}/hint`;
    try {
      const answer = await apiFetch(path, { method: "POST" });
      exercise.hints = answer.hints;
      this.render(exercise);
      this.app.announce(`Hint ${answer.index}: ${answer.hint.text}`);
    } catch (error) {
      this.app.announce(error.detail || error.message);
    }
  }

  async solution(exercise) {
    if (!window.confirm("Show the solution? Trying the hints first teaches more.")) return;
    const path = `/api/notebooks/${encodeURIComponent(this.data.notebook)}/exercises/${encodeURIComponent(exercise.id)}/solution`;
    try {
      const answer = await apiFetch(path);
      exercise.solution = answer.solution;
      this.render(exercise);
    } catch (error) {
      const panel = this.panels.get(exercise.cell);
      if (panel) {
        panel.message.textContent = error.detail || error.message;
        panel.message.hidden = false;
      }
    }
  }
}
