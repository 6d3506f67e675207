"""``ember.profiler``: where does the time go? Per-op calls, total and self time, input shapes and output
memory, printed as PyTorch's profiler table.

    with ember.profiler.profile(record_shapes=True, profile_memory=True) as prof:
        with ember.profiler.record_function("train step"):
            loss = loss_fn(model(x), y); loss.backward(); opt.step()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
"""
from ._events import EventList, FunctionEvent, FunctionEventAvg  # noqa: F401
from ._profile import ProfilerActivity, profile, record_function, set_device_synchronize  # noqa: F401

__all__ = ["profile", "record_function", "ProfilerActivity", "set_device_synchronize", "EventList",
           "FunctionEvent", "FunctionEventAvg"]
