"""CI for the tutorial content (issue 6): every tutorials/NN-slug.ipynb is valid, runs end to end
on CPU with nbclient against ember with every exercise's solution (all checks pass) and with the
blank starters (every check fails with a message, none errors), and in "revisit" order (everything
run first, then each exercise solved at the end: all checks pass), each run in one fresh kernel in
under 60 s, and its stored reference outputs come from the sources it holds now.

The kernels run UNSANDBOXED, straight from nbclient: these tests check the content, not the
sandbox (tests/workers/sandbox does). The checks run exactly as the platform runs them, through
workers.exercises.check_cell_source, right after their exercise cell.
"""
from __future__ import annotations

import json

import pytest

from tutorials import runner, schema, tools

PATHS = runner.tutorial_paths()
IDS = [p.stem for p in PATHS]


def test_there_are_twelve_tutorials_in_order():
    orders = sorted(schema.tutorial_meta(json.loads(p.read_bytes()))["order"] for p in PATHS)
    assert orders == list(range(1, 13)), f"tutorial orders present: {orders}"


def test_the_format_is_valid():
    problems = tools.validate(PATHS)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
@pytest.mark.parametrize("mode", ["solution", "starter", "revisit"])
def test_runs_clean(path, mode, run_times):
    report = runner.run(runner.load(path), mode)
    run_times.append((path.stem, mode, report.wall))
    print(f"{path.stem} [{mode}]: {report.wall:.1f} s, checks {report.checks}")
    assert report.checks, "no exercise was checked"
    problems = report.problems()
    assert problems == [], f"{path.name} [{mode}]:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_reference_outputs_are_fresh(path):
    nb = runner.load(path)
    stored = nb.metadata.get("campfire", {}).get("reference", {}).get("sources_sha256")
    hint = f"run `python -m tutorials.tools execute {path.relative_to(runner.REPO)}`"
    assert stored == runner.sources_digest(nb), f"code changed since the outputs were made: {hint}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        f"not executed top to bottom in one run: {hint}"
    errors = [c.id for c in code if any(o.get("output_type") == "error" for o in c.outputs)]
    assert errors == [], f"cells with stored errors: {errors}"


def _tokens(tokens):
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_markdown_renders_on_the_platform(path):
    """Every markdown cell through the platform's renderer: all math converts to MathML (the
    renderer would silently fall back to showing the LaTeX source), tables become tables, and no
    stray `$` is left in the text."""
    import re

    from latex2mathml.converter import convert
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    from campfire.notebooks.rendering import render_markdown

    parser = MarkdownIt("commonmark").enable(["table"])  # the renderer's math syntax
    dollarmath_plugin(parser, allow_labels=False, allow_digits=False)
    problems = []
    for cell in runner.load(path).cells:
        if cell.cell_type != "markdown":
            continue
        for token in _tokens(parser.parse(cell.source)):
            if token.type.startswith("math"):
                try:
                    convert(token.content)
                except Exception as exc:
                    problems.append(f"{cell.id}: math {token.content!r} does not render: {exc}")
        html = render_markdown(cell.source)
        if re.search(r"^\|\s*:?-", cell.source, re.M) and "<table>" not in html:
            problems.append(f"{cell.id}: a table does not render")
        if "$" in re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.S):
            problems.append(f"{cell.id}: a stray $ (unbalanced math?)")
    assert problems == [], "\n".join(problems)
