// Code assistance in a code cell, as in Jupyter: Tab completes (from the running kernel, which knows
// the notebook's variables; else from the cell's own names, Python's keywords and builtins), typing
// "." offers the attribute's completions, Shift+Tab shows help for the name at the cursor (signature
// and docstring, from the kernel). Tab and Shift+Tab still indent where there is nothing to complete
// (at the start of a line, or with a selection).
// `provider()` returns {complete(code, cursor), inspect(code, cursor)} (Promises of the API's answers)
// or null while there is no live execution. The kernel counts positions in Unicode code points,
// CodeMirror in UTF-16 units: converted here, both ways.
import {
  EditorView, Prec, StateEffect, StateField, keymap, showTooltip, autocompletion, startCompletion,
  acceptCompletion, completionStatus, selectedCompletion, indentMore, indentLess, localCompletionSource, globalCompletion,
} from "../vendor/codemirror.js";

// IPython/jedi kinds -> CodeMirror's icon types.
const KINDS = {
  function: "function", method: "method", class: "class", module: "namespace", keyword: "keyword",
  instance: "variable", statement: "variable", param: "variable", property: "property", path: "text",
  magic: "keyword",
};
const NAME_BEFORE = /^[\p{L}\p{N}_]*$/u; // still the same completion while one types a name

export function toCodePoints(text, units) {
  let points = 0;
  for (let i = 0; i < units && i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) i += 1; // a surrogate pair: one code point
    points += 1;
  }
  return points;
}

export function toUnits(text, points) {
  let units = 0;
  for (let p = 0; p < points && units < text.length; p += 1) {
    const code = text.charCodeAt(units);
    units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
  }
  return units;
}

function localSource(context) {
  return localCompletionSource(context) || globalCompletion(context);
}

function afterDot(state, pos) {
  const line = state.doc.lineAt(pos);
  return /\.[\p{L}\p{N}_]*$/u.test(line.text.slice(0, pos - line.from));
}

// Only ever started explicitly (Tab, Ctrl+Space, a typed "."): a source pending while one types would
// swallow the Escape that leaves the cell.
function kernelSource(provider) {
  return (context) => {
    const assist = provider();
    if (!assist) return afterDot(context.state, context.pos) ? null : localSource(context);
    return askKernel(assist, context);
  };
}

async function askKernel(assist, context) {
  const code = context.state.doc.toString();
  let answer;
  try {
    answer = await assist.complete(code, toCodePoints(code, context.pos));
  } catch {
    answer = null; // offline, rate limited: the cell's own names still help
  }
  if (context.aborted) return null;
  if (!answer || answer.status !== "ok") return afterDot(context.state, context.pos) ? null : localSource(context);
  if (!answer.matches.length) return null;
  const from = toUnits(code, answer.cursor_start);
  const to = toUnits(code, answer.cursor_end);
  if (answer.matches.length === 1 && tabbedHere(context)) {
    insertNow(context.view, code, context.pos, from, to, answer.matches[0].text); // one match: in it goes, as in Jupyter
    return null;
  }
  const info = docsPanel(assist, context.view, code, from, to);
  return {
    from,
    to,
    options: answer.matches.map((m) => ({ label: m.text, type: KINDS[m.type] || "variable", detail: m.signature || undefined, info })),
    validFor: NAME_BEFORE,
  };
}

// Where Tab last asked for completions: a single match is inserted straight away only for a Tab (not for
// the list a typed "." opens, which would otherwise change the text while one is still typing).
let tabbed = null;

function tabbedHere(context) {
  return Boolean(tabbed && context.view && tabbed.view === context.view && tabbed.pos === context.pos && tabbed.doc === context.state.doc);
}

function insertNow(view, code, pos, from, to, text) {
  setTimeout(() => {
    // Only if nothing moved while the kernel answered: else the answer is about other text.
    if (view.state.selection.main.head !== pos || view.state.doc.toString() !== code) return;
    view.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length }, userEvent: "input.complete" });
  }, 0);
}

// The docstring of the selected completion, beside the list (as Colab shows it): asked only once the
// selection rests there for INFO_DELAY ms (arrowing through the list asks nothing), once per label.
const INFO_DELAY = 250;
const INFO_LINES = 24;

function docsPanel(assist, view, code, from, to) {
  const asked = new Map();
  return async (completion) => {
    if (!view) return null;
    if (!asked.has(completion.label)) {
      await new Promise((resolve) => setTimeout(resolve, INFO_DELAY));
      if (selectedCompletion(view.state) !== completion) return null;
      const text = code.slice(0, from) + completion.label + code.slice(to);
      const cursor = toCodePoints(text, from + completion.label.length);
      asked.set(completion.label, assist.inspect(text, cursor).catch(() => null));
    }
    const answer = await asked.get(completion.label);
    if (!answer || answer.status !== "ok" || !answer.found) return null;
    const dom = document.createElement("pre");
    dom.className = "cm-kernel-info";
    const lines = answer.text.split("\n");
    dom.textContent = lines.slice(0, INFO_LINES).join("\n") + (lines.length > INFO_LINES ? "\n…" : ""); // kernel text: never HTML
    return dom;
  };
}

// ---- help (Shift+Tab) ----

const setHelp = StateEffect.define();
const helpField = StateField.define({
  create: () => null,
  update(value, tr) {
    for (const effect of tr.effects) if (effect.is(setHelp)) return effect.value;
    return value && (tr.docChanged || tr.selection) ? null : value; // typing or moving closes it
  },
  provide: (field) => showTooltip.from(field),
});

function helpTooltip(pos, { title, text, note }) {
  return {
    pos,
    above: true,
    create() {
      const dom = document.createElement("div");
      dom.className = "cm-kernel-help";
      dom.setAttribute("role", "tooltip");
      const heading = document.createElement("div");
      heading.className = "cm-kernel-help-title";
      heading.textContent = title;
      dom.append(heading);
      if (text) {
        const body = document.createElement("pre");
        body.textContent = text; // kernel text: never HTML
        dom.append(body);
      }
      if (note) {
        const foot = document.createElement("div");
        foot.className = "cm-kernel-help-note";
        foot.textContent = note;
        dom.append(foot);
      }
      return { dom };
    },
  };
}

const WHY = {
  no_kernel: "No help yet: run a cell to start the kernel.",
  busy: "No help while a cell is running.",
  timeout: "The kernel did not answer in time.",
  error: "The kernel could not answer.",
};

async function showHelp(view, provider) {
  const assist = provider();
  const pos = view.state.selection.main.head;
  const code = view.state.doc.toString();
  let content;
  if (!assist) {
    content = { title: "Help", note: "Help comes from the running kernel: not available here." };
  } else {
    try {
      const answer = await assist.inspect(code, toCodePoints(code, pos));
      if (answer.status !== "ok") content = { title: "Help", note: WHY[answer.status] || answer.message };
      else if (!answer.found) content = { title: "Help", note: "Nothing found for the name at the cursor." };
      else content = { title: "Help", text: answer.text, note: answer.truncated ? "(cut: the help is longer)" : "Esc closes" };
    } catch (error) {
      content = { title: "Help", note: error.message || "Help is not available right now." };
    }
  }
  // The cursor moved or the text changed while waiting: the answer is about something else.
  if (view.state.selection.main.head !== pos || view.state.doc.toString() !== code) return;
  view.dispatch({ effects: setHelp.of(helpTooltip(pos, content)) });
}

function onlySpaceBefore(state) {
  const { main } = state.selection;
  if (!main.empty) return true;
  const line = state.doc.lineAt(main.head);
  return /^\s*$/.test(line.text.slice(0, main.head - line.from));
}

/** The extensions for a code cell's editor; they go before the notebook's own keys (Escape, arrows). */
export function assistExtensions(provider) {
  const keys = Prec.highest(keymap.of([
    {
      key: "Tab",
      run: (view) => {
        if (completionStatus(view.state) === "active") return acceptCompletion(view);
        if (onlySpaceBefore(view.state)) return indentMore(view);
        tabbed = { view, pos: view.state.selection.main.head, doc: view.state.doc };
        return startCompletion(view);
      },
    },
    {
      key: "Shift-Tab",
      run: (view) => {
        if (onlySpaceBefore(view.state)) return indentLess(view);
        showHelp(view, provider);
        return true;
      },
    },
    {
      key: "Escape",
      run: (view) => {
        if (!view.state.field(helpField)) return false;
        view.dispatch({ effects: setHelp.of(null) });
        return true;
      },
    },
  ]));
  // A typed "." opens the list of attributes, as in Colab.
  const onDot = EditorView.updateListener.of((update) => {
    const typed = update.transactions.some((tr) => tr.isUserEvent("input.type"));
    const { main } = update.state.selection;
    if (typed && main.empty && update.state.sliceDoc(main.head - 1, main.head) === ".") {
      setTimeout(() => startCompletion(update.view), 0); // no dispatch inside an update
    }
  });
  return [
    keys,
    helpField,
    onDot,
    autocompletion({ override: [kernelSource(provider)], activateOnTyping: false, icons: true, closeOnBlur: true, maxRenderedOptions: 200 }),
  ];
}
