"""campfire-tutorial: validate, execute and check tutorials. Run from the repository root:

    python -m tutorials.tools validate [NOTEBOOK ...]
    python -m tutorials.tools execute NOTEBOOK ...          # store fresh reference outputs
    python -m tutorials.tools run-checks --mode solution|starter|revisit [NOTEBOOK ...]

Without notebooks, every tutorials/NN-slug.ipynb. Exit status 1 when anything is wrong.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tutorials import runner, schema


def validate(paths: list[Path]) -> list[str]:
    """Schema problems of ``paths``, plus collection problems across every tutorial."""
    problems = []
    for path in paths:
        raw = path.read_bytes()
        try:
            nb = json.loads(raw)
        except ValueError as exc:
            problems.append(f"{path.name}: not JSON: {exc}")
            continue
        problems += [f"{path.name}: {p}" for p in
                     schema.validate_notebook(nb, filename=path.name, size=len(raw))]
    everything = {p.name: json.loads(p.read_bytes()) for p in runner.tutorial_paths()}
    everything.update({p.name: json.loads(p.read_bytes()) for p in paths})
    return problems + schema.validate_collection(everything)


def _execute(paths: list[Path]) -> int:
    status = 0
    for path in paths:
        report = runner.fill_reference(path)
        if report.errors:
            status = 1
            for cell, name, value in report.errors:
                print(f"{path.name}: cell {cell} raised {name}: {value}")
            print(f"{path.name}: NOT written")
        else:
            print(f"{path.name}: reference outputs written ({report.wall:.1f} s, "
                  f"{path.stat().st_size // 1000} kB)")
    return status


def _run_checks(paths: list[Path], mode: str) -> int:
    status = 0
    for path in paths:
        report = runner.run(runner.load(path), mode)
        print(f"{path.name} [{mode}] {report.wall:.1f} s")
        for ex_id, result in report.checks.items():
            seconds = report.check_seconds.get(ex_id, 0.0)
            outcome = "no result" if result is None else result["status"]
            message = "" if result is None else result["message"]
            print(f"  {ex_id}: {outcome} ({seconds:.2f} s) {message}".rstrip())
        for problem in report.problems():
            status = 1
            print(f"  PROBLEM: {problem}")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="campfire-tutorial", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("validate", "execute", "run-checks"):
        sub = commands.add_parser(name)
        sub.add_argument("notebooks", nargs="*", type=Path)
        if name == "run-checks":
            sub.add_argument("--mode", choices=("solution", "starter", "revisit"), required=True)
    args = parser.parse_args(argv)
    paths = args.notebooks or runner.tutorial_paths()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if args.command == "validate":
        problems = validate(paths)
        print("\n".join(problems) if problems else f"{len(paths)} tutorial(s) valid")
        return 1 if problems else 0
    if args.command == "execute":
        return _execute(paths)
    return _run_checks(paths, args.mode)


if __name__ == "__main__":
    sys.exit(main())
