"""Runs inside every kernel before it answers: pre-imports modules (numpy, ember, ...) so that a
learner's first `import ember` is instant, caps each cell's output inside the kernel, and warms
the completer. Leaves
no names in the user's namespace, and a missing module (ember not installed yet) only costs a
line on the kernel's stderr."""


def _campfire_preimport():
    import importlib
    import os
    import sys

    for name in os.environ.pop("CAMPFIRE_PREIMPORT", "").split(","):
        if name.strip():
            try:
                importlib.import_module(name.strip())
            except Exception as exc:  # a broken optional module must not stop the kernel
                print(f"campfire: could not pre-import {name}: {exc!r}", file=sys.__stderr__)


def _campfire_output_cap():
    """Drop a cell's stdout/stderr past CAMPFIRE_OUTPUT_CAP characters since the cell began or
    last cleared its output (a little over the worker's byte cap, which counts what the cell
    keeps, so the worker still cuts and tells the user). The worker's cap is the rule; this
    spares the kernel: a cell printing 1 GB would otherwise pile it up in ipykernel's buffer
    faster than it is sent, and die of the memory limit without any output."""
    import os

    limit = int(os.environ.pop("CAMPFIRE_OUTPUT_CAP", "0") or 0)
    if limit <= 0:
        return
    from IPython import get_ipython
    from ipykernel.iostream import OutStream

    left = [limit]
    write = OutStream.write

    def capped(self, string):
        if not isinstance(string, str):
            return write(self, string)  # its TypeError
        if left[0] > 0:
            write(self, string[:left[0]])
        left[0] -= len(string)
        return len(string)

    def reset(*_args, **_kwargs):
        left[0] = limit

    shell = get_ipython()
    OutStream.write = capped
    shell.events.register("pre_execute", reset)
    clear_output = shell.display_pub.clear_output

    def clear_and_reset(*args, **kwargs):    # a status line redrawn forever is not a flood
        clear_output(*args, **kwargs)        # flushes what was printed before, counted then
        reset()

    shell.display_pub.clear_output = clear_and_reset


def _campfire_warm_completion(min_cpu_quota=120):
    """Parse Python's builtins stubs for jedi (IPython's completer) in the background: a kernel's HOME
    starts empty, so without this its first Tab spends ~2 s parsing them, close to the worker's wait
    for an answer (workers/queries.py). A Tab that comes before the warm-up ends waits for it rather
    than parsing the same files again beside it. Not at a lower OS priority: the thread holds the GIL
    while it runs, and a thread the OS rarely schedules would stall the kernel's own threads."""
    import resource
    import threading

    from IPython import get_ipython

    cpu_quota = resource.getrlimit(resource.RLIMIT_CPU)[0]
    if cpu_quota != resource.RLIM_INFINITY and cpu_quota < min_cpu_quota:
        return      # under 2 min of RLIMIT_CPU the warm-up's ~3 s would be a real share of the whole quota
    warmed = threading.Event()
    shell = get_ipython()
    completer = getattr(shell, "Completer", None)
    if completer is not None:
        plain = completer.completions

        def completions(text, offset):
            warmed.wait(15)
            return plain(text, offset)

        completer.completions = completions    # on the instance: removed once warm

    def warm():
        try:
            import jedi
            jedi.Interpreter("pri", [{}]).complete()
        except Exception:  # no jedi: IPython completes without it
            pass
        finally:
            warmed.set()
            if completer is not None:
                completer.__dict__.pop("completions", None)

    threading.Thread(target=warm, name="campfire-warm-completion", daemon=True).start()


_campfire_preimport()
_campfire_output_cap()
_campfire_warm_completion()
del _campfire_preimport, _campfire_output_cap, _campfire_warm_completion
