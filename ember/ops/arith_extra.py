"""More binary and ternary arithmetic: xlogy, hypot, logaddexp(2), copysign, heaviside, float_power, fmax/fmin,
nextafter, ldexp, frexp, gcd/lcm, isin and friends, the ``add*`` fused forms, and PyTorch's aliases.

Operands follow ``elementwise``'s rules (Tensors or Python scalars, broadcasting, PyTorch promotion); ops defined
on floats turn integer operands into the default float dtype, as PyTorch does.
"""
import functools

import numpy as np

from ..return_types import structseq
from .. import dtypes as _dt
from . import compare as _cmp
from . import unary as _un
from ..autograd.node import Node
from ._util import Tensor, is_array, make, record, xp_of
from .elementwise import _Binary, _binary, _kind, _prep, add, atan2, div, mul, pow, sub
from .inplace import apply_inplace
from .linalg import bmm, matmul, mv, outer
from .reduction import sum as _sum
from .shape import clone, flatten
from .sorting import sort

__all__ = ["xlogy", "hypot", "logaddexp", "logaddexp2", "copysign", "heaviside", "float_power", "fmax", "fmin",
           "nextafter", "ldexp", "frexp", "gcd", "lcm", "isin", "isneginf", "isposinf", "isreal", "addcmul", "addcdiv",
           "addmv", "addr", "addbmm", "absolute", "arccos", "arcsin", "arctan", "arctan2", "divide", "multiply",
           "subtract", "not_equal", "ravel", "msort", "chain_matmul"]

absolute, arccos, arcsin, arctan, arctan2 = _un.abs, _un.acos, _un.asin, _un.atan, atan2
divide, multiply, subtract, not_equal = div, mul, sub, _cmp.ne


def _floats(a, b, name):
    """Promoted operands as arrays of one floating dtype (scalars become 0-d arrays), and the device."""
    x, y, dev = _prep(a, b, name)
    arr = x if is_array(x) else y
    dt = arr.dtype if arr.dtype.kind == "f" else _dt.get_default_dtype().np
    xp = dev.xp
    return xp.asarray(x, dtype=dt), xp.asarray(y, dtype=dt), dev


def _node(name, ga, gb, saves_out=False):
    """A binary node class whose gradients are ``ga(xp, g, x, y, out)`` and ``gb(...)`` (None: zero)."""
    def backward(self, g):
        na, nb = self._next
        xp = xp_of(g)
        gx = ga(xp, g, self.x, self.y, self.out).astype(g.dtype, copy=False) if na is not None else None
        if nb is not None:
            gy = gb(xp, g, self.x, self.y, self.out).astype(g.dtype, copy=False) if gb else xp.zeros_like(g)
        else:
            gy = None
        return self._out(gx, gy)
    return type(name, (_Binary,), {"__slots__": ("out",), "_saved": ("x", "y", "out"), "_fresh": True,
                                   "backward": backward})


def _float_op(name, node, fwd, ints=True):
    def op(input, other):
        if not ints:
            _no_ints(name, input, other)
        x, y, dev = _floats(input, other, name)
        with np.errstate(all="ignore"):
            r = fwd(dev.xp, x, y)
        out = _binary(node, input, other, x, y, r, dev)
        if out.grad_fn is not None:
            out.grad_fn.out = out._array
        return out
    op.__name__ = op.__qualname__ = name
    return op


def _no_ints(name, input, other):
    x, y, _ = _prep(input, other, name)
    if _kind(x) != "f" and _kind(y) != "f":
        t = input if isinstance(input, Tensor) else other
        raise RuntimeError(f'"{name}_cpu" not implemented for \'{t.dtype._short}\': expected floating-point input')


def _xlogy_fwd(xp, x, y):
    r = xp.where(x == 0, 0.0, x * xp.log(y))
    return xp.where(xp.isnan(y), np.nan, r).astype(x.dtype, copy=False)


def _xlogy_gx(xp, g, x, y, o):
    # PyTorch: grad * xlogy(x != 0, y): 0 where x == 0 unless y is NaN
    return g * _xlogy_fwd(xp, (x != 0).astype(x.dtype), y)


xlogy = _float_op("xlogy", _node("XlogyBackward0", _xlogy_gx, lambda xp, g, x, y, o: g * x / y), _xlogy_fwd)
xlogy.__doc__ = "``x * log(y)``, 0 where ``x == 0`` (NaN where ``y`` is NaN); either side may be a scalar."
hypot = _float_op("hypot", _node("HypotBackward0", lambda xp, g, x, y, o: g * x / o, lambda xp, g, x, y, o: g * y / o),
                  lambda xp, x, y: xp.hypot(x, y), ints=False)
hypot.__doc__ = "``sqrt(x**2 + y**2)`` without overflow."
logaddexp = _float_op("logaddexp", _node("LogaddexpBackward0", lambda xp, g, x, y, o: g / (1 + xp.exp(y - x)),
                                         lambda xp, g, x, y, o: g / (1 + xp.exp(x - y))),
                      lambda xp, x, y: xp.logaddexp(x, y), ints=False)
logaddexp.__doc__ = "``log(exp(x) + exp(y))`` without overflow."
logaddexp2 = _float_op("logaddexp2", _node("Logaddexp2Backward0", lambda xp, g, x, y, o: g / (1 + xp.exp2(y - x)),
                                           lambda xp, g, x, y, o: g / (1 + xp.exp2(x - y))),
                       lambda xp, x, y: xp.logaddexp2(x, y), ints=False)
logaddexp2.__doc__ = "``log2(2**x + 2**y)`` without overflow."
copysign = _float_op("copysign", _node("CopysignBackward0",
                                       lambda xp, g, x, y, o: g * xp.where(x == 0, 0.0, o / xp.where(x == 0, 1, x)),
                                       None), lambda xp, x, y: xp.copysign(x, y))
copysign.__doc__ = "``|x|`` with the sign of ``y`` (the gradient of ``y`` is zero)."
fmax = _float_op("fmax", _node("FmaxBackward0", lambda xp, g, x, y, o: g * ((x >= y) | xp.isnan(y)),
                               lambda xp, g, x, y, o: g * ~((x >= y) | xp.isnan(y))),
                 lambda xp, x, y: xp.fmax(x, y))
fmax.__doc__ = "Elementwise maximum ignoring NaN (NaN only where both are NaN); ties send the gradient to ``input``."
fmin = _float_op("fmin", _node("FminBackward0", lambda xp, g, x, y, o: g * ((x <= y) | xp.isnan(y)),
                               lambda xp, g, x, y, o: g * ~((x <= y) | xp.isnan(y))),
                 lambda xp, x, y: xp.fmin(x, y))
fmin.__doc__ = "Elementwise minimum ignoring NaN (NaN only where both are NaN); ties send the gradient to ``input``."


def _both_tensors(name, input, other):
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"{name}(): expected Tensors for input and other, got {type(input).__name__} and "
                        f"{type(other).__name__}")


def _fmax_fmin_ints(fn, int_fn):
    # fmax/fmin keep integer dtypes (no NaN to ignore): plain maximum/minimum there
    @functools.wraps(fn)
    def op(input, other):
        _both_tensors(fn.__name__, input, other)
        x, y, dev = _prep(input, other, fn.__name__)
        if x.dtype.kind != "f":
            return make(getattr(dev.xp, int_fn)(x, y), dev)
        return fn(input, other)
    return op


fmax, fmin = _fmax_fmin_ints(fmax, "maximum"), _fmax_fmin_ints(fmin, "minimum")


def heaviside(input, values):
    """0 where ``input < 0``, 1 where ``> 0``, ``values`` where ``== 0``; not differentiable, like PyTorch."""
    _both_tensors("heaviside", input, values)
    if input._array.dtype != values._array.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    x, v, dev = _prep(input, values, "heaviside")
    xp = dev.xp
    return make(xp.where(x == 0, v, x > 0).astype(x.dtype, copy=False), dev)


def nextafter(input, other):
    """The next floating-point value after ``input`` towards ``other`` (not differentiable)."""
    _both_tensors("nextafter", input, other)
    x, y, dev = _prep(input, other, "nextafter")
    if x.dtype.kind != "f":
        raise RuntimeError(f'"nextafter_cpu" not implemented for \'{input.dtype._short}\': expected floating-point '
                           f'tensors')
    return make(dev.xp.nextafter(x, y), dev)


def _int_only(name, fn):
    def op(input, other):
        _both_tensors(name, input, other)
        x, y, dev = _prep(input, other, name)
        if x.dtype.kind not in "iu":
            raise RuntimeError(f'"{name}_cpu" not implemented for \'{_dt._BY_NP[x.dtype]._short}\': {name} needs '
                               f'integer tensors')
        return make(getattr(dev.xp, fn)(x, y), dev)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` of integer tensors (non-negative result)."
    return op


gcd, lcm = _int_only("gcd", "gcd"), _int_only("lcm", "lcm")


def _to_double(v):
    if isinstance(v, Tensor):
        return v if v._array.dtype == np.float64 else v.to(_dt.float64)
    if isinstance(v, (bool, int, float)):
        return float(v)
    raise TypeError(f"float_power(): expected a Tensor or a number, got {type(v).__name__}")


def float_power(input, exponent):
    """``input ** exponent`` in double precision (float64 result whatever the inputs)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): expected at least one Tensor argument")
    return pow(_to_double(input), _to_double(exponent))


def ldexp(input, other):
    """``input * 2 ** other`` (a float result), composed exactly as PyTorch does."""
    _both_tensors("ldexp", input, other)
    return mul(input, pow(2.0, other))


return_frexp = structseq("frexp", ["mantissa", "exponent"])


class FrexpBackward0(Node):
    __slots__ = ("e",)
    _saved = ("e",)
    _fresh = True

    def backward(self, g):
        return (g / xp_of(g).exp2(self.e),)


def frexp(input):
    """Mantissa in [0.5, 1) (with the sign) and int32 exponent with ``input = mantissa * 2 ** exponent``."""
    if input._array.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = input._device.xp.frexp(input._array)
    mant = make(m, input._device)
    record(mant, FrexpBackward0, (input,), (), e=e.astype(m.dtype))
    return return_frexp(mant, make(e.astype(np.int32, copy=False), input._device))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of ``elements`` is in ``test_elements`` (either may be a scalar); a bool tensor."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): expected at least one Tensor argument (elements or test_elements)")
    like = elements if isinstance(elements, Tensor) else test_elements
    xp, dev = like._device.xp, like._device
    x = elements._array if isinstance(elements, Tensor) else xp.asarray(elements)
    t = test_elements._array if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    if isinstance(elements, Tensor) and isinstance(test_elements, Tensor) and elements._device is not dev:
        from ..backend import check_same_device
        check_same_device("isin", elements._device, test_elements._device)
    return make(xp.asarray(xp.isin(x, t.reshape(-1), invert=invert)), dev)


def isneginf(input):
    """Boolean tensor: True where ``input`` is ``-inf``."""
    return make(input._device.xp.isneginf(input._array) if input._array.dtype.kind == "f" else
                input._device.xp.zeros(input._array.shape, bool), input._device)


def isposinf(input):
    """Boolean tensor: True where ``input`` is ``+inf``."""
    return make(input._device.xp.isposinf(input._array) if input._array.dtype.kind == "f" else
                input._device.xp.zeros(input._array.shape, bool), input._device)


def isreal(input):
    """True everywhere: ember has no complex tensors."""
    return make(input._device.xp.ones(input._array.shape, bool), input._device)


def _scaled(t, k):
    return t if k == 1 else mul(t, k)


def _beta_plus(input, beta, prod, alpha):
    # beta * input + alpha * prod; with beta == 0 the input is ignored (NaN and inf in it do not propagate)
    out = _scaled(prod, alpha)
    if beta == 0:
        return out
    return add(_scaled(input, beta), out)


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2`` (broadcast)."""
    return add(input, mul(tensor1, tensor2), alpha=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2`` (broadcast); integer ``tensor1``/``tensor2`` are refused."""
    if tensor1._array.dtype.kind in "biu" and tensor2._array.dtype.kind in "biu":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. Use true_divide or floor_divide "
                           "and add instead.")
    return add(input, div(tensor1, tensor2), alpha=value)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)``."""
    return _beta_plus(input, beta, mv(mat, vec), alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """``beta * input + alpha * outer(vec1, vec2)``."""
    if vec1.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1 and vec2, but got {vec1.dim()}-D and {vec2.dim()}-D")
    return _beta_plus(input, beta, outer(vec1, vec2), alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``."""
    if batch1.dim() != 3 or batch2.dim() != 3:
        raise RuntimeError(f"batch1 and batch2 must be 3D tensors, got {batch1.dim()}-D and {batch2.dim()}-D")
    return _beta_plus(input, beta, _sum(bmm(batch1, batch2), 0), alpha)


def ravel(input):
    """A 1-D tensor of the elements (a view when possible)."""
    return flatten(input)


def msort(input):
    """Sorted along the first dimension (``sort(input, dim=0).values``)."""
    return sort(input, dim=0)[0]


def chain_matmul(*matrices):
    """The product of 2-D matrices, left to right (deprecated in PyTorch in favour of ``linalg.multi_dot``)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if not isinstance(m, Tensor) or m.dim() != 2:
            d = m.dim() if isinstance(m, Tensor) else type(m).__name__
            raise RuntimeError(f"Tensor dimension is {d}, expected 2 instead.")
    return functools.reduce(matmul, matrices) if len(matrices) > 1 else matrices[0].clone()


def _inplace(op, name):
    def fn(self, *args, **kwargs):
        return apply_inplace(self, op, *args, other=args[0] if args and isinstance(args[0], Tensor) else None,
                             **kwargs)
    if name in _COMPOSED:
        # composed ops save ``self`` in inner nodes, which the in-place write would corrupt: work on a copy
        def fn(self, *args, **kwargs):  # noqa: F811
            return apply_inplace(self, lambda t, *a, **k: op(clone(t), *a, **k), *args,
                                 other=args[0] if args and isinstance(args[0], Tensor) else None, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"In-place ``{op.__name__}``."
    return fn


_COMPOSED = {"ldexp_", "addmv_", "addr_", "addbmm_"}
_METHODS = ["xlogy", "hypot", "logaddexp", "logaddexp2", "copysign", "heaviside", "float_power", "fmax", "fmin",
            "nextafter", "ldexp", "frexp", "gcd", "lcm", "isneginf", "isposinf", "isreal", "addcmul", "addcdiv",
            "addmv", "addr", "addbmm", "arctan2", "ravel", "msort"]
_INPLACE = ["xlogy", "hypot", "copysign", "heaviside", "float_power", "nextafter", "ldexp", "gcd", "lcm", "addmv",
            "addr", "addbmm", "arctan2", "absolute", "arccos", "arcsin", "arctan", "divide", "multiply", "subtract",
            "not_equal"]
TENSOR_METHODS = {n: globals()[n] for n in _METHODS}
TENSOR_METHODS.update({n + "_": _inplace(globals()[n], n + "_") for n in _INPLACE})


def _float_power_(self, exponent):
    """In-place ``float_power``; ``self`` must be float64."""
    if self._array.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype._short} but the operation's result "
                           f"requires dtype Double")
    return apply_inplace(self, lambda t, e: float_power(clone(t), e), exponent,
                         other=exponent if isinstance(exponent, Tensor) else None)


TENSOR_METHODS["float_power_"] = _float_power_
