"""Tensor methods PyTorch programs use that have no op family of their own: the in-place forms of the unary,
binary and comparison ops, sampling methods (``probs.multinomial(1)``), ``unfold`` (sliding windows), legacy
``new``, ``get_device``/``is_cpu`` queries, and the complex-number API on real tensors (``real``, ``conj``...,
which PyTorch defines as identities there).

Only the functions in ``__all__`` are also ``ember.*`` functions; ``TENSOR_METHODS`` lists the methods.
"""
import numpy as np

from .. import creation as _creation
from .._tensor import Tensor
from .inplace import apply_inplace
from ._util import make, norm_dim

__all__ = ["fix", "ger", "conj", "resolve_conj", "resolve_neg", "real", "imag", "adjoint", "is_complex",
           "is_nonzero", "is_conj", "is_neg"]


def _inplace(name):
    def fn(self, *args, **kwargs):
        return apply_inplace(self, getattr(Tensor, name), *args, **kwargs)
    fn.__name__ = name + "_"
    fn.__doc__ = f"In-place ``{name}``."
    return fn


_INPLACE = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "ceil", "round",
            "trunc", "fix", "frac", "sign", "reciprocal", "rsqrt", "square", "log1p", "log2", "log10", "expm1", "exp2",
            "erf", "erfinv", "logit", "nan_to_num", "clip", "fmod", "remainder", "atan2", "floor_divide",
            "true_divide", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
            "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
            "bitwise_not", "index_add", "negative", "cumsum", "cumprod", "tril", "triu", "hypot", "xlogy",
            "float_power", "lerp", "copysign", "digamma", "lgamma", "i0", "sinc", "deg2rad", "rad2deg", "sgn"]


def fix(input):
    """``trunc``: round towards zero."""
    return input.trunc()


def ger(input, vec2):
    """``outer`` (its old name)."""
    return input.outer(vec2)


def conj(input):
    """The complex conjugate; ember has no complex dtypes, so ``input`` itself."""
    return input


def resolve_conj(input):
    """``input`` with any lazy conjugation applied; ember has none, so ``input`` itself."""
    return input


def resolve_neg(input):
    """``input`` with any lazy negation applied; ember has none, so ``input`` itself."""
    return input


def real(input):
    """The real part; ember has no complex dtypes, so ``input`` itself."""
    return input


def imag(input):
    """The imaginary part: raises, as ember has no complex dtypes (as PyTorch does for real tensors)."""
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def adjoint(input):
    """The conjugate transpose of the last two dims (the transpose, for real tensors)."""
    return input.mT


def is_complex(input):
    """False: ember has no complex dtypes."""
    return False


def is_conj(input):
    """False: ember never conjugates lazily."""
    return False


def is_neg(input):
    """False: ember never negates lazily."""
    return False


def is_nonzero(input):
    """The truth value of a one-element tensor (raises for zero or several elements)."""
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def _H(self):
    if self.dim() != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor.")
    return self.mT


def multinomial(self, num_samples, replacement=False, *, generator=None):
    """``num_samples`` category indices per row of probabilities ``self`` (text generation's sampler)."""
    return _creation.multinomial(self, num_samples, replacement, generator=generator)


def bernoulli(self, p=None, *, generator=None):
    """0/1 draws with probabilities ``self`` (or ``p``), in ``self``'s dtype."""
    return _creation.bernoulli(self, p, generator=generator)


def unfold(self, dimension, size, step):
    """All windows of ``size`` elements, ``step`` apart, along ``dimension``, as a new last dimension."""
    d = norm_dim(dimension, self.dim())
    n = self.shape[d] if self.dim() else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if self.dim() == 0:
        return self.reshape(1)
    windows = (n - size) // step + 1
    idx = (np.arange(windows)[:, None] * step + np.arange(size)[None, :]).reshape(-1)
    picked = self.index_select(d, _creation.tensor(idx, device=self.device))
    return picked.unflatten(d, (windows, size)).movedim(d + 1, -1)


def sum_to_size(self, *size):
    """Sum ``self`` down to ``size`` (which it must broadcast from): the gradient of a broadcast."""
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    shape = tuple(self.shape)
    try:
        ok = np.broadcast_shapes(size, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    lead = len(shape) - len(size)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    out = self.sum(dims, keepdim=True) if dims else self
    return out.reshape(size)


def new(self, *args, **kwargs):
    """Legacy ``x.new(...)``: like ``Tensor(...)`` in ``self``'s dtype and on its device."""
    device = kwargs.pop("device", self.device)
    if kwargs:
        raise TypeError(f"new(): unexpected keyword arguments {sorted(kwargs)}")
    if not args:
        return _creation.empty(0, dtype=self.dtype, device=device)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return _creation.tensor(args[0], dtype=self.dtype, device=device)
    return _creation.empty(*args, dtype=self.dtype, device=device)


def apply_(self, callable):
    """Replace each element by ``callable(element)`` (CPU only, outside autograd, slow: a Python call each)."""
    if self.device.type != "cpu":
        raise TypeError("apply_ is only implemented on CPU tensors")
    if self.requires_grad:
        raise RuntimeError("apply_ is not supported for tensors that require grad")
    a = self._array
    a[...] = np.vectorize(callable, otypes=[a.dtype])(a) if a.size else a
    self._vc[0] += 1
    return self


def map_(self, tensor, callable):
    """``self[i] = callable(self[i], tensor[i])`` (``tensor`` broadcast; CPU only)."""
    if self.device.type != "cpu":
        raise TypeError("map_ is only implemented on CPU tensors")
    a = self._array
    b = np.broadcast_to(tensor._array, a.shape)
    a[...] = np.vectorize(callable, otypes=[a.dtype])(a, b) if a.size else a
    self._vc[0] += 1
    return self


def get_device(self):
    """-1 on the CPU, the GPU index on a GPU."""
    return -1 if self.device.type == "cpu" else self.device.index


def _same(self, *args, **kwargs):
    """``self``: pinned and shared memory are what ember's CPU arrays already are (accepted for PyTorch code)."""
    return self


TENSOR_METHODS = {f"{name}_": _inplace(name) for name in _INPLACE}
TENSOR_METHODS.update({
    "fix": fix, "ger": ger, "conj": conj, "resolve_conj": resolve_conj, "resolve_neg": resolve_neg,
    "adjoint": adjoint, "is_complex": is_complex, "is_conj": is_conj, "is_neg": is_neg, "is_nonzero": is_nonzero,
    "multinomial": multinomial, "bernoulli": bernoulli, "unfold": unfold, "sum_to_size": sum_to_size, "new": new,
    "apply_": apply_, "map_": map_, "get_device": get_device,
    "is_signed": lambda self: self.dtype.is_signed, "is_inference": lambda self: False,
    "is_pinned": lambda self, device=None: False, "is_shared": lambda self: False,
    # pinned and shared memory are what a CPU array already offers ember (one process, no async copies)
    "pin_memory": _same, "share_memory_": _same,
    "prelu": lambda self, weight: _nn().prelu(self, weight),
    "hardshrink": lambda self, lambd=0.5: _nn().hardshrink(self, lambd),
})
for _name, _doc in {"is_signed": "True if the dtype is signed (every dtype but ``uint8`` and ``bool``).",
                    "is_inference": "False: ember does not mark the tensors made under ``ember.inference_mode()``.",
                    "is_pinned": "False: ember has no pinned (page-locked) memory.",
                    "is_shared": "False: ember tensors live in one process.",
                    "prelu": "``x`` where positive, ``weight * x`` elsewhere (``nn.functional.prelu``).",
                    "hardshrink": "``x`` where ``|x| > lambd``, else 0 (``nn.functional.hardshrink``)."}.items():
    TENSOR_METHODS[_name].__doc__ = _doc

PROPERTIES = {"H": _H, "mH": lambda self: self.mT, "real": real, "imag": imag,
              "is_cpu": lambda self: self.device.type == "cpu"}


def _nn():
    from . import nn_ops
    return nn_ops
