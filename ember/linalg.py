"""``ember.linalg``: the ``torch.linalg`` functions ember has."""
from .ops import geometry as _geometry
from .ops import shape as _shape
from .ops.decomp import cholesky_ex, eigh, eigvalsh, svdvals
from .ops.decomp import linalg_cholesky as cholesky, linalg_qr as qr, linalg_svd as svd
from .ops.lu import lu_factor, lu_factor_ex, lu_solve
from .ops.matfun import lstsq, matrix_exp, matrix_power, matrix_rank, multi_dot, pinv, solve_triangular, vecdot
from .ops.norms import cond, matrix_norm, norm, vector_norm
from .ops.solve import det, inv, linalg_slogdet as slogdet, solve

__all__ = ["inv", "det", "slogdet", "solve", "cross", "vector_norm", "matrix_norm", "norm", "svd", "svdvals", "qr",
           "eigh", "eigvalsh", "cholesky", "cholesky_ex", "solve_triangular", "lstsq", "pinv", "matrix_rank",
           "matrix_power", "matrix_exp", "multi_dot", "vecdot", "cond", "diagonal", "lu_factor",
           "lu_factor_ex", "lu_solve"]


def cross(input, other, *, dim=-1):
    """Cross product of 3-vectors along ``dim`` (default the last); inputs broadcast."""
    return _geometry.cross(input, other, dim=dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices in ``A`` (a view), over the last two dims by default."""
    return _shape.diagonal(A, offset, dim1, dim2)
