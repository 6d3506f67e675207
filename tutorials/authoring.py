"""Write a tutorial notebook from Python instead of hand-editing JSON.

    t = Tutorial(slug="tensors", title="Tensors", summary="...", level="beginner", minutes=20,
                 tags=["tensors"], prerequisites=[], order=1)
    t.md('''# Tensors ...''')
    t.code('''import ember''')
    t.exercise("make-a-tensor", "Make a tensor", task='''Create ...''', starter='''x = None  # TODO''',
               solution='''x = ember.ones(3)''', check='''assert ...''', hints=["Try ember.ones"])
    t.write("tutorials/01-tensors.ipynb")

then ``python -m tutorials.tools execute tutorials/01-tensors.ipynb`` stores the reference
outputs. Cell ids are ``tNN-MM`` (tutorial order, cell position), so rebuilding an unchanged
tutorial gives the same file.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

from tutorials import schema


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


class Tutorial:
    def __init__(self, *, slug: str, title: str, summary: str, level: str, minutes: int,
                 tags: list[str], prerequisites: list[str], order: int, version: int = 1,
                 reveal_solution: str = "after_attempt") -> None:
        self.meta = {"slug": slug, "title": title, "summary": _clean(summary), "level": level,
                     "minutes": minutes, "tags": list(tags), "prerequisites": list(prerequisites),
                     "order": order, "version": version, "reveal_solution": reveal_solution}
        self.cells: list = []

    def _cell_id(self) -> str:
        return f"t{self.meta['order']:02d}-{len(self.cells):02d}"

    def md(self, text: str) -> None:
        self.cells.append(nbformat.v4.new_markdown_cell(_clean(text), id=self._cell_id()))

    def code(self, text: str) -> None:
        self.cells.append(nbformat.v4.new_code_cell(_clean(text), id=self._cell_id()))

    def exercise(self, ex_id: str, title: str, *, task: str, starter: str, solution: str,
                 check: str, hints: list[str]) -> None:
        """The markdown cell stating ``task``, then the exercise cell (source: the starter)."""
        self.md(task)
        cell = nbformat.v4.new_code_cell(_clean(starter), id=self._cell_id())
        cell.metadata["campfire"] = {"exercise": {
            "id": ex_id, "title": title, "hints": [_clean(h) for h in hints],
            "solution": _clean(solution) + "\n", "check": _clean(check) + "\n"}}
        self.cells.append(cell)

    def notebook(self):
        nb = nbformat.v4.new_notebook(cells=self.cells)
        nb.nbformat_minor = max(nb.nbformat_minor, 5)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nb.metadata["campfire"] = {"tutorial": self.meta}
        return nb

    def write(self, path: str | Path) -> Path:
        """Validate and write; raises ValueError listing every format problem."""
        path = Path(path)
        nb = self.notebook()
        nbformat.validate(nb)
        problems = schema.validate_notebook(nb, filename=path.name)
        if problems:
            raise ValueError(f"{path.name}: " + "; ".join(problems))
        nbformat.write(nb, str(path))
        return path
