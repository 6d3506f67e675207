"""Which decoded JSON values the platform can store and handle, checked before anything uses them.

PostgreSQL refuses NUL characters (U+0000) in text and jsonb, and UTF-8 cannot encode an
unpaired surrogate (`"\\ud800"` is valid JSON); jsonb has no NaN or Infinity (Python's json reads
them, and `1e400` as infinity); and a deeply nested value exhausts the recursion of the JSON
encoder, the schema validators or the renderer. Each would otherwise be a 500 at save time.
"""

import math
import re

# Deeper than any notebook's metadata or outputs need; far below every recursion limit.
MAX_DEPTH = 100
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnstorableJSON(ValueError):
    """A value the platform cannot store; the message names where it is and what is wrong."""


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\u0000)"
    if _SURROGATE.search(text):
        return "contains an unpaired surrogate (not valid Unicode)"
    return None


def _where(path: str) -> str:
    return (path if len(path) <= 200 else path[:200] + "…") or "the document"


def check_storable(value, path: str = "") -> None:
    """Raise UnstorableJSON for the first NUL, unpaired surrogate, NaN/Infinity or nesting deeper
    than MAX_DEPTH in `value` (decoded JSON). `path` prefixes the dotted location in messages."""
    stack = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            problem = _text_problem(item)
            if problem:
                raise UnstorableJSON(f"{_where(where)}: the text {problem}")
        elif isinstance(item, float) and not math.isfinite(item):
            raise UnstorableJSON(f"{_where(where)}: NaN and Infinity are not JSON numbers")
        elif isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise UnstorableJSON(f"{_where(where)}: nested more than {MAX_DEPTH} levels deep")
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str):
                    problem = _text_problem(key)
                    if problem:
                        raise UnstorableJSON(f"{_where(where)}: a key {problem}")
                name = f"{where}.{key}" if where else str(key)
                if isinstance(child, (str, float, dict, list)):
                    stack.append((child, name, depth + 1))


def unique_keys(pairs: list) -> dict:
    """json.loads(object_pairs_hook=...): a key given twice in one object is ambiguous (parsers
    disagree on which wins), so it is refused rather than silently dropping one value."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise UnstorableJSON(f"the key {twice!r} appears twice in one object")
    return obj


def refuse_constant(name: str):
    """json.loads(parse_constant=...): NaN, Infinity and -Infinity are not JSON."""
    raise UnstorableJSON(f"{name} is not a JSON number")
