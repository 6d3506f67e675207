// A save answered 409: someone (another tab, another device) saved a newer version. Nothing is
// overwritten. The banner offers: load the newer version (dropping the edits here), or keep a copy
// of the edits here as a new notebook (the newer version stays as it is).
import { api } from "./api.js";

export function bindConflict({ banner, autosave, notebook, onReload, announce }) {
  const message = banner.querySelector(".conflict-message");
  const reloadButton = banner.querySelector('[data-conflict="reload"]');
  const copyButton = banner.querySelector('[data-conflict="copy"]');

  autosave.addEventListener("conflict", () => {
    message.textContent =
      "This notebook was changed somewhere else (another tab or device) after you opened it. " +
      "Your latest edits here are not saved. Choose what to do:";
    // No focus change: the user may be typing, and a space on a focused button would press it.
    banner.hidden = false;
  });

  reloadButton.addEventListener("click", async () => {
    reloadButton.disabled = true;
    try {
      const newer = autosave.conflict || (await api.getNotebook(notebook.id));
      notebook.load(newer);
      banner.hidden = true;
      onReload(newer);
      autosave.resolved();
      announce("Loaded the newer version.");
    } catch (error) {
      message.textContent = `Could not load the newer version: ${error.detail || error.message}`;
    } finally {
      reloadButton.disabled = false;
    }
  });

  copyButton.addEventListener("click", async () => {
    copyButton.disabled = true;
    try {
      const copy = await api.createNotebook(notebook.toNewNotebook(`${notebook.title} (my copy)`));
      autosave.leaving = true; // the edits are safe in the copy: no "leave page?" prompt
      window.location.assign(`/notebooks/${encodeURIComponent(copy.id)}/`);
    } catch (error) {
      message.textContent = `Could not save a copy: ${error.detail || error.message}`;
      copyButton.disabled = false;
    }
  });
}
