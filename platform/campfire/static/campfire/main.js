// The notebook editor page: reads the notebook embedded by the server (json_script
// "notebook-data") and the server-rendered markdown, then wires model, views, autosave and keys.
import { api } from "./api.js";
import { Notebook } from "./model.js";
import { NotebookView } from "./notebookview.js";
import { Autosave } from "./autosave.js";
import { bindSaveStatus } from "./savestatus.js";
import { bindTitle } from "./title.js";
import { bindConflict } from "./conflict.js";
import { bindHelp } from "./help.js";
import { bindCommandKeys } from "./keyboard.js";
import { bindDragReorder } from "./dragorder.js";
import { TableOfContents } from "./toc.js";
import { ExecutionUI } from "./execution.js";
import * as outputs from "./outputs.js";
import { configureOutputFrames } from "./outputframe.js";

function readNotebookData() {
  const script = document.getElementById("notebook-data");
  if (!script) throw new Error("the page has no notebook data");
  return JSON.parse(script.textContent);
}

// <template id="markdown-html"> holds one <div data-cell-id> per markdown cell (inert until used).
function readInitialMarkdown() {
  const template = document.getElementById("markdown-html");
  const map = new Map();
  if (!template) return map;
  for (const div of template.content.querySelectorAll("[data-cell-id]")) map.set(div.dataset.cellId, div.innerHTML);
  return map;
}

function announcer(region) {
  let timer = null;
  return (text) => {
    region.textContent = text;
    clearTimeout(timer);
    timer = setTimeout(() => {
      region.textContent = "";
    }, 6000);
  };
}

async function start() {
  const root = document.getElementById("notebook-app");
  const readOnly = root.dataset.canEdit !== "true";
  const renderMarkdown = async (source, attachments) => (await api.renderMarkdown(source, attachments)).html;
  configureOutputFrames(root.dataset.outputFrameUrl);
  outputs.configureOutputs({ renderMarkdown: (source) => renderMarkdown(source) });

  const notebook = new Notebook(readNotebookData());
  const autosave = readOnly ? null : new Autosave(notebook);
  const announce = announcer(root.querySelector("#nb-announcer"));
  const saveNow = () => (autosave ? autosave.saveNow() : Promise.resolve(true));
  const view = new NotebookView({
    notebook,
    container: root.querySelector("#nb-cells"),
    readOnly,
    renderMarkdown,
    initialMarkdown: readInitialMarkdown(),
    announce,
    save: saveNow,
  });
  const title = bindTitle({ input: root.querySelector("#nb-title"), notebook, readOnly });
  const openHelp = bindHelp({ dialog: document.getElementById("shortcuts-dialog"), openers: root.querySelectorAll("[data-open-help]") });
  const contents = new TableOfContents({ root, view, notebook });
  bindCommandKeys({ root, view, save: saveNow, help: openHelp, readOnly, contents: () => contents.toggle() });
  if (!readOnly) bindDragReorder(view);

  if (autosave) {
    bindSaveStatus({ element: root.querySelector("#save-status"), autosave });
    bindConflict({
      banner: root.querySelector("#conflict-banner"),
      autosave,
      notebook,
      announce,
      onReload: () => {
        view.reload();
        title.refresh();
      },
    });
    root.querySelector("#save-now").addEventListener("click", saveNow);
    root.querySelector("#clear-all-outputs").addEventListener("click", () => view.clearAllOutputs());
  }
  notebook.addEventListener("cell-id", ({ detail }) => {
    const cellView = view.viewOf(detail.cell);
    if (cellView) cellView.syncAttributes();
  });
  for (const button of root.querySelectorAll("[data-add-cell]")) {
    button.addEventListener("click", () => view.appendCell(button.dataset.addCell));
  }

  const execution = new ExecutionUI({ root, view });
  const app = { notebook, view, autosave, execution, outputs, saveNow, announce, readOnly };
  app.contents = contents;
  window.campfireEditor = app; // for the browser tests and the console; holds nothing secret
  if (document.getElementById("tutorial-data")) {
    // A tutorial (read-only page) or a learner's copy of one: exercise panels, checks, progress.
    const { Tutorial, readTutorialData } = await import("./tutorial.js");
    app.tutorial = new Tutorial(app, readTutorialData());
  }
  root.dataset.ready = "true";

  if (root.dataset.executionEnabled === "true" && !readOnly) {
    // The editor works without it: a failure here only leaves the run UI hidden.
    try {
      const { connectKernel } = await import("./kernel.js");
      await connectKernel(app);
    } catch (error) {
      execution.setKernelStatus("unavailable", error.message);
      throw error;
    }
  }
}

start().catch((error) => {
  const root = document.getElementById("notebook-app");
  if (root && root.dataset.ready === "true") throw error; // the editor itself is up
  const box = document.createElement("p");
  box.className = "editor-failed";
  box.setAttribute("role", "alert");
  box.textContent = `The editor could not start: ${error.message}`;
  (root || document.body).prepend(box);
  throw error;
});
