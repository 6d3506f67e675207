"""The tutorial tooling (schema, runner, authoring, CLI) on small notebooks made here. Kernels
run unsandboxed through nbclient: these tests check the tooling, not the sandbox."""
from __future__ import annotations

import copy
import json

import nbformat
import pytest

from tutorials import runner, schema, tools
from tutorials.authoring import Tutorial

CHECK_SQUARE = """
assert 'square' in globals() and callable(square), "Define a function called `square`."
assert square(3) == 9, f"square(3) should be 9, got {square(3)!r}."
"""


def sample(order: int = 98, slug: str = "sample-tools", **overrides) -> Tutorial:
    t = Tutorial(slug=slug, title="Sample", summary="A tiny tutorial for the tooling tests.",
                 level="beginner", minutes=1, tags=["test"], prerequisites=[], order=order)
    t.md("# Sample\nSome prose.")
    t.code("base = 2\nprint('base is', base)")
    t.exercise("square", "Square a number", task="Write `square(x)`.",
               starter="def square(x):\n    return None  # TODO", solution="def square(x):\n    return x * x",
               check=overrides.get("check_square", CHECK_SQUARE), hints=["Multiply x by itself."])
    t.exercise("double-base", "Double the base", task="Set `doubled` to twice `base`.",
               starter="doubled = None  # TODO", solution="doubled = 2 * base",
               check="assert globals().get('doubled') == 4, 'doubled should be 2 * base, i.e. 4.'",
               hints=["`2 * base`"])
    t.md("## Summary\nDone.")
    return t


def test_a_sample_notebook_is_valid_and_stable(tmp_path):
    path = sample().write(tmp_path / "98-sample-tools.ipynb")
    nb = json.loads(path.read_text())
    assert schema.validate_notebook(nb, filename=path.name) == []
    assert [c["id"] for c in nb["cells"]][:4] == ["t98-00", "t98-01", "t98-02", "t98-03"]
    (tmp_path / "again").mkdir()
    again = sample().write(tmp_path / "again" / "98-sample-tools.ipynb")
    assert again.read_text() == path.read_text()


def _nb() -> dict:
    return json.loads(nbformat.writes(sample().notebook()))


@pytest.mark.parametrize("change, problem", [
    (lambda nb: nb["metadata"]["campfire"]["tutorial"].pop("minutes"), "lacks 'minutes'"),
    (lambda nb: nb["metadata"]["campfire"]["tutorial"].update(levl="x"), "unknown key 'levl'"),
    (lambda nb: nb["metadata"]["campfire"]["tutorial"].update(level="expert"), "level must be"),
    (lambda nb: nb["metadata"]["campfire"]["tutorial"].update(minutes=True), "minutes must be"),
    (lambda nb: nb["metadata"]["campfire"]["tutorial"].update(order=0), "order must be"),
    (lambda nb: nb["metadata"]["campfire"]["tutorial"].update(slug="Bad Slug"), "slug must be"),
    (lambda nb: nb["metadata"]["campfire"]["tutorial"].update(tags="x"), "tags must be"),
    (lambda nb: nb["metadata"]["campfire"]["tutorial"].update(reveal_solution="soon"),
     "reveal_solution must be"),
    (lambda nb: nb["metadata"]["campfire"]["tutorial"].update(prerequisites=["sample-tools"]),
     "its own prerequisite"),
    (lambda nb: nb["metadata"].pop("campfire"), "metadata.campfire.tutorial is missing"),
    (lambda nb: nb.update(nbformat_minor=4), "nbformat 4.5"),
    (lambda nb: nb["cells"][1].update(id=nb["cells"][0]["id"]), "unique id"),
    (lambda nb: nb["cells"][5]["metadata"]["campfire"]["exercise"].update(id="square"),
     "id is used twice"),
    (lambda nb: nb["cells"][5]["metadata"].pop("campfire"), "needs at least 2"),
    (lambda nb: nb["cells"][3]["metadata"]["campfire"]["exercise"].update(hints=[]), "hints must"),
    (lambda nb: nb["cells"][3]["metadata"]["campfire"]["exercise"].update(check="assert ("),
     "check does not compile"),
    (lambda nb: nb["cells"][3]["metadata"]["campfire"]["exercise"].pop("solution"),
     "lacks 'solution'"),
    (lambda nb: nb["cells"][3].update(source="x = ("), "starter does not compile"),
    (lambda nb: nb["cells"][3].update(source="def square(x):\n    return x * x"),
     "already the solution"),
    (lambda nb: nb["cells"][2].update(cell_type="raw"), "cell above must be markdown"),
])
def test_schema_problems(change, problem):
    nb = _nb()
    change(nb)
    found = schema.validate_notebook(nb, filename="98-sample-tools.ipynb")
    assert any(problem in p for p in found), found


def test_file_name_and_size():
    nb = _nb()
    assert any("differs from order" in p for p in schema.validate_notebook(nb, "97-sample-tools.ipynb"))
    assert any("differs from slug" in p for p in schema.validate_notebook(nb, "98-other.ipynb"))
    assert any("NN-slug" in p for p in schema.validate_notebook(nb, "sample.ipynb"))
    assert any("300000" in p for p in schema.validate_notebook(nb, size=400_000))


def test_collection_problems():
    def meta(slug, order, prereqs=()):
        nb = _nb()
        nb["metadata"]["campfire"]["tutorial"].update(slug=slug, order=order,
                                                      prerequisites=list(prereqs))
        return nb
    assert schema.validate_collection({"a": meta("a", 1), "b": meta("b", 2, ["a"])}) == []
    assert any("order 1" in p for p in schema.validate_collection({"a": meta("a", 1),
                                                                   "b": meta("b", 1)}))
    assert any("'b' is used twice" in p for p in schema.validate_collection(
        {"x": meta("b", 1), "y": meta("b", 2)}))
    assert any("'zzz' is not a tutorial" in p for p in schema.validate_collection(
        {"a": meta("a", 1, ["zzz"])}))
    cyc = schema.validate_collection({"a": meta("a", 1, ["c"]), "b": meta("b", 2, ["a"]),
                                      "c": meta("c", 3, ["b"])})
    assert cyc == ["prerequisites form a cycle: a -> c -> b -> a"]


def test_prepare_inserts_checks_and_substitutes_solutions():
    nb = sample().notebook()
    solution = runner.prepare(nb, "solution")
    starter = runner.prepare(nb, "starter")
    assert [c.id for c in solution.cells] == [c.id for c in starter.cells]
    assert [c.id for c in solution.cells][3:7] == ["t98-03", "check-square", "t98-04", "t98-05"]
    assert solution.cells[3].source.startswith("def square(x):\n    return x * x")
    assert starter.cells[3].source == nb.cells[3].source
    assert runner.prepare(nb, "reference").cells == nb.cells
    assert len(nb.cells) == 7  # the original is untouched
    with pytest.raises(ValueError):
        runner.prepare(nb, "solutions")


def test_runs_in_both_modes():
    nb = sample().notebook()
    solved = runner.run(nb, "solution")
    assert solved.problems() == [], solved.problems()
    assert set(solved.checks) == {"square", "double-base"}
    assert all(r["status"] == "pass" for r in solved.checks.values())
    assert 0 < solved.check_seconds["square"] < runner.CHECK_LIMIT_S
    started = runner.run(nb, "starter")
    assert started.problems() == []
    assert started.checks["square"]["message"] == "square(3) should be 9, got None."


def test_a_buggy_check_and_a_failing_cell_are_problems():
    t = sample(check_square="assert sqaure(3) == 9, 'typo in the checker'")
    t.code("1 / 0")
    report = runner.run(t.notebook(), "solution")
    problems = report.problems()
    assert report.checks["square"]["status"] == "error"
    assert any("check 'square' on the solution: error" in p and "NameError" in p for p in problems)
    assert any("ZeroDivisionError" in p for p in problems)
    # a check that passes the blank starter is a problem too
    t = sample(check_square="assert True")
    assert any("on the starter must fail" in p for p in runner.run(t.notebook(), "starter").problems())


def test_execute_fills_reference_outputs(tmp_path):
    path = sample().write(tmp_path / "98-sample-tools.ipynb")
    before = runner.load(path)
    report = runner.fill_reference(path)
    assert report.errors == []
    after = runner.load(path)
    assert after.cells[1].outputs[0]["text"] == "base is 2\n"
    assert [c.execution_count for c in after.cells if c.cell_type == "code"] == [1, 2, 3]
    assert after.metadata.campfire.reference.sources_sha256 == runner.sources_digest(before)
    assert "execution" not in after.cells[1].metadata  # no timing noise in the stored file
    stripped = copy.deepcopy(after)
    for cell in stripped.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    del stripped.metadata["campfire"]["reference"]
    stripped.metadata.pop("language_info", None)
    assert stripped == before  # strips nothing else


def test_execute_writes_nothing_when_a_cell_fails(tmp_path):
    t = sample()
    t.code("raise RuntimeError('broken tutorial')")
    path = t.write(tmp_path / "98-sample-tools.ipynb")
    text = path.read_text()
    assert tools.main(["execute", str(path)]) == 1
    assert path.read_text() == text


def test_cli(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "tutorial_paths", lambda: [])  # independent of the real tutorials
    path = sample().write(tmp_path / "98-sample-tools.ipynb")
    assert tools.main(["validate", str(path)]) == 0
    assert tools.main(["run-checks", "--mode", "starter", str(path)]) == 0
    out = capsys.readouterr().out
    assert "square: fail" in out and "square(3) should be 9" in out
    nb = json.loads(path.read_text())
    nb["metadata"]["campfire"]["tutorial"]["level"] = "guru"
    path.write_text(json.dumps(nb))
    assert tools.main(["validate", str(path)]) == 1
    assert "level must be one of" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        tools.main(["validate", str(tmp_path / "missing.ipynb")])
