// CodeMirror 6 for one cell: Python (code), Markdown, or plain text (raw), with bracket matching,
// auto-indent, search (Mod-f), history, and the Jupyter keys handed to the notebook through `keys`.
// Styles: CodeMirror injects its CSS through constructable stylesheets, or <style> elements
// carrying the page's CSP nonce where the browser has no constructable stylesheets.
import {
  EditorState, EditorView, Compartment, Prec, keymap, lineNumbers, drawSelection, dropCursor,
  highlightSpecialChars, highlightActiveLine, rectangularSelection, crosshairCursor,
  defaultKeymap, history, historyKeymap, indentWithTab, indentOnInput, bracketMatching,
  syntaxHighlighting, defaultHighlightStyle, indentUnit, foldKeymap, search, searchKeymap,
  highlightSelectionMatches, closeBrackets, closeBracketsKeymap, python, markdown,
} from "../vendor/codemirror.js";
import { assistExtensions } from "./assist.js";

const nonceMeta = document.querySelector('meta[name="csp-nonce"]');
const stickyHeaderHeight = () => document.querySelector(".nb-header")?.getBoundingClientRect().height ?? 0;
const cspNonce = nonceMeta ? nonceMeta.content : "";

function languageFor(cellType) {
  const label = EditorView.contentAttributes.of({ "aria-label": `${cellType} cell source` });
  if (cellType === "code") return [python(), label];
  if (cellType === "markdown") return [markdown(), label];
  return label;
}

const theme = EditorView.theme({
  "&": { fontSize: "14px", backgroundColor: "transparent" },
  ".cm-content": { fontFamily: "var(--font-mono)", padding: "6px 0" },
  ".cm-gutters": { backgroundColor: "transparent", border: "none", color: "#8b949e" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { lineHeight: "1.5" },
});

const clearOfHeader = EditorView.updateListener.of((update) => {
  if (!update.selectionSet || !update.view.hasFocus) return;
  update.view.requestMeasure({
    read: (view) => view.coordsAtPos(view.state.selection.main.head),
    write: (coords) => {
      const clear = stickyHeaderHeight() + 8;
      if (coords && coords.top < clear) window.scrollBy(0, coords.top - clear);
    },
  });
});

/**
 * Create an editor in `parent`. `keys` maps the notebook's actions: run, runInPlace,
 * runInsertBelow, escape, save, exitUp, exitDown. `onChange(text)` fires on every edit.
 * `assist`: () -> the kernel's completion/help provider or null (assist.js); code cells only.
 */
export function createCodeEditor({ parent, doc, cellType, readOnly = false, lineNumbersOn = false, keys, onChange, onFocus, assist = null }) {
  const language = new Compartment();
  // Before the notebook's keys: an open completion list takes Escape, Enter and the arrows first.
  const assistance = new Compartment();
  const assistFor = (type) => (type === "code" && assist && !readOnly ? assistExtensions(assist) : []);
  const gutter = new Compartment();
  const notebookKeys = Prec.highest(keymap.of([
    { key: "Shift-Enter", run: () => (keys.run(), true) },
    { key: "Mod-Enter", run: () => (keys.runInPlace(), true) },
    { key: "Alt-Enter", run: () => (keys.runInsertBelow(), true) },
    { key: "Escape", run: () => (keys.escape(), true) },
    { key: "Mod-s", run: () => (keys.save(), true), preventDefault: true },
    {
      key: "ArrowUp",
      run: (view) => {
        const { main } = view.state.selection;
        if (!main.empty || view.state.doc.lineAt(main.head).number !== 1) return false;
        return keys.exitUp();
      },
    },
    {
      key: "ArrowDown",
      run: (view) => {
        const { main } = view.state.selection;
        if (!main.empty || view.state.doc.lineAt(main.head).number !== view.state.doc.lines) return false;
        return keys.exitDown();
      },
    },
  ]));
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        assistance.of(assistFor(cellType)),
        notebookKeys,
        gutter.of(lineNumbersOn ? lineNumbers() : []),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        dropCursor(),
        EditorState.allowMultipleSelections.of(true),
        indentOnInput(),
        indentUnit.of("    "),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        bracketMatching(),
        closeBrackets(),
        rectangularSelection(),
        crosshairCursor(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        search({ top: true }),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, indentWithTab]),
        language.of(languageFor(cellType)),
        EditorState.readOnly.of(readOnly),
        EditorView.editable.of(!readOnly),
        EditorView.lineWrapping,
        // The notebook header is sticky: keep the cursor clear of it (not with scrollMargins, which
        // CodeMirror also applies to tooltips: it would hide the completion list under a margin).
        clearOfHeader,
        EditorView.scrollMargins.of(() => ({ bottom: 16 })),
        EditorView.cspNonce.of(cspNonce),
        theme,
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
          if (update.focusChanged && update.view.hasFocus) onFocus();
        }),
      ],
    }),
  });
  return {
    view,
    setCellType(type) {
      view.dispatch({ effects: [language.reconfigure(languageFor(type)), assistance.reconfigure(assistFor(type))] });
    },
    setLineNumbers(on) {
      view.dispatch({ effects: gutter.reconfigure(on ? lineNumbers() : []) });
    },
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    focus(where = "keep") {
      view.focus();
      if (where === "start") view.dispatch({ selection: { anchor: 0 } });
      if (where === "end") view.dispatch({ selection: { anchor: view.state.doc.length } });
    },
    blur() {
      view.contentDOM.blur();
    },
    destroy() {
      view.destroy();
    },
  };
}
