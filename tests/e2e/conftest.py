"""Browser tests: the real ASGI app under uvicorn in a subprocess, driven by Debian's chromium.

The server gets its own throw-away database (a temp SQLite file, or a fresh PostgreSQL database
when DATABASE_URL points at PostgreSQL) and the suite's Redis, and is reached over HTTP only:
nothing here touches the ORM, so the tests see exactly what a user's browser sees.
Playwright is module-scoped: its sync API keeps an event loop marked as running in this thread,
which would make Django's ORM refuse to work in the platform tests that run after these.
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.e2e.helpers import WATCH_SCRIPT, Server
from tests.livestack import Database, free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]


@pytest.fixture(scope="session")
def server():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    workdir = Path(tempfile.mkdtemp(prefix="campfire-e2e-"))
    database = Database(workdir)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "CAMPFIRE_VAR_DIR": str(workdir / "var"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The editing tests run without workers: the editor shows no run UI (test_live_* has them).
        "CAMPFIRE_EXECUTION_ENABLED": "0",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 closed at teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "campfire.asgi:application", "--app-dir", "platform",
         "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    if not wait_healthy(base_url, lambda: process.poll() is None):
        process.kill()
        log.close()
        pytest.fail(f"the test server did not start:\n{(workdir / 'server.log').read_text()[-4000:]}")
    try:
        yield Server(base_url=base_url, env=env, root=ROOT, log_path=workdir / "server.log")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    context.add_init_script(WATCH_SCRIPT)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page


@pytest.fixture(scope="session")
def shots_dir():
    """Screenshots for a person to look at; kept after the run (path printed in the report)."""
    path = Path(os.environ.get("CAMPFIRE_E2E_SHOTS") or tempfile.mkdtemp(prefix="campfire-e2e-shots-"))
    path.mkdir(parents=True, exist_ok=True)
    return path
