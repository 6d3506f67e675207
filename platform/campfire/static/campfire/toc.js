// The table of contents ("Contents"): the markdown cells' headings in notebook order, indented by
// level and kept current as cells are edited, added, deleted, moved, re-typed or (re-)rendered.
// Choosing an entry selects the heading's cell and scrolls the heading just below the sticky
// header; while the reader scrolls, the entry of the section on screen is marked (aria-current).
// Heading text is user content: it reaches the DOM through textContent only, never as HTML.

import { readSetting, writeSetting } from "./settings.js";

const SETTING = "campfire.contents"; // "open" / "closed", remembered for wide windows
const NARROW = "(max-width: 1099px)"; // the panel starts closed here, and toggling is not remembered
const STACKED = "(max-width: 799px)"; // editor.css puts the panel above the cells here
const HEADINGS = "h1, h2, h3, h4, h5, h6";
const GAP = 12; // px between the sticky header and a heading scrolled to
const CELL_GAP = 24; // px above a cell scrolled to: its toolbar stands out above its top edge

// ---- headings from markdown source (cells not rendered right now) ----

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
// Lines that end a paragraph (so a following "---" is a rule, not a setext underline):
// block quotes, HTML blocks, table rows, list items, thematic breaks.
const NOT_PARAGRAPH = /^ {0,3}(?:[>#<|]|[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|(?:\*[ \t]*){3,}$|(?:_[ \t]*){3,}$)/;
const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntities(text) {
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));/g, (whole, dec, hex, name) => {
    if (name) return Object.hasOwn(ENTITIES, name) ? ENTITIES[name] : whole;
    const code = dec ? Number(dec) : parseInt(hex, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function inlineText(text) {
  return decodeEntities(
    text
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1") // images: their alt text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // links: their text
      .replace(/\[([^\]]*)\]\[[^\]]*\]/g, "$1")
      .replace(/<\/?[A-Za-z][^>]*>/g, "") // HTML tags (the rendered heading shows no tags either)
      .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, "$2")
      .replace(/\*(?=\S)(.+?)(?<=\S)\*/g, "$1")
      .replace(/(^|\W)_(?=\S)(.+?)(?<=\S)_(?!\w)/g, "$1$2")
      .replace(/~~(.+?)~~/g, "$1")
      .replace(/\\([!-/:-@[-`{-~])/g, "$1"),
  );
}

/** A heading's markdown as plain text: code spans kept verbatim, other inline markup dropped. */
export function plainHeadingText(markdown) {
  let out = "";
  let last = 0;
  for (const match of markdown.matchAll(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g)) {
    out += inlineText(markdown.slice(last, match.index)) + match[2].trim();
    last = match.index + match[0].length;
  }
  out += inlineText(markdown.slice(last));
  return out.replace(/\s+/g, " ").trim();
}

/**
 * ATX (`## Title`) and setext (`Title` over `===` / `---`) headings of a markdown source, not those
 * inside fenced or indented code: [{level, text, line}] with 0-based line numbers.
 */
export function headingsFromSource(source) {
  const headings = [];
  let fence = null; // the opening fence while inside fenced code
  let paragraph = null; // {start, lines} of the paragraph being read
  const push = (level, raw, line) => {
    const text = plainHeadingText(raw) || raw.replace(/\s+/g, " ").trim();
    if (text) headings.push({ level, text, line });
  };
  String(source)
    .split(/\r\n|\r|\n/)
    .forEach((line, number) => {
      if (fence) {
        const close = FENCE_CLOSE.exec(line);
        if (close && close[1][0] === fence[0] && close[1].length >= fence.length) fence = null;
        return;
      }
      const open = FENCE_OPEN.exec(line);
      if (open && !(open[1][0] === "`" && open[2].includes("`"))) {
        fence = open[1];
        paragraph = null;
        return;
      }
      const atx = ATX.exec(line);
      if (atx) {
        push(atx[1].length, (atx[2] || "").replace(/(?:^|[ \t]+)#+$/, ""), number);
        paragraph = null;
        return;
      }
      if (paragraph && SETEXT.test(line)) {
        push(line.trim()[0] === "=" ? 1 : 2, paragraph.lines.join(" "), paragraph.start);
        paragraph = null;
        return;
      }
      if (!line.trim() || NOT_PARAGRAPH.test(line) || SETEXT.test(line)) paragraph = null;
      else if (paragraph) paragraph.lines.push(line.trim());
      else if (!/^(?: {4}|\t)/.test(line)) paragraph = { start: number, lines: [line.trim()] }; // else indented code
    });
  return headings;
}

// A rendered heading's text, as a reader sees it (MathML annotations left out).
function renderedText(element) {
  let text = "";
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement || !node.parentElement.closest("annotation, annotation-xml")) text += node.data;
  }
  return text.replace(/\s+/g, " ").trim();
}

export class TableOfContents {
  /**
   * root: #notebook-app; view: the NotebookView; notebook: the model. The panel is the page's
   * <nav id="nb-toc">; [data-toggle-contents] buttons open and close it. Without the panel
   * (a page that does not include it) this does nothing.
   */
  constructor({ root, view, notebook }) {
    this.root = root;
    this.view = view;
    this.notebook = notebook;
    this.nav = document.getElementById("nb-toc");
    this.header = root.querySelector(".nb-header"); // sticky; absent on the tutorial page
    this.toggles = [...document.querySelectorAll("[data-toggle-contents]")];
    this.entries = []; // [{cell, level, text, element?, line?}] in notebook order
    this.buttons = []; // one per entry
    this.signature = null; // what the list shows, to rebuild it only when that changes
    this.active = -1;
    this.pin = null; // {index, base}: the entry chosen, marked until the reader scrolls elsewhere
    this.open = false;
    this.stale = true;
    this.timer = null;
    this.frame = 0;
    if (!this.nav) return;
    this.list = this.nav.querySelector(".nb-toc-list");
    this.empty = this.nav.querySelector(".nb-toc-empty");
    this.bind();
    const narrow = window.matchMedia(NARROW).matches;
    const saved = readSetting(SETTING);
    this.setOpen(!narrow && saved !== "closed", { persist: false });
  }

  // ---- open / closed ----

  isOpen() {
    return this.open;
  }

  setOpen(open, { persist = true } = {}) {
    if (!this.nav) return;
    this.open = open;
    this.nav.hidden = !open;
    this.root.classList.toggle("toc-open", open);
    for (const toggle of this.toggles) toggle.setAttribute("aria-expanded", String(open));
    if (persist && !window.matchMedia(NARROW).matches) writeSetting(SETTING, open ? "open" : "closed");
    if (open) {
      this.updateHeaderHeight();
      if (this.stale) this.refresh();
      else this.updateActive();
    }
  }

  toggle() {
    this.setOpen(!this.open);
  }

  // ---- keeping the list current ----

  bind() {
    for (const toggle of this.toggles) toggle.addEventListener("click", () => this.toggle());
    for (const close of this.nav.querySelectorAll("[data-close-contents]")) {
      close.addEventListener("click", () => {
        this.setOpen(false);
        const opener = this.toggles.find((toggle) => toggle.offsetParent !== null);
        if (opener) opener.focus();
      });
    }
    // Every edit, insert, delete, move and type change touches the model.
    this.notebook.addEventListener("change", () => this.schedule());
    // Rendering (Shift+Enter, after an edit, a conflict reload) happens in the cell views, later:
    // watch the cell list itself, cells' visibility toggles and the rendered markdown, not the
    // editors or the outputs.
    const cells = this.view.container;
    this.observer = new MutationObserver((records) => {
      const relevant = records.some(
        (record) => record.target === cells || record.type === "attributes" || (record.target.closest && record.target.closest(".cell-rendered")),
      );
      if (relevant) this.schedule();
    });
    this.observer.observe(cells, { childList: true, subtree: true, attributes: true, attributeFilter: ["hidden", "data-cell-type"] });

    window.addEventListener("scroll", () => this.scheduleActive(), { passive: true });
    window.addEventListener("resize", () => this.scheduleActive());
    if (this.header && "ResizeObserver" in window) {
      new ResizeObserver(() => this.updateHeaderHeight()).observe(this.header);
    }

    this.list.addEventListener("click", (event) => {
      const index = this.buttons.indexOf(event.target.closest(".nb-toc-link"));
      if (index !== -1) this.go(index);
    });
    this.nav.addEventListener("keydown", (event) => this.onKeydown(event));
  }

  schedule() {
    this.stale = true;
    if (this.timer || !this.open) return;
    // At most every 80 ms while typing; the first change shows soon after it is made.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh();
    }, 80);
  }

  scheduleActive() {
    if (this.frame || !this.open) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.updateActive();
    });
  }

  updateHeaderHeight() {
    // CSSOM, not a style attribute: the CSP allows it. editor.css places the sticky panel below it.
    if (this.header) this.root.style.setProperty("--nb-header-height", `${this.header.offsetHeight}px`);
  }

  /** The headings now: rendered cells from their HTML, the others from their source. */
  collect() {
    const entries = [];
    for (const cell of this.notebook.cells) {
      if (cell.cell_type !== "markdown") continue;
      const cellView = this.view.viewOf(cell);
      if (!cellView) continue;
      const parsed = headingsFromSource(cell.source);
      if (cellView.isRendered && cellView.renderedSource === cell.source) {
        const elements = [...cellView.rendered.querySelectorAll(HEADINGS)];
        elements.forEach((element, i) => {
          // A heading with no text of its own (only an image, say): its source, as text.
          const text = renderedText(element) || (elements.length === parsed.length ? parsed[i].text : "");
          if (text) entries.push({ cell, level: Number(element.tagName[1]), text, element });
        });
      } else {
        for (const heading of parsed) entries.push({ cell, level: heading.level, text: heading.text, line: heading.line });
      }
    }
    return entries;
  }

  refresh() {
    if (!this.nav) return;
    if (!this.open) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const entries = this.collect();
    const signature = JSON.stringify(entries.map((entry) => [entry.level, entry.text]));
    const sameCells = entries.length === this.entries.length && entries.every((entry, i) => entry.cell === this.entries[i].cell);
    if (!sameCells) this.pin = null;
    this.entries = entries;
    if (signature !== this.signature) {
      this.signature = signature;
      this.pin = null;
      this.renderList();
    }
    this.updateActive();
  }

  renderList() {
    const focused = this.buttons.indexOf(document.activeElement);
    const minLevel = Math.min(6, ...this.entries.map((entry) => entry.level));
    this.buttons = [];
    const items = this.entries.map((entry) => {
      const item = document.createElement("li");
      item.className = `nb-toc-item nb-toc-depth-${entry.level - minLevel}`;
      item.setAttribute("aria-level", String(entry.level));
      const button = document.createElement("button");
      button.type = "button";
      button.className = "nb-toc-link";
      button.tabIndex = -1;
      button.textContent = entry.text; // never innerHTML: this is the notebook author's text
      this.buttons.push(button);
      item.append(button);
      return item;
    });
    this.list.replaceChildren(...items);
    this.empty.hidden = items.length > 0;
    this.active = -1;
    this.setTabStop(0);
    if (focused !== -1 && this.buttons.length) {
      const index = Math.min(focused, this.buttons.length - 1);
      this.setTabStop(index);
      this.buttons[index].focus({ preventScroll: true });
    }
  }

  // ---- where the reader is ----

  /** Where an entry's heading is now, relative to the viewport top (px), or null. */
  topOf(entry) {
    if (entry.element && entry.element.isConnected && !entry.element.closest("[hidden]")) return entry.element.getBoundingClientRect().top;
    const cellView = this.view.viewOf(entry.cell);
    if (!cellView || !cellView.element.isConnected) return null;
    if (entry.line !== undefined && cellView.editor && !cellView.editorHost.hidden) {
      try {
        const editor = cellView.editor.view; // CodeMirror's EditorView: the heading's own line
        const coords = editor.coordsAtPos(editor.state.doc.line(entry.line + 1).from);
        if (coords) return coords.top;
      } catch {
        /* the text changed since the list was made: the cell will do */
      }
    }
    return cellView.element.getBoundingClientRect().top;
  }

  headerBottom() {
    return this.header ? Math.max(0, this.header.getBoundingClientRect().bottom) : 0;
  }

  /** The section being read: the last heading above a line a quarter down the visible area. */
  naturalActive() {
    const top = this.headerBottom();
    const line = top + Math.max(48, (window.innerHeight - top) * 0.25);
    let active = -1;
    for (let i = 0; i < this.entries.length; i += 1) {
      const y = this.topOf(this.entries[i]);
      if (y === null) continue;
      if (y > line) break;
      active = i;
    }
    return active;
  }

  updateActive() {
    if (!this.open || !this.nav) return;
    const natural = this.naturalActive();
    if (this.pin && (this.pin.base !== natural || this.pin.index >= this.entries.length)) this.pin = null;
    this.setActive(this.pin ? this.pin.index : natural);
  }

  setActive(index) {
    if (index === this.active) return;
    if (this.buttons[this.active]) this.buttons[this.active].removeAttribute("aria-current");
    this.active = index;
    const button = this.buttons[index];
    if (!button) return;
    button.setAttribute("aria-current", "location");
    if (!this.list.contains(document.activeElement)) this.setTabStop(index);
    // Keep the marked entry visible inside the panel (not by scrollIntoView: that would scroll the page too).
    const entry = button.getBoundingClientRect();
    const panel = this.nav.getBoundingClientRect();
    if (entry.top < panel.top) this.nav.scrollTop -= panel.top - entry.top + 8;
    else if (entry.bottom > panel.bottom) this.nav.scrollTop += entry.bottom - panel.bottom + 8;
  }

  // ---- going to a heading ----

  go(index) {
    if (this.stale) this.refresh(); // where the heading is now (a cell may have just left its rendered form)
    const entry = this.entries[index];
    if (!entry || !this.view.viewOf(entry.cell)) return;
    // Stacked above the cells (narrow windows), the open panel would push them down: close it first.
    if (window.matchMedia(STACKED).matches) this.setOpen(false, { persist: false });
    if (this.view.mode === "edit") this.view.enterCommand();
    this.view.select(entry.cell, { scroll: false }); // command mode: the cell gets the focus
    this.scrollTo(entry);
    this.pin = { index, base: this.naturalActive() };
    this.setActive(index);
  }

  scrollTo(entry) {
    const top = this.topOf(entry);
    if (top === null) return;
    const cellTop = this.view.viewOf(entry.cell).element.getBoundingClientRect().top;
    // A heading at the top of its cell: the whole cell, toolbar included; otherwise the heading.
    const target = top - cellTop < 40 ? cellTop - CELL_GAP : top - GAP;
    const headerHeight = this.header ? this.header.offsetHeight : 0;
    window.scrollTo({ top: Math.max(0, window.scrollY + target - headerHeight), behavior: "auto" });
  }

  // ---- keys inside the panel ----

  setTabStop(index) {
    this.buttons.forEach((button, i) => {
      button.tabIndex = i === index ? 0 : -1;
    });
  }

  onKeydown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return; // Ctrl+S and the like still work
    const index = this.buttons.indexOf(event.target);
    let next = null;
    if (index !== -1) {
      if (event.key === "ArrowDown") next = Math.min(index + 1, this.buttons.length - 1);
      else if (event.key === "ArrowUp") next = Math.max(index - 1, 0);
      else if (event.key === "Home") next = 0;
      else if (event.key === "End") next = this.buttons.length - 1;
    }
    if (next !== null) {
      event.preventDefault();
      this.setTabStop(next);
      this.buttons[next].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.view.enterCommand(); // back to the selected cell
    }
    // The notebook's command keys are not for the panel ("d d" here must not delete a cell).
    event.stopPropagation();
  }
}
