// Autosave: a debounced PATCH with the version the edits are based on, one request at a time.
// States shown to the user: saved, unsaved (waiting for the debounce), saving, offline (network
// down or server error: retried with backoff, and at once when the browser comes back online),
// conflict (409: someone saved a newer version; saving stops until the user chooses), error
// (the server refused the content: 4xx with its message; the next edit tries again).
import { api } from "./api.js";

const DEBOUNCE_MS = 1000;
const MAX_WAIT_MS = 8000; // typing without pause still saves this often
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 30000;

export class Autosave extends EventTarget {
  constructor(notebook, { debounceMs = DEBOUNCE_MS } = {}) {
    super();
    this.notebook = notebook;
    this.debounceMs = debounceMs;
    this.state = "saved";
    this.detail = "";
    this.timer = null;
    this.firstPendingAt = 0;
    this.inFlight = null; // Promise of the running save
    this.retryDelay = RETRY_MIN_MS;
    this.conflict = null; // the newer notebook JSON from a 409
    notebook.addEventListener("change", () => this.changed());
    window.addEventListener("online", () => {
      if (this.state === "offline") this.saveNow();
    });
  }

  setState(state, detail = "") {
    this.state = state;
    this.detail = detail;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, detail } }));
  }

  changed() {
    // In conflict nothing is saved until the user chooses; offline, the pending retry carries these edits.
    if (this.state === "conflict" || (this.state === "offline" && this.timer)) return;
    const now = Date.now();
    if (!this.timer) this.firstPendingAt = now;
    if (!this.inFlight) this.setState("unsaved");
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.firstPendingAt + MAX_WAIT_MS - now));
    this.timer = setTimeout(() => this.saveNow(), wait);
  }

  /** Save now (Ctrl/Cmd+S, before running cells). Resolves once the current content is saved or fails. */
  async saveNow() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.state === "conflict") return false;
    if (this.inFlight) {
      await this.inFlight;
      return this.notebook.dirty ? this.saveNow() : this.state === "saved";
    }
    if (!this.notebook.dirty) {
      if (this.state !== "saved") this.setState("saved");
      return true;
    }
    this.inFlight = this.saveOnce();
    try {
      return await this.inFlight;
    } finally {
      this.inFlight = null;
      if (this.notebook.dirty && this.state === "saving") this.changed();
    }
  }

  async saveOnce() {
    const snapshot = this.notebook.snapshot();
    this.setState("saving");
    try {
      const response = await api.patchNotebook(this.notebook.id, snapshot.body);
      this.notebook.acknowledge(snapshot, response);
      this.retryDelay = RETRY_MIN_MS;
      if (!this.notebook.dirty) this.setState("saved");
      this.dispatchEvent(new CustomEvent("saved", { detail: response }));
      return true;
    } catch (error) {
      if (error.status === 409) {
        this.conflict = error.body && error.body.current ? error.body.current : null;
        this.setState("conflict", error.detail);
        this.dispatchEvent(new CustomEvent("conflict", { detail: this.conflict }));
      } else if (error.status === 0 || error.status >= 500 || error.status === 429) {
        this.setState("offline", error.detail);
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.saveNow(), this.retryDelay);
        this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
      } else {
        this.setState("error", error.detail);
      }
      return false;
    }
  }

  /** After the user resolved a conflict by loading the newer version (or leaving). */
  resolved() {
    this.conflict = null;
    this.setState(this.notebook.dirty ? "unsaved" : "saved");
    if (this.notebook.dirty) this.changed();
  }

  /** True while leaving would lose something. */
  get hasUnsavedWork() {
    return this.notebook.dirty || Boolean(this.inFlight);
  }
}
