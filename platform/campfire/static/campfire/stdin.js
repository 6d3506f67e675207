// A running cell's input() / getpass(): a text box in the cell's output area (the `input_request`
// event). Enter sends the answer (POST /api/executions/{id}/input); the worker then echoes what was
// entered into the output (a password as dots) and kernel.js removes the box.
import { apiFetch } from "./api.js";

export function askForInput(area, { prompt, password }, { execution, focus }) {
  const form = document.createElement("form");
  form.className = "stdin-request";
  const label = document.createElement("label");
  const text = document.createElement("span");
  text.className = "stdin-prompt";
  text.textContent = prompt; // from the kernel: text only
  const input = document.createElement("input");
  input.type = password ? "password" : "text";
  input.className = "stdin-input";
  input.autocomplete = "off";
  input.spellcheck = false;
  input.setAttribute("aria-label", prompt.trim() || "Input for the running cell");
  const note = document.createElement("span");
  note.className = "stdin-note";
  note.setAttribute("role", "status");
  label.append(text, input);
  form.append(label, note);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    input.disabled = true;
    note.textContent = "";
    try {
      await apiFetch(`/api/executions/${encodeURIComponent(execution)}/input`, { method: "POST", body: { value: input.value } });
    } catch (error) {
      input.disabled = false;
      note.textContent = error.detail || error.message;
    }
  });
  area.element.append(form);
  area.element.hidden = false;
  if (focus) input.focus();
  return form;
}
