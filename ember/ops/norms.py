"""``linalg.vector_norm``, ``matrix_norm``, ``norm`` (linalg semantics) and ``cond``, built from differentiable ops
(the singular-value norms go through ``svdvals``)."""
from .decomp import matrix_input, svdvals
from ._util import Tensor, norm_dim

_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf"))


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ``ord``-norm (any float, inf, -inf, 0) of ``x`` over ``dim`` (all elements, flattened, by default)."""
    from .reduction import norm
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vector_norm(): argument 'x' must be Tensor, not {type(x).__name__}")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got '{ord}'")
    if x._array.size == 0 and ord < 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                           f"operation does not have an identity")
    return norm(x, p=float(ord), dim=dim, keepdim=keepdim, dtype=dtype)


def _matrix_dims(A, dim, op):
    nd = A._array.ndim
    if len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {', '.join(map(str, dim))}")
    d0, d1 = norm_dim(dim[0], nd), norm_dim(dim[1], nd)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Matrix norm over the two dims ``dim``: 'fro', 'nuc', 2/-2 (largest/smallest singular value), 1/-1
    (max/min column abs sum), inf/-inf (max/min row abs sum)."""
    from .conversion import to
    from .reduction import amax, amin, sum as sum_
    from .shape import movedim, reshape
    from .unary import abs as abs_
    op = "linalg.matrix_norm"
    matrix_input(A, op)
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    if dtype is not None:
        A = to(A, dtype)
    d0, d1 = _matrix_dims(A, tuple(dim), op)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    shape = list(A.shape)
    shape[d0] = shape[d1] = 1
    out_shape = shape if keepdim else [s for i, s in enumerate(shape) if i not in (d0, d1)]
    if ord in ("nuc", 2, -2):
        S = svdvals(movedim(A, (d0, d1), (-2, -1)))
        r = sum_(S, -1) if ord == "nuc" else (amax if ord == 2 else amin)(S, -1)
        return reshape(r, out_shape)
    pick = amax if ord > 0 else amin
    col = ord in (1, -1)        # 1: max over columns of the column sums; inf: max over rows of the row sums
    r = pick(sum_(abs_(A), d0 if col else d1, keepdim=True), d1 if col else d0, keepdim=True)
    return reshape(r, out_shape)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """``linalg.norm``: a vector norm for an int ``dim`` (or 1-D input), a matrix norm for a 2-tuple ``dim``
    (or 2-D input with ``ord``); with neither ``dim`` nor ``ord``, the 2-norm of the flattened input."""
    if isinstance(dim, int) or (dim is not None and len(dim) == 1):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is not None:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    nd = A._array.ndim
    if nd == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if nd == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D.")


def cond(A, p=None):
    """The condition number in the ``p`` norm: ratio of extreme singular values for None/2/-2, else
    ``matrix_norm(A, p) * matrix_norm(inv(A), p)``."""
    from .elementwise import div, mul
    from .solve import inv
    matrix_input(A, "linalg.cond")
    if p in (None, 2, -2):
        S = svdvals(A)
        big, small = S[..., 0], S[..., -1]
        return div(big, small) if p != -2 else div(small, big)
    if p not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    matrix_input(A, "linalg.cond", square=True)
    return mul(matrix_norm(A, p), matrix_norm(inv(A), p))
