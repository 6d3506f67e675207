// The one place where untrusted HTML becomes DOM. Everything (markdown from the server, HTML
// outputs, ANSI-coloured text) goes through DOMPurify with an allow-list that needs no help from
// the CSP: no script, no event handlers, no forms, no frames, no style (the page's CSP would block
// it anyway and report a violation), no data-* attributes (our own UI dispatches on data-action),
// ids and names prefixed `user-content-` (no DOM clobbering), links opened in a new tab without
// an opener, and images only from data:/blob: URLs (remote images are tracking pixels, and the
// CSP would refuse them).
import DOMPurify from "../vendor/dompurify.js";

const FORBID_TAGS = ["style", "form", "input", "button", "select", "textarea", "option", "base", "link", "meta"];
const FORBID_ATTR = ["style", "action", "formaction", "srcset", "ping", "background"];
const SAFE_IMAGE_SRC = /^(?:data:image\/(?:png|jpe?g|gif|webp|bmp|svg\+xml)[;,]|blob:)/i;
const SAFE_HREF = /^(?:https?:|mailto:|#)/i;
// Active content: when an HTML output carries any of it, the author meant it to run, so the
// output goes to the sandboxed frame instead of being shown inline with the script stripped.
const ACTIVE_TAGS = new Set(["script"]);

// Class names the editor's own CSS and scripts use: user content may not borrow them to dress up
// as Campfire UI (a fake toolbar, a fake conflict banner). Other classes (pandas' "dataframe") stay.
const RESERVED_CLASS = /^(?:cell|nb-|exercise-|tutorial-|output|cm-|save-|conflict|run-|kernel|button|icon-button|visually-hidden|skip-link|site-|editor|rendered-markdown|json-|shortcut|dialog|readonly|blocked-image|message|ansi-|selected|is-|execution)/;

const purifier = DOMPurify(window);
let keepAnsiClasses = false; // set while sanitising ansi_up's own output
purifier.addHook("uponSanitizeAttribute", (node, data) => {
  if (data.attrName !== "class" || keepAnsiClasses) return;
  data.attrValue = data.attrValue.split(/\s+/).filter((name) => name && !RESERVED_CLASS.test(name)).join(" ");
  if (!data.attrValue) data.keepAttr = false;
});
purifier.addHook("afterSanitizeAttributes", (node) => {
  if (node.nodeName === "A") {
    const href = node.getAttribute("href");
    if (href !== null && !SAFE_HREF.test(href.trim())) node.removeAttribute("href");
    if (node.hasAttribute("href") && !href.trim().startsWith("#")) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    } else {
      node.removeAttribute("target");
    }
  }
  if (node.nodeName === "IMG") {
    const src = node.getAttribute("src");
    if (src !== null && !SAFE_IMAGE_SRC.test(src.trim())) {
      node.removeAttribute("src");
      node.setAttribute("alt", `[remote image not loaded${node.getAttribute("alt") ? `: ${node.getAttribute("alt")}` : ""}]`);
      node.classList.add("blocked-image");
    }
  }
  // SVG/MathML links (xlink:href) may only point inside the document.
  for (const name of ["xlink:href", "href"]) {
    if (node.namespaceURI !== "http://www.w3.org/1999/xhtml" && node.hasAttribute(name)) {
      if (!node.getAttribute(name).trim().startsWith("#")) node.removeAttribute(name);
    }
  }
});

const BASE_CONFIG = {
  FORBID_TAGS,
  FORBID_ATTR,
  ALLOW_DATA_ATTR: false,
  SANITIZE_DOM: true,
  SANITIZE_NAMED_PROPS: true,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  RETURN_DOM_FRAGMENT: true,
};

/** Sanitise `html` and return {fragment, active}: active is true when scripts were removed. */
export function sanitizeHTML(html) {
  const fragment = purifier.sanitize(String(html), BASE_CONFIG);
  const active = purifier.removed.some((entry) => entry.element && ACTIVE_TAGS.has(entry.element.nodeName?.toLowerCase()));
  return { fragment, active };
}

/** The sanitised fragment alone (markdown from the server: defence in depth over nh3). */
export function sanitizeToFragment(html) {
  return sanitizeHTML(html).fragment;
}

// ansi_up writes `<span style="...">` for bold and 256/true colours; style attributes would be
// CSP violations, so they travel as data-ansi-style and are applied through CSSOM (which the CSP
// allows), accepting only the few declarations ansi_up itself produces.
const ANSI_DECLARATION = /^(color|background-color):rgb\((\d{1,3}),(\d{1,3}),(\d{1,3})\)$|^(font-weight):bold$|^(font-style):italic$|^(text-decoration):underline$|^(opacity):0?\.\d+$/;

export function sanitizeAnsiHTML(html) {
  const moved = String(html).replace(/<span style="/g, '<span data-ansi-style="');
  keepAnsiClasses = true; // ansi_up escapes all text, so every class here is one of its own
  let fragment;
  try {
    fragment = purifier.sanitize(moved, {
      ALLOWED_TAGS: ["span", "a"],
      ALLOWED_ATTR: ["class", "href", "data-ansi-style"],
      RETURN_DOM_FRAGMENT: true,
    });
  } finally {
    keepAnsiClasses = false;
  }
  for (const span of fragment.querySelectorAll("span[data-ansi-style]")) {
    for (const declaration of span.dataset.ansiStyle.split(";")) {
      const compact = declaration.replace(/\s+/g, "");
      const match = ANSI_DECLARATION.exec(compact);
      if (!match) continue;
      const [property, value] = compact.split(":");
      span.style.setProperty(property, value);
    }
    span.removeAttribute("data-ansi-style");
  }
  for (const link of fragment.querySelectorAll("a")) {
    if (!/^https?:/i.test(link.getAttribute("href") || "")) link.removeAttribute("href");
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener noreferrer nofollow");
  }
  return fragment;
}
