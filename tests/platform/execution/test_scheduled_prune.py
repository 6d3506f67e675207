"""The `beat` process prunes old run records by itself: a real `celery beat` sends
`campfire.prune_executions` to the live stack's platform worker, which deletes the old record and
keeps the recent one (what is kept and why: test_retention.py)."""

import json
import sys
import time

from tests.livestack import Proc

RECORDS = """
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from campfire.execution import services
from campfire.execution.models import Execution, Status
from campfire.notebooks import services as notebook_services
user = get_user_model().objects.get(username={username!r})
nb = notebook_services.notebook_create(owner=user, title="Pruned", cells=[{{"id": "a", "cell_type": "code", "source": "1"}}])
session = services.kernel_session_get_or_create(notebook=nb, user=user)
def run(days):
    when = timezone.now() - timedelta(days=days)
    return str(Execution.objects.create(notebook=nb, session=session, user=user, cell_id="a", code="1", status=Status.OK,
                                        recorded=when, finished=when, outputs=[]).pk)
print(json.dumps([run(40), run(1)]))
"""

EXISTING = """
import json
from campfire.execution.models import Execution
print(json.dumps(sorted(str(pk) for pk in Execution.objects.filter(pk__in={ids!r}).values_list("pk", flat=True))))
"""


def _shell(stack, script: str):
    return json.loads(stack.manage("shell", "-c", script).strip().splitlines()[-1])


def test_beat_sends_the_prune_and_the_platform_worker_deletes_old_records(live_stack):
    username, _ = live_stack.user()
    old, recent = _shell(live_stack, RECORDS.format(username=username))
    env = {**live_stack.env, "CAMPFIRE_EXECUTION_PRUNE_INTERVAL": "1",
           "CAMPFIRE_BEAT_SCHEDULE_FILE": str(live_stack.workdir / "celerybeat-schedule")}
    beat = Proc("beat", [sys.executable, "-m", "celery", "-A", "campfire.celery:app", "beat", "--max-interval", "1",
                         "-l", "info"], env, live_stack.workdir / "beat.log")
    try:
        deadline = time.monotonic() + 45
        left = [old, recent]
        while old in left and time.monotonic() < deadline and beat.alive():
            time.sleep(1)
            left = _shell(live_stack, EXISTING.format(ids=[old, recent]))
        assert left == [recent], "old record not pruned\n" + beat.tail() + "\n" + live_stack.procs["platform"].tail()
        assert "campfire.prune_executions" in beat.log_path.read_text()
        assert "execution.pruned" in live_stack.procs["platform"].log_path.read_text()
    finally:
        beat.stop()
