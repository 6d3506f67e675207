"""The code of a check execution: `workers.exercises.check_cell_source`, preceded by a line that
drops the check's source from the kernel's line cache.

Check executions are sent with `store_history=False` (Jupyter's execute_request flag): the kernel
neither numbers them (the learner's `[n]` prompts do not skip) nor records them in `In` / `_ih`,
`_i*`, `%history` or the history database. IPython still caches every cell's source in linecache
(for tracebacks), so the line below removes the entries that carry the check wrapper's marker,
first thing in the cell (so an interrupted check is hidden too). It hides the check from casual
looks, not from a learner who inspects frames of their own kernel: see workers/exercises.py on what
the kernel can see. Like the wrapper, it leaves no names behind and needs nothing from this project.
"""

from workers.exercises import check_cell_source

MARKER = "__campfire_check__"  # the __name__ check_cell_source runs the check under

_HIDE = r'''
import linecache
for key in [k for k, entry in list(linecache.cache.items()) if MARKER in "".join(entry[2] if len(entry) > 2 else ())]:
    linecache.cache.pop(key, None)
'''


def check_code(*, check: str, exercise_id: str) -> str:
    hide = "__import__('builtins').exec(" + repr(_HIDE) + ", {'MARKER': " + repr(MARKER) + "})\n"
    return hide + check_cell_source(check, exercise_id)
