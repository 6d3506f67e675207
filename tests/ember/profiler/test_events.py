"""Profiler result formatting: PyTorch's time and memory units, averages and sorting."""
from ember.profiler import EventList, FunctionEvent
from ember.profiler._events import format_memory, format_time


def test_units_like_pytorch():
    assert format_time(12.3456) == "12.346us" and format_time(1234.5) == "1.234ms" and format_time(2.5e6) == "2.500s"
    assert format_memory(512) == "512 b" and format_memory(2048) == "2.00 Kb" and format_memory(-3 * 1024 ** 2) == \
        "-3.00 Mb" and format_memory(5 * 1024 ** 3) == "5.00 Gb"


def _ev(name, total, self_, shapes=(), mem=0, depth=0):
    return FunctionEvent(name, 0.0, total, self_, list(shapes), mem, mem, depth)


def test_key_averages_group_and_sort():
    events = EventList([_ev("a", 10, 4, [[2]]), _ev("b", 6, 6, depth=1), _ev("a", 30, 30, [[3]]), _ev("b", 2, 2)],
                       profile_memory=True)
    avg = {e.key: e for e in events.key_averages()}
    assert avg["a"].count == 2 and avg["a"].cpu_time_total == 40 and avg["a"].cpu_time == 20 and avg["b"].depth == 0
    by_shape = events.key_averages(group_by_input_shape=True)
    assert [(e.key, e.input_shapes) for e in by_shape] == [("a", [[2]]), ("b", []), ("a", [[3]])]
    table = events.key_averages().table(sort_by="self_cpu_time_total")
    rows = table.splitlines()[3:5]
    assert rows[0].split()[0] == "a" and rows[0].split()[1] == "80.95%"          # 34 of 42 us self time
    assert table.splitlines()[-1] == "Self CPU time total: 42.000us"
    long = EventList([_ev("x" * 80, 1, 1)]).table(max_name_column_width=20)
    assert "x" * 17 + "..." in long and "x" * 18 not in long
