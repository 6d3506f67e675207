"""workers.exercises: the check code runs in a real ipykernel (no sandbox: this tests the wrapper,
the sandbox has its own tests) and its outputs are parsed as the platform parses them."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

from workers.exercises import (CHECK_MIME, CHECKER_ERROR, MAX_MESSAGE_CHARS, NOT_QUITE,
                               check_cell_source, parse_check_result)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kernel():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(REPO))
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def execute(kc, code: str) -> list[dict]:
    """Run ``code`` and return its nbformat outputs."""
    msg_id = kc.execute(code)
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            return outputs
        if kind in ("stream", "display_data", "execute_result", "error"):
            outputs.append(dict(nbformat.v4.output_from_msg(msg)))


def check(kc, source: str, exercise: str = "ex") -> dict:
    outputs = execute(kc, check_cell_source(source, exercise))
    assert len(outputs) == 1 and outputs[0]["output_type"] == "display_data", outputs
    assert set(outputs[0]["data"]) == {CHECK_MIME, "text/plain"}
    return parse_check_result(outputs, exercise)


def test_pass_fail_and_error(kernel):
    execute(kernel, "answer = 42\ndef double(v):\n    return 2 * v")
    assert check(kernel, "assert answer == 42 and double(2) == 4") == {
        "exercise": "ex", "status": "pass", "message": ""}
    assert check(kernel, "assert answer == 41, 'answer should be 41: recount'")["message"] == \
        "answer should be 41: recount"
    assert check(kernel, "assert answer == 41") == {
        "exercise": "ex", "status": "fail", "message": NOT_QUITE}
    result = check(kernel, "assert missing_name == 1")
    assert result["status"] == "error"
    assert result["message"] == CHECKER_ERROR + "NameError: name 'missing_name' is not defined"
    assert check(kernel, "raise SystemExit(3)")["status"] == "error"
    assert check(kernel, "import sys; sys.exit()")["message"] == CHECKER_ERROR + "SystemExit"


def test_the_check_cannot_clobber_the_learners_namespace(kernel):
    execute(kernel, "value = 'mine'")
    assert check(kernel, "value = 'the check'\nbrand_new = 1\nassert value == 'the check'")[
        "status"] == "pass"
    outputs = execute(kernel, "print(value, 'brand_new' in globals(), "
                              "[k for k in globals() if 'campfire' in k])")
    assert outputs[0]["text"] == "mine False []\n"


def test_a_learner_who_rebinds_builtins_does_not_break_the_check(kernel):
    execute(kernel, "exec = dict = globals = compile = display = None\nlearner_x = 5")
    try:
        assert check(kernel, "assert learner_x == 5")["status"] == "pass"
    finally:
        execute(kernel, "del exec, dict, globals, compile, display")


def test_random_states_are_restored(kernel):
    execute(kernel, "import random, numpy as np, ember\n"
                    "random.seed(1); np.random.seed(1); ember.manual_seed(1)")
    expected = execute(kernel, "print(random.random(), np.random.rand(), ember.rand(1).item())")
    execute(kernel, "random.seed(1); np.random.seed(1); ember.manual_seed(1)")
    check(kernel, "import random, numpy, ember\nrandom.seed(9); numpy.random.seed(9)\n"
                  "ember.manual_seed(9); random.random(); numpy.random.rand(); ember.rand(3)")
    after = execute(kernel, "print(random.random(), np.random.rand(), ember.rand(1).item())")
    assert after == expected


def test_prints_and_warnings_of_the_check_are_swallowed(kernel):
    outputs = execute(kernel, check_cell_source(
        "import sys, warnings\nprint('noise')\nprint('err', file=sys.stderr)\n"
        "warnings.warn('careful')\nassert False, 'the message'", "quiet"))
    assert [o["output_type"] for o in outputs] == ["display_data"]
    assert parse_check_result(outputs)["message"] == "the message"


@pytest.mark.parametrize("tricky", [
    "'''", '"""', "\\", "\\n", "\n", "'); import os; ('", "\u00e9\u2713\U0001f525", "\x00",
])
def test_sources_and_ids_are_embedded_verbatim(kernel, tricky):
    source = f"text = {tricky!r}\nassert len(text) == {len(tricky)}, repr(text)"
    result = check(kernel, source, exercise="id" + tricky)
    assert result == {"exercise": "id" + tricky, "status": "pass", "message": ""}


def test_asserts_work_in_an_optimised_kernel(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONOPTIMIZE="1")
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    try:
        assert check(kc, "assert 1 == 2, 'asserts still count'")["status"] == "fail"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_long_and_hostile_messages(kernel):
    assert len(check(kernel, "assert False, 'x' * 10000")["message"]) == MAX_MESSAGE_CHARS
    result = check(kernel, "class Bad(Exception):\n    def __str__(self):\n        raise RuntimeError\n"
                           "raise Bad()")
    assert result == {"exercise": "ex", "status": "error", "message": CHECKER_ERROR + "Bad"}


def test_bad_arguments():
    with pytest.raises(TypeError):
        check_cell_source(None, "ex")
    with pytest.raises(ValueError):
        check_cell_source("assert True", "")


def _display(payload) -> dict:
    return {"output_type": "display_data", "metadata": {}, "data": {CHECK_MIME: payload}}


def test_parse_check_result():
    good = {"exercise": "a", "status": "fail", "message": "m"}
    assert parse_check_result([]) is None
    assert parse_check_result([{"output_type": "stream", "name": "stdout", "text": "x"}]) is None
    assert parse_check_result([_display(good)]) == good
    assert parse_check_result([_display('{"exercise": "a", "status": "pass", "message": ""}')])[
        "status"] == "pass"
    # a result for another exercise is not this exercise's result
    assert parse_check_result([_display(good)], "b") is None
    assert parse_check_result([_display(dict(good, exercise="b")), _display(good)], "a") == good
    for bad in ({"exercise": "a", "status": "passed", "message": ""}, "not json", ["a"],
                {"exercise": "a", "status": "pass"}):
        assert parse_check_result([_display(bad)], "a")["status"] == "error"
    error = {"output_type": "error", "ename": "KeyboardInterrupt", "evalue": "", "traceback": []}
    assert parse_check_result([error], "a") == {
        "exercise": "a", "status": "error", "message": CHECKER_ERROR + "KeyboardInterrupt"}
    assert parse_check_result([None, "junk", {"output_type": "display_data", "data": None}]) is None


def test_importing_needs_only_the_standard_library():
    import subprocess
    code = ("import sys; import workers.exercises; "
            "bad = {m.split('.')[0] for m in sys.modules} & {'IPython', 'nbformat', 'numpy', 'ember',"
            " 'django', 'celery'}; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
