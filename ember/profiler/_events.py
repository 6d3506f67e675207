"""Profiler results: events, their per-name averages and PyTorch's ``key_averages().table()`` layout."""
from collections import OrderedDict

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList"]

_SORT_KEYS = ("cpu_time", "cpu_time_total", "self_cpu_time_total", "count", "cpu_memory_usage",
              "self_cpu_memory_usage")


class FunctionEvent:
    """One call: times in microseconds, shapes of tensor arguments, bytes of new output arrays."""
    __slots__ = ("name", "start_us", "cpu_time_total", "self_cpu_time_total", "input_shapes", "cpu_memory_usage",
                 "self_cpu_memory_usage", "depth")

    def __init__(self, name, start_us, total_us, self_us, input_shapes, mem, self_mem, depth):
        self.name = name
        self.start_us = start_us
        self.cpu_time_total = total_us
        self.self_cpu_time_total = self_us
        self.input_shapes = input_shapes
        self.cpu_memory_usage = mem
        self.self_cpu_memory_usage = self_mem
        self.depth = depth

    @property
    def key(self):
        return self.name

    @property
    def count(self):
        return 1

    @property
    def cpu_time(self):
        return self.cpu_time_total

    def __repr__(self):
        return (f"<FunctionEvent name={self.name} cpu_time_total={self.cpu_time_total:.3f}us "
                f"self_cpu_time_total={self.self_cpu_time_total:.3f}us input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """The events of one name (and, when grouped, one input-shape signature) summed up."""

    def __init__(self, key, input_shapes=None):
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.depth = None

    def add(self, e):
        self.count += 1
        self.cpu_time_total += e.cpu_time_total
        self.self_cpu_time_total += e.self_cpu_time_total
        self.cpu_memory_usage += e.cpu_memory_usage
        self.self_cpu_memory_usage += e.self_cpu_memory_usage
        self.depth = e.depth if self.depth is None else min(self.depth, e.depth)
        return self

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} count={self.count} cpu_time_total={self.cpu_time_total:.3f}us "
                f"self_cpu_time_total={self.self_cpu_time_total:.3f}us>")


class EventList(list):
    """A list of events (or averages) that can print itself as a table."""

    def __init__(self, events=(), profile_memory=False, with_shapes=False):
        super().__init__(events)
        self._profile_memory = profile_memory
        self._with_shapes = with_shapes

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape=False):
        groups = OrderedDict()
        for e in self:
            shapes = str(e.input_shapes) if group_by_input_shape else None
            key = (e.name, shapes)
            if key not in groups:
                groups[key] = FunctionEventAvg(e.name, e.input_shapes if group_by_input_shape else None)
            groups[key].add(e)
        return EventList(groups.values(), self._profile_memory, group_by_input_shape)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False):
        """PyTorch's profiler table: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg,
        [CPU Mem, Self CPU Mem], # of Calls, [Input Shapes]; then the total self CPU time."""
        return _build_table(self, sort_by, row_limit, max_name_column_width, max_shapes_column_width, header,
                            top_level_events_only)

    def __str__(self):
        return self.table()


def format_time(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def format_memory(nbytes):
    kb, mb, gb = 1024.0, 1024.0 ** 2, 1024.0 ** 3
    if abs(nbytes) >= gb:
        return f"{nbytes / gb:.2f} Gb"
    if abs(nbytes) >= mb:
        return f"{nbytes / mb:.2f} Mb"
    if abs(nbytes) >= kb:
        return f"{nbytes / kb:.2f} Kb"
    return f"{nbytes} b"


def _build_table(events, sort_by, row_limit, name_width, shapes_width, header, top_level_only):
    if sort_by is not None and sort_by not in _SORT_KEYS:
        raise ValueError(f"table(sort_by={sort_by!r}): expected one of {', '.join(_SORT_KEYS)} (or None)")
    rows = [e for e in events if not top_level_only or e.depth == 0]
    if sort_by is not None:
        rows.sort(key=lambda e: getattr(e, sort_by), reverse=True)
    if row_limit is not None and row_limit > 0:
        rows = rows[:row_limit]
    total = events.self_cpu_time_total if isinstance(events, EventList) else sum(e.self_cpu_time_total for e in events)
    with_mem = getattr(events, "_profile_memory", False)
    with_shapes = getattr(events, "_with_shapes", False)

    def pct(v):
        return f"{100.0 * v / total:.2f}%" if total else "0.00%"

    names = [e.key if len(e.key) < name_width - 3 else e.key[:name_width - 3] + "..." for e in rows]
    widths = [max([len("Name")] + [len(n) for n in names])] + [12] * 5
    titles = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if with_mem:
        titles += ["CPU Mem", "Self CPU Mem"]
        widths += [12, 12]
    titles.append("# of Calls")
    widths.append(12)
    shape_strs = []
    if with_shapes:
        shape_strs = [str(e.input_shapes)[:shapes_width] for e in rows]
        titles.append("Input Shapes")
        widths.append(max([len("Input Shapes")] + [len(s) for s in shape_strs]))

    def line(cells):
        return "".join(f"{c:>{w}}  " for c, w in zip(cells, widths))

    sep = "".join("-" * w + "  " for w in widths)
    out = []
    if header:
        out += ["=" * len(sep), header]
    out += [sep, line(titles), sep]
    for i, (e, name) in enumerate(zip(rows, names)):
        cells = [name, pct(e.self_cpu_time_total), format_time(e.self_cpu_time_total), pct(e.cpu_time_total),
                 format_time(e.cpu_time_total), format_time(e.cpu_time)]
        if with_mem:
            cells += [format_memory(e.cpu_memory_usage), format_memory(e.self_cpu_memory_usage)]
        cells.append(str(e.count))
        if with_shapes:
            cells.append(shape_strs[i])
        out.append(line(cells))
    out.append(sep)
    out.append(f"Self CPU time total: {format_time(total)}")
    return "\n".join(out) + "\n"
