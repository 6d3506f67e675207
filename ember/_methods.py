"""Attach ops to ``Tensor``: every operator and method is bound here, in one place.

Operators point straight at the op functions (no wrapper layer), so ``a * b`` costs one Python call
before NumPy. Reflected operators swap the operands.
"""
from .ops import combine, compare, conversion, elementwise as ew, indexing, inplace, linalg, reduction as red, shape, \
    softmax, sorting, unary
from .ops import counting, geometry, quantile, solve, structure
from .ops import decomp, matfun
from .ops import index_extra, reduction_extra, scan, splits
from .ops import arith_extra, special, tensor_extra
from ._tensor import Tensor


def _reflected(fn):
    def r(self, other):
        return fn(other, self)
    r.__name__ = "r" + fn.__name__
    return r


def _comparison(fn):
    # ``t == None`` and friends must not raise: fall back to Python's identity comparison
    def cmp(self, other):
        try:
            return fn(self, other)
        except TypeError:
            return NotImplemented
    cmp.__name__ = fn.__name__
    return cmp


def _where(self, condition, other):
    """``self`` where ``condition`` is True, else ``other``: ``x.where(x > 0, 0.0)``."""
    return ew.where(condition, self, other)


def _matmul_reflected(self, other):
    from .creation import as_tensor
    return linalg.matmul(as_tensor(other), self)


OPERATORS = {
    "__add__": ew.add, "__radd__": ew.add, "__iadd__": inplace.add_,
    "__sub__": ew.sub, "__rsub__": ew.rsub, "__isub__": inplace.sub_,
    "__mul__": ew.mul, "__rmul__": ew.mul, "__imul__": inplace.mul_,
    "__truediv__": ew.div, "__rtruediv__": ew.rdiv, "__itruediv__": inplace.div_,
    "__floordiv__": ew.floor_divide, "__rfloordiv__": _reflected(ew.floor_divide),
    "__mod__": ew.remainder, "__rmod__": _reflected(ew.remainder),
    "__pow__": ew.pow, "__rpow__": ew.rpow, "__ipow__": inplace.pow_,
    "__matmul__": linalg.matmul, "__rmatmul__": _matmul_reflected,
    "__neg__": unary.neg, "__pos__": unary.positive, "__abs__": unary.abs, "__invert__": compare.bitwise_not,
    "__and__": compare.bitwise_and, "__rand__": compare.bitwise_and, "__or__": compare.bitwise_or,
    "__ror__": compare.bitwise_or, "__xor__": compare.bitwise_xor, "__rxor__": compare.bitwise_xor,
    "__eq__": _comparison(compare.eq), "__ne__": _comparison(compare.ne), "__lt__": _comparison(compare.lt),
    "__le__": _comparison(compare.le), "__gt__": _comparison(compare.gt), "__ge__": _comparison(compare.ge),
    "__getitem__": indexing.getitem, "__setitem__": indexing.setitem,
}

_ALIASES = {
    "greater": compare.gt, "greater_equal": compare.ge, "less": compare.lt, "less_equal": compare.le,
    "not_equal": compare.ne,
    "multiply": ew.mul, "subtract": ew.sub, "divide": ew.div, "absolute": unary.abs, "arctan": unary.atan,
    "arcsin": unary.asin, "arccos": unary.acos, "clamp_min": lambda self, min: ew.clamp(self, min=min),
    "clamp_max": lambda self, max: ew.clamp(self, max=max), "where": _where, "concat": combine.cat,
}
_ALIASES["clamp_min"].__doc__ = "``self`` clamped below at ``min``: ``self.clamp(min=min)``."
_ALIASES["clamp_max"].__doc__ = "``self`` clamped above at ``max``: ``self.clamp(max=max)``."

_PROPERTIES = {"T": shape.T, "mT": shape.mT}

# functions that torch.Tensor has no method for
_SKIP = {"where", "cat", "concat", "concatenate", "stack", "hstack", "vstack", "broadcast_tensors", "einsum",
         "scatter_rows", "atleast_1d", "atleast_2d", "T", "mT", "rsub", "rdiv", "rpow", "bool", "int", "float",
         "type", "meshgrid", "cdist", "searchsorted", "bucketize", "tensordot", "dstack", "column_stack",
         "atleast_3d", "block_diag", "cartesian_prod", "combinations", "vander", "trapezoid", "trapz",
         "cumulative_trapezoid", "gradient", "unravel_index", "broadcast_shapes"}

# the op families whose functions are ember.* functions and, but for _SKIP, Tensor methods (first one wins)
_OP_MODULES = (ew, compare, unary, red, softmax, shape, combine, indexing, sorting, linalg, conversion, inplace,
               structure, geometry, counting, quantile, solve, decomp, matfun, index_extra, reduction_extra, scan,
               splits, special, arith_extra, tensor_extra)


def _method_table(module):
    """A module's Tensor methods: its own ``TENSOR_METHODS`` table where the method's signature differs from
    the function's (``x.polygamma(n)`` takes ``n`` first), else its public functions."""
    table = getattr(module, "TENSOR_METHODS", None)
    if table is not None:
        return table
    return {name: getattr(module, name) for name in module.__all__ if name not in _SKIP}


def install():
    for name, fn in OPERATORS.items():
        setattr(Tensor, name, fn)
    for module in _OP_MODULES:
        for name, fn in _method_table(module).items():
            if not hasattr(Tensor, name):
                setattr(Tensor, name, fn)
        for name, fn in getattr(module, "PROPERTIES", {}).items():
            if not hasattr(Tensor, name):
                setattr(Tensor, name, property(fn))
    for name in ("bool", "int", "float", "type"):
        setattr(Tensor, name, getattr(conversion, name))
    for name, fn in _ALIASES.items():
        setattr(Tensor, name, fn)
    for name, fn in _PROPERTIES.items():
        setattr(Tensor, name, property(fn))
    from .creation import new_methods
    for name, fn in new_methods().items():
        setattr(Tensor, name, fn)


def op_bindings():
    """Every place a public op is reachable: ``(owner, name)`` pairs over ``Tensor``, ``ember`` and
    ``ember.ops.nn_ops``. A profiler can wrap ``getattr(owner, name)`` and restore it afterwards."""
    import ember
    from .ops import nn_ops
    functions = {id(getattr(m, n)) for m in _OP_MODULES for n in m.__all__} | {id(getattr(nn_ops, n)) for n in
                                                                                 nn_ops.__all__}
    out = []
    for owner in (Tensor, ember, nn_ops):
        for name, value in list(vars(owner).items()):
            if callable(value) and (id(value) in functions or (owner is Tensor and name in OPERATORS)):
                out.append((owner, name))
    return out
