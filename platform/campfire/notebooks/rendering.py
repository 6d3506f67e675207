"""Markdown cells → safe HTML: markdown-it-py (CommonMark + GFM tables/strikethrough), math
to MathML with latex2mathml, then an nh3 allow-list.

Everything is hostile input: the sanitiser runs last over the whole result, so neither raw
HTML in the markdown nor a bug in a renderer can smuggle in script, event handlers,
`javascript:` URLs, forms, frames, style attributes or DOM-clobbering ids/names.
"""

import html
import re

import nh3
from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

MAX_MATH_CHARS = 5000

_HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul", "var",
}  # fmt: skip
_MATH_TAGS = {
    "math", "maction", "menclose", "merror", "mfenced", "mfrac", "mi", "mmultiscripts", "mn",
    "mo", "mover", "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace",
    "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder",
    "munderover", "none", "semantics", "annotation",
}  # fmt: skip
_MATH_ATTRIBUTES = {
    "accent", "accentunder", "columnalign", "columnlines", "columnspacing", "depth", "display",
    "displaystyle", "fence", "form", "height", "largeop", "linethickness", "lspace",
    "mathbackground", "mathcolor", "mathsize", "mathvariant", "maxsize", "minsize",
    "movablelimits", "notation", "rowalign", "rowlines", "rowspacing", "rspace", "scriptlevel",
    "separator", "stretchy", "symmetric", "width", "encoding",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "details": {"open"},
    **{tag: _MATH_ATTRIBUTES for tag in _MATH_TAGS},
}
_URL_SCHEMES = {"http", "https", "mailto", "data"}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*$", re.I)
_ATTACHMENT_MIME = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")


def _filter_attribute(element, attribute, value):
    # data: URLs only as images (scripts never run inside <img>), never as links.
    if attribute in ("href", "src") and value.strip().lower().startswith("data:"):
        if element == "img" and attribute == "src" and _DATA_IMAGE.match(value.strip()):
            return value
        return None
    return value


def sanitize_html(dirty: str) -> str:
    return nh3.clean(
        dirty,
        tags=_HTML_TAGS | _MATH_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _render_math(content: str, options: dict) -> str:
    if len(content) > MAX_MATH_CHARS:
        return html.escape(content)
    try:
        return latex_to_mathml(content, display="block" if options.get("display_mode") else "inline")
    except Exception:  # latex2mathml raises many types on bad LaTeX; show the source instead
        return f'<code>{html.escape(content)}</code>'


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    dollarmath_plugin(md, allow_labels=False, allow_digits=False, renderer=_render_math)
    return md


_MD = _build_parser()


def _inline_attachments(tokens, attachments: dict) -> None:
    """Point `![x](attachment:name)` images at a data: URL made from the cell's attachments."""
    for token in tokens:
        if token.children:
            _inline_attachments(token.children, attachments)
        if token.type != "image":
            continue
        src = token.attrGet("src") or ""
        if not src.startswith("attachment:"):
            continue
        bundle = attachments.get(src[len("attachment:"):])
        if not isinstance(bundle, dict):
            continue
        for mime in _ATTACHMENT_MIME:
            data = bundle.get(mime)
            if isinstance(data, list) and all(isinstance(line, str) for line in data):
                data = "".join(data)
            if isinstance(data, str):
                token.attrSet("src", f"data:{mime};base64,{data.strip()}")
                break


def render_markdown(source: str, attachments: dict | None = None) -> str:
    """Sanitised HTML for a markdown cell's source."""
    env: dict = {}
    tokens = _MD.parse(source, env)
    if attachments:
        _inline_attachments(tokens, attachments)
    return sanitize_html(_MD.renderer.render(tokens, _MD.options, env))
