"""Markdown rendering and the sanitiser, against stored-XSS payloads (unit level; the
editor's browser tests check that nothing executes in a real page)."""

from html.parser import HTMLParser

import pytest

from campfire.notebooks.rendering import render_markdown, sanitize_html

PAYLOADS = [
    "<script>window.__xss = 1</script>",
    "<img src=x onerror=\"window.__xss=1\">",
    "[click](javascript:window.__xss=1)",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "<a href=\"JaVaScRiPt&colon;window.__xss=1\">click</a>",
    "<a href=\"data:text/html,<script>window.__xss=1</script>\">x</a>",
    "<form action=\"https://evil.example/\"><input name=a><button>go</button></form>",
    "<svg onload=\"window.__xss=1\"><circle r=1></circle></svg>",
    "<select><iframe></select><img src=x: onerror=window.__xss=1>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<img id=\"notebook-data\" name=\"csrf-token\" src=x>",
    "<div data-action=\"delete\" data-cmd=\"run\">x</div>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "<noscript><p title=\"</noscript><img src=x onerror=window.__xss=1>\">",
    "<object data=\"x\"></object><embed src=\"x\"><base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<link rel=stylesheet href=https://evil.example/x.css><style>body{display:none}</style>",
    "$\\href{javascript:alert(1)}{x}$",
    "<details open ontoggle=\"window.__xss=1\"><summary>s</summary></details>",
    "![x](attachment:a.png)",
]
ACTIVE_TAGS = {"script", "iframe", "frame", "form", "input", "button", "svg", "object", "embed", "base", "meta",
               "link", "style", "textarea", "select", "option", "noscript", "template", "video", "audio"}


class _Elements(HTMLParser):
    """Every start tag and its attributes, as a browser's tokenizer would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def active_content(html: str) -> list[str]:
    parser = _Elements()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.elements:
        if tag in ACTIVE_TAGS:
            problems.append(f"<{tag}>")
        for name, value in attrs.items():
            value = (value or "").strip().lower()
            if name.startswith("on") or name in ("id", "name", "style", "action", "formaction") or name.startswith("data-"):
                problems.append(f"{tag}[{name}]")
            if name in ("href", "src", "xlink:href") and (value.startswith("javascript:") or (value.startswith("data:") and not (tag == "img" and value.startswith("data:image/")))):
                problems.append(f"{tag}[{name}={value[:30]}]")
    return problems


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_without_active_content(payload):
    html = render_markdown(payload, {"a.png": {"image/png": '"><script>x</script>'}})
    assert active_content(html) == [], html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitiser_alone_strips_payload_as_raw_html(payload):
    assert active_content(sanitize_html(payload)) == []


def test_the_checker_itself_sees_active_content():
    assert active_content('<img src=x onerror=alert(1)><a href="javascript:x">') == ["img[onerror]", "a[href=javascript:x]"]


def test_gfm_tables_strikethrough_and_code():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n```python\nprint('<b>')\n```")
    assert "<table>" in html and "<td><s>2</s></td>" in html
    assert "&lt;b&gt;" in html and "<pre><code>" in html


def test_inline_and_display_math_become_mathml():
    html = render_markdown("Energy $E = mc^2$ and\n\n$$\\sum_{i=1}^n x_i$$")
    assert html.count("<math") == 2
    assert 'display="block"' in html and "<munderover>" in html and "<msup>" in html


def test_bad_latex_is_shown_as_code_not_an_error():
    assert "<code>" in render_markdown("$\\frac{$")


def test_links_get_safe_rel_and_keep_http_urls():
    html = render_markdown("[docs](https://example.org/a?b=1)")
    assert 'href="https://example.org/a?b=1"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_attachment_images_become_data_urls_but_only_for_image_types():
    attachments = {"a.png": {"image/png": "iVBORw0KGgo="}, "b.html": {"text/html": "PHNjcmlwdD4="}}
    html = render_markdown("![a](attachment:a.png) ![b](attachment:b.html)", attachments)
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html
    assert "text/html" not in html


def test_dollar_amounts_are_not_math():
    assert "<math" not in render_markdown("It costs $5 and $10.")
