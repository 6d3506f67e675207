"""The code of a check execution: `workers.exercises.check_cell_source`, preceded by a line that
takes the check out of the kernel's input history.

IPython records every cell it runs before running it: `In` / `_ih`, `_i`, `_iN`, `%history` and
the history database, and linecache (for tracebacks). A learner typing `In[-2]` or `%history`
would otherwise see the hidden check printed in their notebook. The line below replaces each
recorded input that carries the check wrapper's marker with a placeholder, first thing in the
cell (so an interrupted check is hidden too). It hides the check from casual looks, not from a
learner who inspects frames of their own kernel: see workers/exercises.py on what the kernel can
see. Like the wrapper, it leaves no names behind and needs nothing from this project.
"""

from workers.exercises import check_cell_source

MARKER = "__campfire_check__"  # the __name__ check_cell_source runs the check under
PLACEHOLDER = "# (an exercise check ran here)"

_HIDE = r'''
def _hide():
    import linecache, sys
    marker, placeholder = MARKER, PLACEHOLDER
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is None:
        return
    history = shell.history_manager
    for inputs in (history.input_hist_parsed, history.input_hist_raw):
        for index, text in enumerate(inputs):
            if marker in text:
                inputs[index] = placeholder
    for name in ("_i", "_ii", "_iii", "_i00"):
        if marker in str(getattr(history, name, "")):
            setattr(history, name, placeholder)
    namespace = shell.user_ns
    for name in [n for n in namespace if n.startswith("_i") and isinstance(namespace[n], str) and marker in namespace[n]]:
        namespace[name] = placeholder
    for key in [k for k, entry in list(linecache.cache.items()) if marker in "".join(entry[2] if len(entry) > 2 else ())]:
        linecache.cache.pop(key, None)
    # The database: entries not written yet, then those the saving thread already wrote (under
    # the lock it writes with, so it cannot write an old copy after this).
    with history.db_input_cache_lock:
        history.db_input_cache = [(line, placeholder, placeholder) if marker in raw else (line, source, raw)
                                  for line, source, raw in history.db_input_cache]
        try:
            with history.db:
                history.db.execute("UPDATE history SET source = ?, source_raw = ? WHERE source_raw LIKE ?",
                                   (placeholder, placeholder, "%" + marker + "%"))
        except Exception:  # no database (history disabled) or another schema: nothing stored to hide
            pass

_hide()
'''


def check_code(*, check: str, exercise_id: str) -> str:
    hide = "__import__('builtins').exec(" + repr(_HIDE) + ", {'__name__': " + repr(MARKER) + ", 'MARKER': " \
        + repr(MARKER) + ", 'PLACEHOLDER': " + repr(PLACEHOLDER) + "})\n"
    return hide + check_cell_source(check, exercise_id)
