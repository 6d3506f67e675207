"""``profile``: time every ember op called inside a ``with`` block, without costing anything outside it.

While a profile is active, every public op binding (``ember._methods.op_bindings()``: Tensor methods and
operators, ``ember.*`` functions, ``ember.ops.nn_ops`` and its re-exports in ``ember.nn.functional``),
``Tensor.backward`` and each optimiser's ``step`` are replaced by timing wrappers; on exit the originals are
put back. Outside a profile the ops run unwrapped, so profiling support adds no per-op check. Backward
nodes are timed through the engine's backward hook. Nested calls give each event a self time (its total
minus its children's).
"""
import json
import sys
import time
from enum import Enum


from .._tensor import Tensor
from ._events import EventList, FunctionEvent

__all__ = ["profile", "record_function", "ProfilerActivity", "set_device_synchronize"]

_active = [None]          # the running profile, if any
_synchronize = [None]     # device sync called around each timed op (set by a GPU backend)


class ProfilerActivity(Enum):
    CPU = "cpu"
    CUDA = "cuda"


def set_device_synchronize(fn):
    """Install ``fn()`` to wait for queued device work, called before and after every timed op, so GPU times
    are true (the CuPy backend sets it to ``cupy.cuda.Device().synchronize``); ``None`` removes it. Returns the
    previous function."""
    prev, _synchronize[0] = _synchronize[0], fn
    return prev


def _output_bytes(out, inputs):
    """Bytes of the arrays an op returned that are new memory (not views of its inputs)."""
    if isinstance(out, Tensor):
        arr, dev = out._array, out._device
        for t in inputs:     # memory is shared only on one device (``to`` makes a copy on another)
            if isinstance(t, Tensor) and t._device is dev and dev.xp.may_share_memory(arr, t._array):
                return 0
        return arr.nbytes
    if isinstance(out, (tuple, list)):
        return sum(_output_bytes(o, inputs) for o in out)
    return 0


class profile:
    """Context manager collecting per-op calls, total/self time, input shapes and output memory.

        with ember.profiler.profile(record_shapes=True, profile_memory=True) as prof:
            loss = model(x).sum(); loss.backward()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
    """

    def __init__(self, activities=None, *, record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, enabled=True, use_cuda=False, schedule=None,
                 on_trace_ready=None):
        if schedule is not None or on_trace_ready is not None:
            raise NotImplementedError("ember.profiler.profile: schedule/on_trace_ready are not supported; profile "
                                      "the steps you want inside the with block")
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self._events = []
        self._stack = []
        self._saved = []
        self._t0 = 0.0
        self._sync = None

    # ---- lifecycle ------------------------------------------------------------------------------------------
    def __enter__(self):
        if not self.enabled:
            return self
        if _active[0] is not None:
            raise RuntimeError("ember.profiler.profile is already running; profiles cannot be nested")
        self._sync = _synchronize[0]
        self._events, self._stack = [], []
        self._t0 = time.perf_counter()
        wrappers = {}
        for owner, name in _targets():
            orig = owner.__dict__[name]
            w = wrappers.get(id(orig))
            if w is None:
                w = wrappers[id(orig)] = self._wrap(orig, _label(owner, name, orig))
            self._saved.append((owner, name, orig))
            setattr(owner, name, w)
        from ..autograd import engine
        self._prev_hook = engine.set_backward_hook(self._backward_hook, self._sync)
        _active[0] = self
        return self

    def __exit__(self, *exc):
        if not self.enabled or _active[0] is not self:
            return False
        from ..autograd import engine
        engine.set_backward_hook(self._prev_hook)
        for owner, name, orig in reversed(self._saved):
            setattr(owner, name, orig)
        self._saved = []
        _active[0] = None
        return False

    # ---- recording ------------------------------------------------------------------------------------------
    def _wrap(self, fn, label):
        run = self._run

        def timed(*args, **kwargs):
            return run(label, fn, args, kwargs)
        timed.__name__ = getattr(fn, "__name__", label)
        timed.__doc__ = getattr(fn, "__doc__", None)
        timed.__wrapped__ = fn
        return timed

    def _run(self, label, fn, args, kwargs):
        frame = [0.0, 0]                         # children's total time and memory
        stack = self._stack
        stack.append(frame)
        sync = self._sync
        try:
            if sync is not None:
                sync()
            t0 = time.perf_counter()
            out = fn(*args, **kwargs)
            if sync is not None:
                sync()
            t1 = time.perf_counter()
        finally:
            stack.pop()
        mem = _output_bytes(out, args) if self.profile_memory else 0
        shapes = [list(a._array.shape) if isinstance(a, Tensor) else [] for a in args] if self.record_shapes else []
        self._record(label, t0, t1 - t0, frame, shapes, mem)
        return out

    def _record(self, label, t0, dt, frame, shapes, out_bytes):
        # memory: a call's total is what its children allocated, or its own new outputs if those are more
        # (an op whose result a child produced allocated nothing itself); self = total - children
        mem = max(out_bytes, frame[1])
        if self._stack:
            parent = self._stack[-1]
            parent[0] += dt
            parent[1] += mem
        self._events.append(FunctionEvent(label, (t0 - self._t0) * 1e6, dt * 1e6, (dt - frame[0]) * 1e6, shapes, mem,
                                          mem - frame[1], len(self._stack)))

    def _backward_hook(self, node, seconds):
        t1 = time.perf_counter()
        self._record(node.name(), t1 - seconds, seconds, [0.0, 0], [], 0)

    # ---- results --------------------------------------------------------------------------------------------
    def events(self):
        """Every recorded call, in the order they finished."""
        return EventList(self._events, self.profile_memory, self.record_shapes)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        """Events summed per op name (and per input shapes with ``group_by_input_shape=True``)."""
        if group_by_input_shape and not self.record_shapes:
            raise RuntimeError("key_averages(group_by_input_shape=True) needs profile(record_shapes=True)")
        return self.events().key_averages(group_by_input_shape)

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self._events)

    def table(self, *args, **kwargs):
        return self.key_averages().table(*args, **kwargs)

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace (open in chrome://tracing or https://ui.perfetto.dev)."""
        trace = [{"name": e.name, "ph": "X", "ts": e.start_us, "dur": e.cpu_time_total, "pid": 0, "tid": 0,
                  "cat": "cpu_op", "args": {"Input Shapes": e.input_shapes} if e.input_shapes else {}}
                 for e in self._events]
        with open(path, "w") as f:
            json.dump({"traceEvents": trace}, f)


class record_function:
    """Label a range of code in the profile: ``with record_function("data loading"): ...`` or as a
    decorator. Outside a profile it costs one check."""

    def __init__(self, name, args=None):
        self.name = str(name)
        self._frame = None

    def __enter__(self):
        prof = _active[0]
        if prof is not None:
            self._prof = prof
            self._frame = [0.0, 0]
            prof._stack.append(self._frame)
            if prof._sync is not None:
                prof._sync()
            self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        frame, self._frame = self._frame, None
        if frame is None:
            return False
        prof = self._prof
        if prof._sync is not None:
            prof._sync()
        dt = time.perf_counter() - self._start
        if prof._stack and prof._stack[-1] is frame:
            prof._stack.pop()
            prof._record(self.name, self._start, dt, frame, [], 0)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)
        return wrapped


def _label(owner, name, fn):
    if name == "step" and isinstance(owner, type):
        return f"Optimizer.step#{owner.__name__}.step"
    return "ember::" + getattr(fn, "__name__", name)


def _targets():
    """``(owner, attribute)`` pairs to wrap: op bindings, nn.functional re-exports, backward, optimiser steps."""
    from .. import _methods, autograd
    out = _methods.op_bindings()
    op_ids = {id(owner.__dict__[name]) for owner, name in out}
    fmod = sys.modules.get("ember.nn.functional")
    if fmod is not None:
        out += [(fmod, n) for n in fmod.__all__ if id(vars(fmod).get(n)) in op_ids]
    out += [(Tensor, "backward")] + [(autograd, n) for n in ("backward", "grad") if n in vars(autograd)]
    optim = sys.modules.get("ember.optim.optimizer")
    if optim is not None:
        todo = [optim.Optimizer]
        while todo:
            cls = todo.pop()
            todo += cls.__subclasses__()
            if "step" in vars(cls) and cls is not optim.Optimizer:
                out.append((cls, "step"))
    return out
