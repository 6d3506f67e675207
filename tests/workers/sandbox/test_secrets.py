"""Attacks on secrets and files: the worker's environment, other processes, another session's
files and connection key, the project's settings and database, writes outside the kernel's home."""
from __future__ import annotations

import json
import os
import uuid

from tests.workers.conftest import REPO

from .conftest import SECRETS, assert_no_secret

# Prints what it could get; every attempt is expected to fail, and nothing secret may appear.
READ_ATTEMPTS = """
import json, os
got = {}
def attempt(name, fn):
    try:
        got[name] = repr(fn())[:3000]
    except Exception as exc:
        got[name] = f"BLOCKED {type(exc).__name__}"
"""


def test_worker_environment_and_other_processes_are_out_of_reach(hostile):
    code = READ_ATTEMPTS + """
got["own env"] = sorted(os.environ)
attempt("parent environ", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read())
attempt("parent cmdline", lambda: open(f"/proc/{os.getppid()}/cmdline", "rb").read())
attempt("init environ", lambda: open("/proc/1/environ", "rb").read())
attempt("processes", lambda: [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()])
attempt("parent via JPY_PARENT_PID", lambda: open(f"/proc/{os.environ['JPY_PARENT_PID']}/environ", "rb").read())
print(json.dumps(got))
"""
    outcome = hostile.attack("read the worker's environment and /proc/1/environ", code)
    assert outcome.status == "ok", outcome
    assert_no_secret(outcome.text)
    got = json.loads(outcome.text)
    assert not set(SECRETS) & set(got["own env"]), got["own env"]
    for name in ("parent environ", "parent cmdline", "init environ", "parent via JPY_PARENT_PID"):
        assert got[name].startswith("BLOCKED"), (name, got[name])
    assert got["processes"] == "[]", got["processes"]  # hidepid: not even listed
    hostile.record("read the worker's environment, /proc/1/environ, other processes", outcome,
                   "no secret in the kernel's environment; other processes invisible (hidepid)")


def test_another_sessions_files_and_connection_key_are_out_of_reach(hostile):
    victim = hostile.new_session()
    token = f"victim-{uuid.uuid4().hex}"
    try:
        planted = hostile.cell(victim, f"open('notes.txt', 'w').write({token!r})\n"
                                       f"open('/tmp/notes.txt', 'w').write({token!r})")
        assert planted.status == "ok", planted
        victim_dir = hostile.kernel_dir(hostile.kernel_of(victim))
        code = READ_ATTEMPTS + f"""
import glob
victim = {str(victim_dir)!r}
attempt("victim dir", lambda: os.listdir(victim))
attempt("victim key", lambda: open(victim + "/conn/kernel.json").read())
attempt("runtime dir", lambda: os.listdir(os.path.dirname(victim)))
import sys, ember
# The interpreter and the checkout (for ember) are mounted back read-only, under /tmp when the
# clone lives there (tens of thousands of files: past the cell limit); the victim cannot have
# written into them, so they are not searched. Everything else the view holds is.
code_dirs = {{os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, os.path.dirname(os.path.dirname(ember.__file__)))}}
found = []
for top in ("/tmp", "/home", "/dev/shm", "/var/tmp", os.path.dirname(os.path.dirname(victim))):
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.realpath(os.path.join(root, d)) not in code_dirs]
        for name in files:
            try:
                # Bounded read: the token file is tiny.
                if {token!r} in open(os.path.join(root, name), errors="replace").read(65536):
                    found.append(os.path.join(root, name))
            except OSError:
                pass
got["found"] = found
print(json.dumps(got))
"""
        outcome = hostile.attack("read another session's directory", code)
        assert outcome.status == "ok", outcome
        assert token not in outcome.text
        got = json.loads(outcome.text)
        assert got["found"] == []
        for name in ("victim dir", "victim key"):
            assert got[name].startswith("BLOCKED"), (name, got[name])
        still = hostile.cell(victim, "print(open('notes.txt').read())")
        assert still.text == token + "\n"
    finally:
        hostile.stack.command("workers.shutdown", victim)
    hostile.record("read another session's directory and connection key", outcome,
                   "its home, /tmp and kernel directory do not exist in the attacker's view")


def test_project_settings_database_and_secret_files_are_hidden(hostile):
    targets = {"pyproject": REPO / "pyproject.toml", "worker config": REPO / "workers/config.py",
               "settings": REPO / "platform/campfire/settings.py",
               "secret key": REPO / "var/secret_key", "database": hostile.var_dir / "db.sqlite3",
               "postgres socket dir": "/run/postgresql",
               "root's files": next(p for p in ("/root/.bashrc", "/root/.profile", "/root")
                                    if os.path.exists(p))}
    code = READ_ATTEMPTS + f"""
for name, path in {json.dumps({k: str(v) for k, v in targets.items()})}.items():
    attempt(name, lambda path=path: os.listdir(path) if os.path.isdir(path) else open(path).read())
print(json.dumps(got))
"""
    outcome = hostile.attack("read the project's settings and database file", code)
    assert outcome.status == "ok", outcome
    assert_no_secret(outcome.text)
    got = json.loads(outcome.text)
    for name, value in got.items():
        assert value.startswith("BLOCKED"), (name, value)
    hostile.record("read the project's settings, database file, /root, /run", outcome,
                   "the checkout, the data dir, /root and /run are empty in the kernel's view")


def test_writes_outside_the_kernel_home_fail(hostile):
    marker = f"pwned-{uuid.uuid4().hex[:8]}"
    targets = [REPO / f"{marker}.py", REPO / "workers" / f"{marker}.py",
               hostile.var_dir / marker, f"/var/tmp/{marker}", f"/etc/{marker}"]
    code = READ_ATTEMPTS + f"""
for path in {json.dumps([str(t) for t in targets])}:
    attempt(path, lambda path=path: open(path, "w").write("x"))
print(json.dumps(got))
"""
    outcome = hostile.attack("write into the project directory", code)
    assert outcome.status == "ok", outcome
    for path, value in json.loads(outcome.text).items():
        assert value.startswith("BLOCKED"), (path, value)
    for path in targets:
        assert not os.path.exists(path), path
    hostile.record("write into the project directory, the data dir, /var/tmp, /etc", outcome,
                   "read-only filesystem; nothing written on the host")
