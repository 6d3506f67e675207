"""Anomaly detection, for hunting NaN gradients: with it on, a backward step that produces NaN raises
``RuntimeError: Function 'DivBackward0' returned nan values in its 0th output.``, naming the op, as PyTorch does.
It costs a NaN scan of every gradient, so it is off by default. ember does not record the forward traceback
that PyTorch prints alongside (``check_nan=False`` leaves nothing to check, as there)."""
from . import engine

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]

_enabled = [False]
_check_nan = [True]


def is_anomaly_enabled():
    """True while anomaly detection is on (``ember.autograd.detect_anomaly``/``set_detect_anomaly``)."""
    return _enabled[0]


def is_anomaly_check_nan_enabled():
    """True if anomaly detection also checks backward results for NaN (``check_nan=True``)."""
    return _check_nan[0]


def _set(mode, check_nan):
    if mode and not _enabled[0]:
        import warnings
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", UserWarning, stacklevel=3)
    _enabled[0], _check_nan[0] = bool(mode), bool(check_nan)
    engine._anomaly[0] = _enabled[0] and _check_nan[0]


class set_detect_anomaly:
    """Turn anomaly detection on or off: a call (``ember.autograd.set_detect_anomaly(True)``) or a ``with``."""

    def __init__(self, mode, check_nan=True):
        self._prev = (_enabled[0], _check_nan[0])
        _set(mode, check_nan)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _set(*self._prev)
        return False


class detect_anomaly:
    """``with ember.autograd.detect_anomaly():`` (or as a decorator) turns anomaly detection on inside."""

    def __init__(self, check_nan=True):
        self._check_nan = check_nan

    def __enter__(self):
        self._prev = (_enabled[0], _check_nan[0])
        _set(True, self._check_nan)
        return None

    def __exit__(self, *exc):
        _set(*self._prev)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def run(*args, **kwargs):
            with detect_anomaly(self._check_nan):
                return fn(*args, **kwargs)
        return run
