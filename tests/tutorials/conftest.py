"""Collects each tutorial run's wall time and prints them at the end of the session."""
import pytest

RUN_TIMES = pytest.StashKey[list]()


@pytest.fixture
def run_times(request):
    return request.config.stash.setdefault(RUN_TIMES, [])


def pytest_terminal_summary(terminalreporter, config):
    times = config.stash.get(RUN_TIMES, [])
    if times:
        terminalreporter.section("tutorial wall times (limit 60 s per run)")
        for name, mode, seconds in sorted(times):
            terminalreporter.write_line(f"{name:32s} {mode:9s} {seconds:6.1f} s")
