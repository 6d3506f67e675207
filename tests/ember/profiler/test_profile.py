"""ember.profiler: per-op events with self/total times, shapes and memory; record_function; no cost when off."""
import json

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember import profiler


def _step(model, opt, x, y):
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


def _model():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 4))
    return model, ember.optim.SGD(model.parameters(), lr=0.1), ember.randn(8, 20), ember.randint(0, 4, (8,))


def test_profile_records_ops_backward_nodes_and_optimizer_step():
    model, opt, x, y = _model()
    with profiler.profile(record_shapes=True, profile_memory=True) as prof:
        with profiler.record_function("train_step"):
            _step(model, opt, x, y)
    avg = {e.key: e for e in prof.key_averages()}
    assert avg["ember::linear"].count == 2 and avg["ember::relu"].count == 1
    assert avg["AddmmBackward0"].count == 2 and "ReluBackward0" in avg
    assert avg["Optimizer.step#SGD.step"].count == 1 and avg["ember::backward"].count == 1
    step = avg["train_step"]
    assert step.count == 1 and step.cpu_time_total >= sum(
        e.cpu_time_total for k, e in avg.items() if k != "train_step" and e.depth == 1) * 0.999
    total_self = sum(e.self_cpu_time_total for e in prof.events())
    assert step.cpu_time_total == pytest.approx(total_self, rel=1e-6)       # everything happened inside the range
    linear_events = [e for e in prof.events() if e.name == "ember::linear"]
    assert [e.input_shapes for e in linear_events] == [[[8, 20], [16, 20], [16]], [[8, 16], [4, 16], [4]]]
    assert [e.cpu_memory_usage for e in linear_events] == [8 * 16 * 4, 8 * 4 * 4]
    assert avg["ember::relu"].self_cpu_memory_usage == 8 * 16 * 4
    assert all(e.self_cpu_time_total <= e.cpu_time_total + 1e-9 for e in prof.events())
    assert step.cpu_memory_usage >= 8 * 16 * 4 * 2 and step.self_cpu_memory_usage == 0


def test_table_layout_like_pytorch():
    model, opt, x, y = _model()
    with profiler.profile(record_shapes=True, profile_memory=True) as prof:
        _step(model, opt, x, y)
    text = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=5)
    lines = text.splitlines()
    assert lines[0].startswith("-") and lines[2].startswith("-")
    assert lines[1].split() == ["Name", "Self", "CPU", "%", "Self", "CPU", "CPU", "total", "%", "CPU", "total", "CPU",
                                "time", "avg", "CPU", "Mem", "Self", "CPU", "Mem", "#", "of", "Calls"]
    assert len(lines) == 3 + 5 + 2 and lines[-1].startswith("Self CPU time total: ")
    selfs = [line.split()[2] for line in lines[3:8]]
    assert all(s.endswith(("us", "ms", "s")) for s in selfs)
    by_shape = prof.key_averages(group_by_input_shape=True).table(sort_by="count", row_limit=3)
    assert "Input Shapes" in by_shape.splitlines()[1] and "[[8, 20], [16, 20], [16]]" in by_shape
    with pytest.raises(ValueError, match="expected one of"):
        prof.key_averages().table(sort_by="gpu_time")
    top = prof.key_averages().table(top_level_events_only=True)
    assert "ember::backward" in top and "AddmmBackward0" not in top


def test_ops_are_restored_and_unwrapped_outside_the_profile():
    before = (ember.Tensor.__mul__, ember.matmul, nn.functional.linear, ember.Tensor.backward)
    with profiler.profile() as prof:
        assert ember.Tensor.__mul__ is not before[0] and nn.functional.linear is not before[2]
        (ember.ones(2) * 3).sum()
    assert (ember.Tensor.__mul__, ember.matmul, nn.functional.linear, ember.Tensor.backward) == before
    assert [e.name for e in prof.events()] == ["ember::mul", "ember::sum"]
    assert not hasattr(ember.Tensor.__mul__, "__wrapped__")


def test_exceptions_inside_the_profile_restore_everything():
    before = ember.Tensor.__add__
    with pytest.raises(RuntimeError):
        with profiler.profile():
            ember.ones(2) + ember.ones(3)
    assert ember.Tensor.__add__ is before
    with profiler.profile() as prof:                 # a new profile works afterwards
        ember.ones(2) + 1
    assert [e.name for e in prof.events()] == ["ember::add"]


def test_nesting_is_refused_and_disabled_profile_records_nothing():
    with profiler.profile():
        with pytest.raises(RuntimeError, match="already running"):
            profiler.profile().__enter__()
    with profiler.profile(enabled=False) as prof:
        ember.ones(2) * 2
    assert prof.events() == []


def test_record_function_outside_profile_and_as_decorator():
    with profiler.record_function("nothing"):
        pass

    @profiler.record_function("helper")
    def helper(t):
        return t.exp()
    assert helper(ember.zeros(1)).tolist() == [1.0]
    with profiler.profile() as prof:
        helper(ember.zeros(1))
    names = [(e.name, e.depth) for e in prof.events()]
    assert names == [("ember::exp", 1), ("helper", 0)]


def test_device_synchronize_hook_brackets_each_op():
    calls = []
    prev = profiler.set_device_synchronize(lambda: calls.append(1))
    try:
        with profiler.profile():
            a = ember.ones(2, requires_grad=True)
            (a * 2).sum().backward()
    finally:
        profiler.set_device_synchronize(prev)
    assert len(calls) >= 2 * 4                      # mul, sum, backward, plus each backward node


def test_chrome_trace_export(tmp_path):
    with profiler.profile(record_shapes=True) as prof:
        ember.ones(3, 3) @ ember.ones(3, 3)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())["traceEvents"]
    assert trace[0]["name"] == "ember::matmul" and trace[0]["ph"] == "X" and trace[0]["dur"] >= 0
    assert trace[0]["args"]["Input Shapes"] == [[3, 3], [3, 3]]


def test_results_match_without_profiling():
    model, opt, x, y = _model()
    plain = _step(model, opt, x, y).item()
    model, opt, x, y = _model()
    with profiler.profile(record_shapes=True, profile_memory=True):
        profiled = _step(model, opt, x, y).item()
    assert plain == profiled
    assert np.isfinite(plain)
