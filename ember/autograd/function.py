"""``ember.autograd.Function``: user-defined differentiable ops, PyTorch style.

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            y, = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)

``forward`` runs on Tensors with grad recording off; ``backward`` gets one gradient Tensor per output
and returns one gradient (or None) per ``forward`` argument. The ``ctx`` is the graph node itself
(``y.grad_fn``), named ``ExpBackward``. Built-in ops use the same engine through lean ``Node``
subclasses (``ember/ops``) that work on raw arrays.
"""
from .grad_mode import state as _grad_state
from .node import FREED, Node

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]


class FunctionCtx:
    """What ``forward`` and ``backward`` see as ``ctx``."""

    def save_for_backward(self, *tensors):
        from .._tensor import Tensor
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument is of type "
                                f"{type(t).__name__}; store other values as ctx attributes")
        self._to_save = tensors

    def mark_dirty(self, *tensors):
        """Declare inputs that ``forward`` modified in place (they are returned as outputs)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that have no gradient (e.g. indices)."""
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        """If False, ``backward`` gets ``None`` (not zeros) for outputs that received no gradient."""
        self._materialize = bool(value)

    @property
    def saved_tensors(self):
        if self._versions is FREED:
            from .engine import _FREED_MSG
            raise RuntimeError(_FREED_MSG)
        saved = getattr(self, "_saved_tensors", None)
        if saved is None:
            return ()
        if self._versions:
            from .engine import _check_versions
            _check_versions(self, self._versions)
        return saved


class BackwardCFunction(Node, FunctionCtx):
    """The graph node of one ``Function.apply`` call; also its ``ctx``. Has a ``__dict__``."""
    _forward_cls = None

    def name(self):
        return type(self).__name__

    def _release(self):
        self._saved_tensors = None
        self._versions = FREED

    def backward(self, *grads):
        from .._tensor import Tensor, make
        cls = self._forward_cls
        materialize = getattr(self, "_materialize", True)
        args = []
        for g, meta in zip(grads, self._out_meta):
            if g is None:
                if meta is not None and materialize:
                    shape, dt, dev = meta
                    g = dev.xp.zeros(shape, dt)
            args.append(None if g is None else make(g, self._out_meta_dev))
        out = []
        for i, (r, meta) in enumerate(self._checked_result(cls.backward(self, *args))):
            if r is None:
                out.append(None)
                continue
            shape, dt = meta
            arr = r._array
            if arr.shape != shape:
                from ..ops._util import sum_to, broadcastable_to
                if not broadcastable_to(shape, arr.shape):
                    raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index {i} - got "
                                       f"{list(arr.shape)} but expected shape compatible with {list(shape)}")
                arr = sum_to(arr, shape)
            if arr.dtype != dt:
                arr = arr.astype(dt)
            out.append(arr)
        return tuple(out)


    def _checked_result(self, result):
        """``backward``'s result as ``(gradient or None, input meta)`` per input, after PyTorch's checks."""
        from .._tensor import Tensor
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._in_meta)
        if len(result) != n:
            if len(result) > n and all(r is None for r in result[n:]):
                result = result[:n]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                                   f"(expected {n}, got {len(result)})")
        out = []
        for i, (r, meta, e) in enumerate(zip(result, self._in_meta, self._next)):
            if r is not None and e is not None and not isinstance(r, Tensor):
                raise TypeError(f"function {self.name()} returned a gradient of type {type(r).__name__} at "
                                f"index {i}; return Tensors or None")
            out.append((None if e is None else r, meta))
        return out


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})


class Function(metaclass=_FunctionMeta):
    """Base class for custom differentiable operations; call them with ``MyFn.apply(...)``."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please "
                           "use new-style autograd function with static forward method and call it as "
                           "MyFunction.apply(...)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Override to take ``ctx`` out of ``forward``: then ``forward(*args)`` runs without it and
        ``setup_context(ctx, args, output)`` saves what backward needs (PyTorch 2's style)."""
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor, edge, make_view
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        ctx._thooks = None
        ctx._versions = None
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        record = _grad_state.enabled and any(a._requires_grad for a in tensor_args)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad and record for a in args)
        prev = _grad_state.enabled
        _grad_state.enabled = False
        try:
            if cls.setup_context is Function.setup_context:
                outputs = cls.forward(ctx, *args, **kwargs)
            else:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
        finally:
            _grad_state.enabled = prev
        if not record:
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        dirty = {id(t) for t in getattr(ctx, "_dirty", ())}
        non_diff = {id(t) for t in getattr(ctx, "_non_diff", ())}
        input_ids = {id(a) for a in tensor_args}
        ctx._next = tuple(edge(a) if isinstance(a, Tensor) else None for a in args)
        ctx._in_meta = tuple((a._array.shape, a._array.dtype) if isinstance(a, Tensor) else None for a in args)
        new_outs, meta = [], []
        dev = tensor_args[0]._device
        for nr, o in enumerate(outs):
            if not isinstance(o, Tensor):
                new_outs.append(o)
                meta.append(None)
                continue
            if id(o) in dirty:
                if o._requires_grad and o.grad_fn is None:
                    raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                                       "operation.")
            elif id(o) in input_ids or o.grad_fn is not None:
                o = make_view(o._array, o)       # an input returned as is: give the output its own identity
            meta.append((o._array.shape, o._array.dtype, o._device))
            if id(outs[nr]) not in non_diff and o._array.dtype.kind == "f":
                o.grad_fn = ctx
                o._output_nr = nr
                o._requires_grad = True
            new_outs.append(o)
        ctx._out_meta = tuple(meta)
        ctx._out_meta_dev = dev
        ctx._n_out = len(outs)
        saved = getattr(ctx, "_to_save", None)
        if saved is not None:
            ctx._saved_tensors = saved
            versions = []
            for t in saved:
                if t is not None:
                    versions += (t._vc, t._vc[0], t._array)
            ctx._versions = tuple(versions)
            del ctx._to_save
        return new_outs[0] if single else tuple(new_outs)


def once_differentiable(fn):
    """For a ``backward`` that cannot be differentiated (it leaves ember, say): it runs without recording, and
    where a recorded backward pass (``create_graph=True``) would need its derivative, differentiating its
    result raises, as in PyTorch, instead of silently treating it as a constant."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .._tensor import Tensor
        from .grad_mode import no_grad
        with no_grad():
            result = fn(ctx, *args)
        needing = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        if not (_grad_state.enabled and needing):
            return result
        single = not isinstance(result, tuple)
        wrapped = tuple(_DelayedError.apply(r, *needing) if isinstance(r, Tensor) else r
                        for r in ((result,) if single else result))
        return wrapped[0] if single else wrapped
    return wrapper


class _DelayedError(Function):
    """Stands for a gradient computed by a ``@once_differentiable`` backward: its own backward raises."""

    @staticmethod
    def forward(ctx, value, *inputs):
        return value.clone()

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
