#!/usr/bin/env python
"""Django's command-line utility for Campfire."""

import os
import sys
from pathlib import Path

# `platform/` is a source root, not a package (the name would shadow the stdlib module).
sys.path.insert(0, str(Path(__file__).resolve().parent / "platform"))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campfire.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
