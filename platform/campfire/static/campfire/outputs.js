// Output rendering by MIME type. Stored outputs are rendered once on page load; live execution
// (kernel.js, issue 4) feeds the same functions from WebSocket events:
//   appendOutput(area, output, {displayId})  -- an nbformat v4 output dict; consecutive streams merge
//   clearOutput(area, wait)                  -- wait=true clears when the next output arrives
//   updateDisplay(displayId, output)         -- update_display_data: replaces every output with that id
//   renderOutput(output)                     -- one output as an element (used by all of the above)
// Every string in an output is hostile: text goes in through textContent, HTML through
// sanitize.js, SVG only as an <img> (scripts never run in image context), and rich HTML/JS only in a
// sandboxed iframe without allow-same-origin (see outputframe.js).
import { sanitizeHTML, sanitizeAnsiHTML, sanitizeToFragment } from "./sanitize.js";
import { fixConsole, displayText } from "./streamtext.js";
import { createOutputFrame, outputFramesAvailable } from "./outputframe.js";
import { AnsiUp } from "../vendor/ansi_up.js";

// JupyterLab's ranks: json-extension 0, html 50, markdown 60, latex 70, svg 80, images 90,
// javascript 110, plain text 120. The first type present in a bundle wins.
export const MIME_ORDER = [
  "application/json",
  "text/html",
  "text/markdown",
  "text/latex",
  "image/svg+xml",
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/javascript",
  "text/plain",
];
const TEXT_LIMIT = 50_000; // characters shown before "Show all"
const JSON_ENTRIES_LIMIT = 200;

let renderMarkdownHTML = null; // async (source) => html, set by configureOutputs

/** Wire the server markdown renderer in (text/markdown and text/latex outputs use it). */
export function configureOutputs({ renderMarkdown }) {
  renderMarkdownHTML = renderMarkdown;
}

const ansi = new AnsiUp();
ansi.use_classes = true;
ansi.escape_html = true;

function joinText(value) {
  return Array.isArray(value) ? value.join("") : String(value ?? "");
}

/** A copy of an nbformat output with multi-line strings joined (nbformat stores lists of lines). */
export function normalizeOutput(output) {
  if (!output || typeof output !== "object") throw new TypeError("an output must be an object");
  const copy = { ...output };
  if (copy.output_type === "stream") copy.text = joinText(copy.text);
  if (copy.data && typeof copy.data === "object") {
    copy.data = Object.fromEntries(
      Object.entries(copy.data).map(([mime, value]) =>
        [mime, mime === "application/json" || mime.endsWith("+json") ? value : joinText(value)]),
    );
  }
  if (copy.output_type === "error") copy.traceback = Array.isArray(copy.traceback) ? copy.traceback.map(String) : [];
  return copy;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function ansiBlock(text, className) {
  const pre = el("pre", className);
  pre.append(sanitizeAnsiHTML(ansi.ansi_to_html(text)));
  return pre;
}

// Long text: the first TEXT_LIMIT characters, with a button that renders the rest on demand.
function textBlock(text, className, { useAnsi = true } = {}) {
  const render = (t) => (useAnsi ? ansiBlock(t, className) : Object.assign(el("pre", className), { textContent: t }));
  if (text.length <= TEXT_LIMIT) return render(text);
  const box = el("div", "output-truncated");
  box.append(render(text.slice(0, TEXT_LIMIT)));
  const more = el("button", "output-show-all", `Show all (${text.length.toLocaleString()} characters)`);
  more.type = "button";
  more.addEventListener("click", () => box.replaceChildren(render(text)));
  box.append(more);
  return box;
}

function imageElement(mime, data, metadata) {
  const img = el("img", "output-image");
  const meta = (metadata && (metadata[mime] || metadata)) || {};
  if (mime === "image/svg+xml") {
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(data)}`;
  } else {
    img.src = `data:${mime};base64,${data.replace(/\s+/g, "")}`;
  }
  img.alt = "output image";
  for (const dimension of ["width", "height"]) {
    const value = Number(meta[dimension]);
    if (Number.isFinite(value) && value > 0) img.setAttribute(dimension, String(Math.round(value)));
  }
  img.addEventListener("error", () => img.replaceWith(el("pre", "output-error-text", `[${mime} image could not be decoded]`)), { once: true });
  return img;
}

function jsonTree(value, key, depth) {
  const label = key === undefined ? "" : `${JSON.stringify(key)}: `;
  if (value === null || typeof value !== "object") {
    return el("div", "json-leaf", `${label}${JSON.stringify(value)}`);
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  const details = el("details", "json-node");
  details.open = depth < 1;
  const summary = Array.isArray(value) ? `[${entries.length} items]` : `{${entries.length} keys}`;
  details.append(el("summary", null, `${label}${summary}`));
  for (const [k, v] of entries.slice(0, JSON_ENTRIES_LIMIT)) details.append(jsonTree(v, Array.isArray(value) ? undefined : k, depth + 1));
  if (entries.length > JSON_ENTRIES_LIMIT) details.append(el("div", "json-leaf", `… ${entries.length - JSON_ENTRIES_LIMIT} more`));
  return details;
}

function markdownBlock(source) {
  const box = el("div", "output-markdown rendered-markdown");
  box.append(el("pre", "output-text", source));
  if (renderMarkdownHTML) {
    renderMarkdownHTML(source).then(
      (html) => box.replaceChildren(sanitizeToFragment(html)),
      () => box.append(el("p", "output-note", "(markdown could not be rendered; showing the source)")),
    );
  }
  return box;
}

function htmlBlock(html) {
  const { fragment, active } = sanitizeHTML(html);
  if (active && outputFramesAvailable()) return createOutputFrame(html);
  const box = el("div", "output-html");
  box.append(fragment);
  if (active) box.append(el("p", "output-note", "Scripts in this output were not run."));
  return box;
}

function renderMime(mime, data, metadata) {
  switch (mime) {
    case "application/json": {
      const box = el("div", "output-json");
      box.append(jsonTree(data, undefined, 0));
      return box;
    }
    case "text/html":
      return htmlBlock(data);
    case "text/markdown":
      return markdownBlock(data);
    case "text/latex": {
      const trimmed = data.trim();
      return markdownBlock(trimmed.startsWith("$") ? trimmed : `$$${trimmed}$$`);
    }
    case "application/javascript": {
      if (!outputFramesAvailable()) return el("p", "output-note", "[JavaScript output not run]");
      return createOutputFrame(`<script>${data.replace(/<\/(script)/gi, "<\\/$1")}</script>`);
    }
    case "text/plain":
      return textBlock(data, "output-text");
    default:
      return imageElement(mime, data, metadata); // the remaining MIME_ORDER entries are images
  }
}

function bundleElement(output) {
  const data = output.data || {};
  const mime = MIME_ORDER.find((type) => type in data);
  if (!mime) {
    const types = Object.keys(data);
    return el("pre", "output-note", types.length ? `[no renderer for ${types.join(", ")}]` : "[empty output]");
  }
  const node = renderMime(mime, data[mime], output.metadata);
  node.dataset.mime = mime;
  return node;
}

/** One output as an element: a prompt column (Out[n]: for results) and the rendered body. */
export function renderOutput(rawOutput) {
  const output = normalizeOutput(rawOutput);
  const row = el("div", "output");
  row.dataset.outputType = output.output_type || "unknown";
  const prompt = el("div", "output-prompt");
  if (output.output_type === "execute_result" && Number.isInteger(output.execution_count)) {
    prompt.textContent = `Out[${output.execution_count}]:`;
  }
  let body;
  switch (output.output_type) {
    case "stream":
      body = textBlock(displayText(output.text), `output-text output-stream output-${output.name === "stderr" ? "stderr" : "stdout"}`);
      break;
    case "display_data":
    case "execute_result":
      body = bundleElement(output);
      break;
    case "error":
      body = textBlock(output.traceback.length ? output.traceback.join("\n") : `${output.ename}: ${output.evalue}`, "output-text output-error");
      break;
    default:
      body = el("pre", "output-note", `[unknown output type ${JSON.stringify(output.output_type)}]`);
  }
  body.classList.add("output-body");
  row.append(prompt, body);
  return row;
}

// ---- output areas: the outputs of one cell, and the live-update operations ----

const displays = new Map(); // display_id -> Set of {area, item}

export class OutputArea {
  constructor(element) {
    this.element = element;
    this.items = []; // {output, element}
    this.pendingClear = false;
  }

  /** Replace everything with stored outputs (page load, reload after a conflict); `displays`
   *  ({display id: [output indexes]}) lets a later cell's update_display_data find them. */
  render(outputs, displays = {}) {
    this.clearNow();
    const ids = new Map();
    for (const [displayId, indexes] of Object.entries(displays || {})) {
      if (Array.isArray(indexes)) for (const index of indexes) ids.set(index, displayId);
    }
    (outputs || []).forEach((output, index) => appendOutput(this, output, { displayId: ids.get(index) }));
  }

  clearNow() {
    for (const set of displays.values()) for (const entry of set) if (entry.area === this) set.delete(entry);
    this.items = [];
    this.pendingClear = false;
    this.element.replaceChildren();
    this.element.hidden = true;
  }

  get outputs() {
    return this.items.map((item) => item.output);
  }
}

// The part of a merged stream before its last newline is final; only the rest is reprocessed,
// so a long-running stream costs O(chunk) per chunk rather than O(everything so far).
export function mergeStreamText(previous, next) {
  const cut = previous.lastIndexOf("\n") + 1;
  return previous.slice(0, cut) + fixConsole(previous.slice(cut) + next);
}

/** Append one nbformat output to `area` (merging consecutive streams of the same name). */
export function appendOutput(area, rawOutput, { displayId } = {}) {
  if (area.pendingClear) area.clearNow();
  const output = normalizeOutput(rawOutput);
  const last = area.items[area.items.length - 1];
  if (output.output_type === "stream" && last && last.output.output_type === "stream" && last.output.name === output.name) {
    last.output.text = mergeStreamText(last.output.text, output.text);
    const element = renderOutput(last.output);
    last.element.replaceWith(element);
    last.element = element;
    return last;
  }
  if (output.output_type === "stream") output.text = fixConsole(output.text);
  const item = { output, element: renderOutput(output) };
  area.items.push(item);
  area.element.append(item.element);
  area.element.hidden = false;
  if (displayId) {
    if (!displays.has(displayId)) displays.set(displayId, new Set());
    displays.get(displayId).add({ area, item });
  }
  return item;
}

/** clear_output: now, or (wait=true) just before the next output arrives, as Jupyter does. */
export function clearOutput(area, wait = false) {
  if (wait) area.pendingClear = true;
  else area.clearNow();
}

/** update_display_data: re-render every output shown under `displayId`. */
export function updateDisplay(displayId, rawOutput) {
  const entries = displays.get(displayId);
  if (!entries) return 0;
  let updated = 0;
  for (const entry of entries) {
    if (!entry.item.element.isConnected) {
      entries.delete(entry);
      continue;
    }
    const output = { ...normalizeOutput(rawOutput), output_type: entry.item.output.output_type };
    if (output.output_type === "execute_result") output.execution_count = entry.item.output.execution_count;
    const element = renderOutput(output);
    entry.item.element.replaceWith(element);
    entry.item.element = element;
    entry.item.output = output;
    updated += 1;
  }
  return updated;
}
