"""The workers' Celery app stays Django-free even where DJANGO_SETTINGS_MODULE is set."""
import subprocess
import sys


def test_worker_init_ignores_django_settings_in_the_environment():
    # Celery's Django fixup would call django.setup() on worker init and crash (or touch the
    # database) when the platform's settings module is in the environment: it must be off.
    # (kombu's JSON encoder imports django.utils when Django is installed: harmless; what must
    # not happen is Django's app registry being set up.)
    code = ("from workers.celery_app import app; app.loader.init_worker(); import sys; "
            "apps = sys.modules.get('django.apps'); "
            "assert apps is None or not apps.apps.ready, 'django.setup() ran'; print('ok')")
    env = {"DJANGO_SETTINGS_MODULE": "no_such_settings_module", "PATH": "/usr/bin:/bin",
           "REDIS_URL": "redis://127.0.0.1:6379/15"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
