"""Exercise checks: the code a kernel runs to grade an exercise, and how to read its result.

Standard library only: the platform imports this module too (like ``protocol``).

A tutorial exercise carries hidden ``check`` code (``metadata.campfire.exercise.check``, see
tutorials/README.md). To grade an attempt, the platform runs ``check_cell_source(check, id)`` in
the learner's kernel right after the exercise cell. That code

- runs ``check`` against a *copy* of the learner's global namespace (``dict(globals())``), so the
  check can define names without clobbering the learner's (the copy is shallow: a check must not
  mutate the learner's objects);
- saves and restores the random states of ``random``, NumPy and ember, so a check that seeds an
  RNG does not change what the learner's next cells draw;
- swallows anything the check (or learner code it calls) prints or warns;
- publishes exactly one ``display_data`` output with MIME type ``CHECK_MIME``:
  ``{"exercise": id, "status": "pass" | "fail" | "error", "message": str}``.
  ``fail``: the check raised ``AssertionError`` (its message is what the learner reads);
  ``error``: any other exception, a bug in the check, reported as "the checker could not check
  your answer: ...".

Trust: learner code can display the same MIME type, and can even patch ``IPython.display`` in its
own kernel. The platform must read a result only from the outputs of a check execution it
submitted itself (never from the outputs of a learner's cell), and must treat a pass as the
learner's own progress, not as proof against a learner who sets out to fool their own kernel.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

CHECK_MIME = "application/vnd.campfire.check+json"
PASS, FAIL, ERROR = "pass", "fail", "error"
STATUSES = (PASS, FAIL, ERROR)
NOT_QUITE = "Not quite yet: your answer does not pass the check. Read the task again, or reveal a hint."
CHECKER_ERROR = "the checker could not check your answer: "
MAX_MESSAGE_CHARS = 2000

# Runs in a fresh globals dict (never the learner's): _source, _exercise and _learner are set by
# check_cell_source. Kept as one string so the kernel needs nothing from this project.
_RUNNER = r'''
def _campfire_check():
    import contextlib, io, random, sys, warnings

    def describe(exc):
        try:
            return str(exc).strip()
        except Exception:  # a hostile __str__
            return ""

    saved = [(random.setstate, random.getstate())]
    if "numpy" in sys.modules:
        np = sys.modules["numpy"]
        saved.append((np.random.set_state, np.random.get_state()))
    if "ember" in sys.modules and hasattr(sys.modules["ember"], "get_rng_state"):
        ember = sys.modules["ember"]
        saved.append((ember.set_rng_state, ember.get_rng_state()))
    status, message, sink = PASS, "", io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # optimize=0 keeps the asserts even in a kernel started with python -O
            exec(compile(_source, "<check %r>" % (_exercise,), "exec", optimize=0), _learner)
    except AssertionError as exc:
        status, message = FAIL, describe(exc) or NOT_QUITE
    except (Exception, SystemExit) as exc:
        text = describe(exc)
        status = ERROR
        message = CHECKER_ERROR + type(exc).__name__ + (": " + text if text else "")
    finally:
        for restore, state in saved:
            restore(state)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS - 1] + "\u2026"
    from IPython.display import display
    result = {"exercise": _exercise, "status": status, "message": message}
    plain = "check " + _exercise + ": " + status + (" \u2014 " + message if message else "")
    display({CHECK_MIME: result, "text/plain": plain}, raw=True)

_campfire_check()
'''


def check_cell_source(check: str, exercise_id: str) -> str:
    """The code to run in the learner's kernel to grade ``exercise_id`` with ``check``.

    The strings are embedded with ``repr()`` (never spliced into code), and the code leaves no
    names behind in the learner's namespace: it is a single call of the builtin ``exec`` reached
    through ``__import__("builtins")``, so a learner who rebinds ``exec``, ``dict`` or
    ``globals`` does not break it.
    """
    if not isinstance(check, str):
        raise TypeError(f"check must be a str, got {type(check).__name__}")
    if not isinstance(exercise_id, str) or not exercise_id:
        raise ValueError("exercise_id must be a non-empty str")
    constants = {"PASS": PASS, "FAIL": FAIL, "ERROR": ERROR, "NOT_QUITE": NOT_QUITE,
                 "CHECKER_ERROR": CHECKER_ERROR, "MAX_MESSAGE_CHARS": MAX_MESSAGE_CHARS,
                 "CHECK_MIME": CHECK_MIME}
    scope = ", ".join(f"{name!r}: {value!r}" for name, value in constants.items())
    return (
        "__import__('builtins').exec(" + repr(_RUNNER) + ", {'__name__': '__campfire_check__', "
        + scope + ", '_source': " + repr(check) + ", '_exercise': " + repr(exercise_id)
        + ", '_learner': __import__('builtins').dict(__import__('builtins').globals())})\n"
    )


def parse_check_result(outputs: Iterable[dict], exercise_id: str | None = None) -> dict | None:
    """The check result among a check execution's nbformat outputs, or None when there is none.

    A kernel ``error`` output (the check cell itself failed, e.g. it was interrupted) is reported
    as an ``error`` result; a result for another exercise (when ``exercise_id`` is given) is
    ignored; a malformed result is an ``error``. Only call this on the outputs of a check
    execution the platform submitted (see the module docstring).
    """
    for output in outputs or ():
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "error":
            return _result(exercise_id, ERROR, CHECKER_ERROR + _error_text(output))
        if kind != "display_data" or not isinstance(output.get("data"), dict):
            continue
        payload = output["data"].get(CHECK_MIME)
        if payload is None:
            continue
        if isinstance(payload, str):  # some transports keep JSON MIME data as text
            try:
                payload = json.loads(payload)
            except ValueError:
                payload = None
        if not _well_formed(payload):
            return _result(exercise_id, ERROR, CHECKER_ERROR + "malformed check result")
        if exercise_id is not None and payload["exercise"] != exercise_id:
            continue
        return _result(payload["exercise"], payload["status"], payload["message"])
    return None


def _well_formed(payload: Any) -> bool:
    return (isinstance(payload, dict) and isinstance(payload.get("exercise"), str)
            and payload.get("status") in STATUSES and isinstance(payload.get("message"), str))


def _error_text(output: dict) -> str:
    name, value = output.get("ename"), output.get("evalue")
    text = f"{name}: {value}" if name and value else str(name or value or "the check cell failed")
    return text[:MAX_MESSAGE_CHARS]


def _result(exercise: str | None, status: str, message: str) -> dict:
    return {"exercise": exercise, "status": status, "message": message[:MAX_MESSAGE_CHARS]}
