"""Small tutorials for the platform's tests, written with the content tooling's own builder.

"sample-checks" has two exercises: `triple` (an ordinary check) and `shout`, whose check also
displays a secret line: the WebSocket must never let it through (its outputs are the grader's).
"""

from pathlib import Path

from tutorials.authoring import Tutorial

SLUG = "sample-checks"
SECRET = "LEAKED-CHECK-SECRET-7f3a"
CHECK_TRIPLE = '''
fn = globals().get("triple")
assert callable(fn), "Define a function `triple(x)`."
try:
    got = fn(2)
except Exception as exc:
    raise AssertionError(f"triple(2) raised {type(exc).__name__}: {exc}")
assert got == 6, f"triple(2) should be 6, got {got!r}."
'''
SOLUTION_TRIPLE = "def triple(x):\n    return 3 * x"
CHECK_SHOUT = f'''
from IPython.display import display
display({{"text/plain": "{SECRET}"}}, raw=True)
assert globals().get("word") == "HELLO", "word should be 'HELLO': use .upper()."
'''
SOLUTION_SHOUT = 'word = "hello".upper()'
HINTS_TRIPLE = ["Multiply by **three**.", "`return 3 * x`"]


def sample(*, version: int = 1, order: int = 90, slug: str = SLUG, reveal: str = "after_attempt",
           intro: str = "Triple and shout.", prerequisites=()) -> Tutorial:
    t = Tutorial(slug=slug, title=f"Sample {slug}", summary="A tiny tutorial for the platform's tests.",
                 level="beginner", minutes=5, tags=["testing", "sample"], prerequisites=list(prerequisites),
                 order=order, version=version, reveal_solution=reveal)
    t.md(f"# Sample\n{intro}")
    t.code("base = 3\nprint('base is', base)")
    t.exercise("triple", "Triple a number", task="Write `triple(x)`.",
               starter="def triple(x):\n    return None  # TODO", solution=SOLUTION_TRIPLE,
               check=CHECK_TRIPLE, hints=HINTS_TRIPLE)
    t.exercise("shout", "Shout a word", task="Set `word` to 'hello' in capitals.",
               starter="word = None  # TODO", solution=SOLUTION_SHOUT, check=CHECK_SHOUT,
               hints=["Strings have `.upper()`."])
    t.md("## Summary\nDone.")
    return t


def write_sample(folder: Path, **options) -> Path:
    t = sample(**options)
    folder.mkdir(parents=True, exist_ok=True)
    return t.write(folder / f"{t.meta['order']:02d}-{t.meta['slug']}.ipynb")

