"""Runs inside every kernel before it answers: pre-imports modules (numpy, ember, ...) so that a
learner's first `import ember` is instant. Leaves no names in the user's namespace, and a missing
module (ember not installed yet) only costs a line on the kernel's stderr."""


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


_campfire_preimport()
del _campfire_preimport
