// The CodeMirror 6 surface Campfire's editor uses, re-exported from one bundle so every
// cell editor shares a single copy of @codemirror/state (two copies break instanceof checks).
export { EditorState, EditorSelection, Compartment, Prec, Transaction } from "@codemirror/state";
export {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, dropCursor, highlightSpecialChars, rectangularSelection, crosshairCursor,
  placeholder,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab, undo, redo } from "@codemirror/commands";
export {
  indentOnInput, bracketMatching, syntaxHighlighting, defaultHighlightStyle, indentUnit,
  foldKeymap,
} from "@codemirror/language";
export { search, searchKeymap, highlightSelectionMatches, openSearchPanel } from "@codemirror/search";
export { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
export { python } from "@codemirror/lang-python";
export { markdown } from "@codemirror/lang-markdown";
