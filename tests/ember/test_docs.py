"""The "ember in 10 lines" example in the docs really runs (extracted from the Markdown, run as a script)."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADING = "## ember in 10 lines"


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _snippet(path):
    text = _read(path)
    section = text.split(HEADING, 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python block under '{HEADING}' in {path}"
    return match.group(1)


def _docs_with_the_example():
    paths = [os.path.join(ROOT, "docs", "EMBER.md"), os.path.join(ROOT, "README.md")]
    return [p for p in paths if os.path.exists(p) and HEADING in _read(p)]


@pytest.mark.parametrize("path", _docs_with_the_example(), ids=os.path.basename)
def test_ten_line_example_runs_and_learns(path):
    code = _snippet(path)
    lines = [line for line in code.splitlines() if line.strip()]
    assert len(lines) <= 10, f"the example has {len(lines)} lines"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", run.stdout).group(1))
    assert accuracy >= 0.93, run.stdout


def test_the_user_guide_has_the_example():
    assert os.path.join(ROOT, "docs", "EMBER.md") in _docs_with_the_example()
