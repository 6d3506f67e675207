// Terminal-like handling of carriage returns and backspaces in stream output, as Jupyter does it:
// `\r` moves the cursor to the start of the line and later characters overwrite it (progress
// bars), `\b` moves the cursor one column left. ANSI escape sequences take no column and are
// never overwritten, so a colour reset is not lost (colours of overwritten text are approximate).
// The result keeps the cursor position of its last line in a canonical trailing form (`\r` or
// `\b`s) so that the next chunk of the same stream continues exactly where a terminal would.

const ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/y;

function processLine(line, isLast) {
  const chars = []; // one character per column
  const escapes = []; // per column, every escape sequence written there (kept, never overwritten)
  let col = 0;
  let pending = "";
  for (let i = 0; i < line.length; ) {
    ESCAPE.lastIndex = i;
    const escape = ESCAPE.exec(line);
    if (escape) {
      pending += escape[0];
      i += escape[0].length;
      continue;
    }
    const ch = line[i];
    i += 1;
    if (ch === "\r") {
      col = 0;
    } else if (ch === "\b") {
      col = Math.max(0, col - 1);
    } else {
      escapes[col] = (escapes[col] || "") + pending;
      chars[col] = ch;
      pending = "";
      col += 1;
    }
  }
  const text = chars.map((c, i) => (escapes[i] || "") + c).join("") + pending;
  if (!isLast || col >= chars.length) return text;
  return col === 0 ? `${text}\r` : text + "\b".repeat(chars.length - col);
}

/** Apply `\r` and `\b` to `text`; a trailing cursor position is kept for the next chunk. */
export function fixConsole(text) {
  if (!/[\r\b]/.test(text)) return text;
  const lines = text.replace(/\r+\n/g, "\n").split("\n");
  return lines.map((line, i) => processLine(line, i === lines.length - 1)).join("\n");
}

/** Text for display: the canonical trailing cursor controls removed. */
export function displayText(text) {
  return text.replace(/[\r\b]+$/, "");
}
