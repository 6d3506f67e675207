// The CodeMirror 6 surface Campfire's editor uses, re-exported from one bundle so every
// cell editor shares a single copy of @codemirror/state (two copies break instanceof checks).
export { EditorState, EditorSelection, Compartment, Prec, Transaction, StateField, StateEffect } from "@codemirror/state";
export {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, dropCursor, highlightSpecialChars, rectangularSelection, crosshairCursor,
  placeholder, showTooltip,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab, indentMore, indentLess, undo, redo } from "@codemirror/commands";
export {
  indentOnInput, bracketMatching, syntaxHighlighting, defaultHighlightStyle, indentUnit,
  foldKeymap,
} from "@codemirror/language";
export { search, searchKeymap, highlightSelectionMatches, openSearchPanel } from "@codemirror/search";
export {
  closeBrackets, closeBracketsKeymap, autocompletion, startCompletion, closeCompletion, acceptCompletion,
  completionStatus, selectedCompletion,
} from "@codemirror/autocomplete";
export { python, localCompletionSource, globalCompletion } from "@codemirror/lang-python";
export { markdown } from "@codemirror/lang-markdown";
