from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from campfire.execution.retention import executions_prune


class Command(BaseCommand):
    help = ("Delete the records (code, outputs) of runs that finished more than DAYS days ago "
            "(default CAMPFIRE_EXECUTION_RETENTION_DAYS). Notebooks keep their outputs; run it daily.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.CAMPFIRE_EXECUTION_RETENTION_DAYS)
        parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")

    def handle(self, *args, days, dry_run, **options):
        if days < 1:
            raise CommandError(f"--days must be at least 1, not {days}")
        count = executions_prune(older_than=timedelta(days=days), dry_run=dry_run)
        self.stdout.write(f"{count} run record{'s' if count != 1 else ''} older than {days} days {'would be ' if dry_run else ''}deleted")
