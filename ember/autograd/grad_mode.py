"""Grad mode: whether ops record the autograd graph.

The flag is process-wide (PyTorch's is per thread): ops read one module attribute on their hot path.
Every mode works as a context manager and as a decorator, like PyTorch's.
"""
import functools
import inspect

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State:
    __slots__ = ("enabled", "inference")


state = _State()
state.enabled = True
state.inference = False


def is_grad_enabled():
    """True unless gradient recording is off (inside ``ember.no_grad()`` or ``set_grad_enabled(False)``)."""
    return state.enabled


def is_inference_mode_enabled():
    """True inside an ``ember.inference_mode()`` block."""
    return state.inference


class _Mode:
    """Base of the grad-mode context managers; subclasses set ``_target`` (the flag inside)."""
    _target = True
    _inference = None

    def __enter__(self):
        self._prev = (state.enabled, state.inference)
        state.enabled = self._target
        if self._inference is not None:
            state.inference = self._inference
        return None

    def __exit__(self, *exc):
        state.enabled, state.inference = self._prev
        return False

    def clone(self):
        return type(self)()

    def _wrap_generator(self, fn):
        """Run each step of a generator in this mode, but yield to the caller outside it."""
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            try:
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as exc:
                        with self.clone():
                            response = gen.throw(exc)
                    else:
                        with self.clone():
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value
        return gen_wrapper

    def __call__(self, fn):
        if inspect.isclass(fn):
            raise TypeError(f"{type(self).__name__} cannot decorate a class; decorate its methods")
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper


class _BareOrCalled(_Mode):
    """Usable as ``@mode``, ``@mode()`` and ``with mode():``, like PyTorch's no_grad/enable_grad."""

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self(fn) if fn is not None and callable(fn) else self


class no_grad(_BareOrCalled):
    """Disable graph recording: ``with ember.no_grad(): ...`` or ``@ember.no_grad()``."""
    _target = False


class enable_grad(_BareOrCalled):
    """Re-enable graph recording inside a ``no_grad`` block."""
    _target = True


class set_grad_enabled(_Mode):
    """``set_grad_enabled(False)``: a context manager, a decorator, or a plain call that sets the mode."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled() expects a bool, got {type(mode).__name__}")
        self._target = mode
        self._prev = (state.enabled, state.inference)
        state.enabled = mode     # a plain call takes effect at once, as in PyTorch

    def __enter__(self):
        return None              # already applied by __init__

    def __call__(self, fn):
        state.enabled, state.inference = self._prev   # decorating must not change the current mode
        return super().__call__(fn)

    def clone(self):
        return _Fixed(self._target)


class _Fixed(_Mode):
    def __init__(self, target):
        self._target = target


class inference_mode(_Mode):
    """Like ``no_grad`` (ember has no separate inference tensors); ``inference_mode(False)`` is a no-op."""

    def __init__(self, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            raise TypeError("use @ember.inference_mode() with parentheses")
        self.mode = mode
        self._target = not mode if mode else None
        self._inference = True if mode else None

    def __enter__(self):
        self._prev = (state.enabled, state.inference)
        if self.mode:
            state.enabled = False
            state.inference = True
        return None

    def clone(self):
        return inference_mode(self.mode)
