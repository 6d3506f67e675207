"""The platform's Celery app: database work on the `platform` queue.

Run with `celery -A campfire.celery:app worker -Q platform`. Execution happens on the
workers' own app (`workers.celery_app:app`); the platform only sends tasks to it by name.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campfire.settings")

app = Celery("campfire")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
