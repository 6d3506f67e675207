"""manage.py sync_tutorials [--path tutorials/]: load or update the tutorials (sync.py).

One line per tutorial loaded, updated or refused (-v 2: unchanged ones too), then a summary.
Exits non-zero when a tutorial was refused; the others are loaded all the same.
"""

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from campfire.tutorials.sync import tutorials_sync


class Command(BaseCommand):
    help = "Load or update tutorials from NN-slug.ipynb files; unchanged files change nothing."

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=settings.BASE_DIR / "tutorials", help="folder of tutorial notebooks (default: tutorials/)")

    def handle(self, *args, path: Path, verbosity: int = 1, **options):
        try:
            results = tutorials_sync(path=path)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        if not results:
            raise CommandError(f"no .ipynb files in {path}")
        for result in results:
            if result.outcome == "refused":
                self.stderr.write(self.style.ERROR(result.line()))
            elif result.outcome != "unchanged" or verbosity >= 2:
                self.stdout.write(self.style.SUCCESS(result.line()) if result.outcome != "unchanged" else result.line())
        counts = Counter(result.outcome for result in results)
        if verbosity >= 1:
            self.stdout.write(f"tutorials in {path}: {counts['created']} loaded, {counts['updated']} updated, "
                              f"{counts['unchanged']} unchanged, {counts['refused']} refused")
        if counts["refused"]:
            refused = ", ".join(r.filename for r in results if r.outcome == "refused")
            raise CommandError(f"{counts['refused']} tutorial(s) refused: {refused} (the others were loaded)")
