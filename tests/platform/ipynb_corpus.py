"""Real-world-shaped notebooks, generated rather than committed (only their shapes matter).

Each entry is (name, bytes, expectation): "ok" or the fragment the 400's detail must contain.
"""

import base64
import json

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()


def _nb4(minor, cells, metadata=None):
    return {"nbformat": 4, "nbformat_minor": minor, "metadata": metadata or {}, "cells": cells}


def _code(source, outputs=(), count=None, minor=5, **extra):
    cell = {"cell_type": "code", "metadata": {}, "source": source, "outputs": list(outputs), "execution_count": count}
    if minor >= 5:
        cell["id"] = extra.pop("id", f"c{abs(hash(source)) % 10**8}")
    return {**cell, **extra}


def _md(source, minor=5, **extra):
    cell = {"cell_type": "markdown", "metadata": {}, "source": source}
    if minor >= 5:
        cell["id"] = extra.pop("id", f"m{abs(hash(source)) % 10**8}")
    return {**cell, **extra}


def _dump(obj) -> bytes:
    return json.dumps(obj, indent=1).encode()


def v3_notebook() -> bytes:
    return _dump({
        "nbformat": 3, "nbformat_minor": 0,
        "metadata": {"name": "old one", "signature": "sha256:abc"},
        "worksheets": [{"metadata": {}, "cells": [
            {"cell_type": "heading", "level": 2, "metadata": {}, "source": "Old heading"},
            {"cell_type": "markdown", "metadata": {}, "source": "Some *text*"},
            {"cell_type": "code", "collapsed": False, "input": "print('hi')", "language": "python", "metadata": {},
             "prompt_number": 3, "outputs": [
                {"output_type": "stream", "stream": "stdout", "text": "hi\n"},
                {"output_type": "pyout", "prompt_number": 3, "text": "42", "metadata": {}},
                {"output_type": "display_data", "png": PNG, "metadata": {}},
                {"output_type": "pyerr", "ename": "ValueError", "evalue": "bad", "traceback": ["Traceback", "ValueError: bad"]},
            ]},
        ]}],
    })  # fmt: skip


def v4_minor(minor: int) -> bytes:
    cells = [
        _md("# Title\n\nwith $x^2$", minor=minor),
        _code("x = 1\nx", [{"output_type": "execute_result", "execution_count": 1, "data": {"text/plain": "1"}, "metadata": {}}], 1, minor=minor),
        _code("import sys\nprint('err', file=sys.stderr)", [{"output_type": "stream", "name": "stderr", "text": "err\n"}], 2, minor=minor),
    ]
    return _dump(_nb4(minor, cells, {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}))


def with_attachments() -> bytes:
    cell = _md("![plot](attachment:plot.png)", attachments={"plot.png": {"image/png": PNG}})
    return _dump(_nb4(5, [cell]))


def with_widgets() -> bytes:
    state = {"application/vnd.jupyter.widget-state+json": {"version_major": 2, "version_minor": 0, "state": {
        "abc": {"model_name": "IntSliderModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0", "state": {"value": 3}}}}}
    output = {"output_type": "display_data", "metadata": {}, "data": {
        "text/plain": "IntSlider(value=3)", "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0, "model_id": "abc"}}}
    return _dump(_nb4(5, [_code("w = IntSlider(3); w", [output], 1)], {"widgets": state}))  # fmt: skip


def huge_outputs(megabytes: int = 8) -> bytes:
    chunk = "x" * 1023 + "\n"
    text = chunk * (megabytes * 1024)
    outputs = [{"output_type": "stream", "name": "stdout", "text": text},
               {"output_type": "display_data", "metadata": {}, "data": {"image/png": PNG * 1000, "text/plain": "<Figure>"}}]
    return _dump(_nb4(5, [_code("print('x' * 10**7)", outputs, 1)]))


def missing_and_duplicate_ids() -> bytes:
    cells = [_md("a", id="same"), _md("b", id="same"), {"cell_type": "raw", "metadata": {}, "source": "raw text"}]
    return _dump(_nb4(5, cells))


def unicode_and_lists() -> bytes:
    cell = _md("")
    cell["source"] = ["# Ünïcødé 🔥\n", "second line"]
    return _dump(_nb4(5, [cell]))


CORPUS = [
    ("v3.ipynb", v3_notebook(), "ok"),
    *[(f"v4.{minor}.ipynb", v4_minor(minor), "ok") for minor in range(0, 6)],
    ("attachments.ipynb", with_attachments(), "ok"),
    ("widgets.ipynb", with_widgets(), "ok"),
    ("huge-outputs.ipynb", huge_outputs(), "ok"),
    ("ids.ipynb", missing_and_duplicate_ids(), "ok"),
    ("unicode.ipynb", unicode_and_lists(), "ok"),
    ("bom.ipynb", b"\xef\xbb\xbf" + v4_minor(5), "ok"),
    ("broken.ipynb", v4_minor(4)[:-40], "not valid JSON"),
    ("empty.ipynb", b"", "not valid JSON"),
    ("list.ipynb", b"[1, 2, 3]", "not a Jupyter notebook"),
    ("other.json", b'{"name": "package.json"}', "not a Jupyter notebook"),
    ("latin1.ipynb", v4_minor(4).replace(b"Title", "Tïtle".encode("latin-1")), "not UTF-8"),
    ("utf16.ipynb", v4_minor(4).decode().encode("utf-16"), "not UTF-8"),
    ("v5.ipynb", _dump({"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}), "nbformat 5 is not supported"),
    ("v2.ipynb", _dump({"nbformat": 2, "metadata": {}, "worksheets": []}), "nbformat 2 is not supported"),
    ("v4.9.ipynb", _dump(_nb4(9, [])), "nbformat 4.9 is not supported"),
    ("string-version.ipynb", _dump({"nbformat": "4", "nbformat_minor": 5, "metadata": {}, "cells": []}), "must be integers"),
    ("no-cells.ipynb", _dump({"nbformat": 4, "nbformat_minor": 5, "metadata": {}}), "not a valid nbformat 4.5"),
    ("bad-cell-type.ipynb", _dump(_nb4(5, [{"cell_type": "python", "id": "a", "metadata": {}, "source": ""}])), "not a valid nbformat 4.5"),
    ("bad-output.ipynb", _dump(_nb4(5, [_code("1", [{"output_type": "stream", "name": "stdout"}], 1)])), "not a valid nbformat 4.5"),
    ("bad-v3.ipynb", _dump({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [{"cell_type": "code"}]}]}), "not a valid nbformat 3"),
    ("bad-id.ipynb", _dump(_nb4(5, [_md("x", id="bad id with spaces")])), "not a valid nbformat 4.5"),
    ("deep.ipynb", b"[" * 100000 + b"]" * 100000, "not valid JSON"),
    ("null.ipynb", b"null", "not a Jupyter notebook"),
]
