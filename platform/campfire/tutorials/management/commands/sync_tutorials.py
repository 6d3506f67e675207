"""manage.py sync_tutorials [--path tutorials/]: load or update the tutorials (sync.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from campfire.tutorials.sync import tutorials_sync


class Command(BaseCommand):
    help = "Load or update tutorials from NN-slug.ipynb files; unchanged files change nothing."

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=settings.BASE_DIR / "tutorials", help="folder of tutorial notebooks (default: tutorials/)")

    def handle(self, *args, path: Path, **options):
        try:
            results = tutorials_sync(path=path)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        if not results:
            raise CommandError(f"no .ipynb files in {path}")
        for result in results:
            style = self.style.ERROR if result.outcome == "refused" else self.style.SUCCESS if result.outcome != "unchanged" else str
            self.stdout.write(style(result.line()))
        refused = [r.filename for r in results if r.outcome == "refused"]
        if refused:
            raise CommandError(f"{len(refused)} tutorial(s) refused: {', '.join(refused)} (the others were loaded)")
