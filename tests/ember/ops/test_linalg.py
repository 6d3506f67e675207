"""Matrix products against PyTorch (see tests/ember/harness.py)."""
from tests.ember.harness import Op, op_tests

LOOSE = {"float32": dict(rtol=1e-4, atol=1e-4)}
SPECS = [
    Op("matmul_2d", lambda m, a, b: a @ b, [((3, 4), (4, 5)), ((0, 4), (4, 2)), ((3, 0), (0, 2))], tol=LOOSE),
    Op("matmul_1d_1d", lambda m, a, b: m.matmul(a, b), [((4,), (4,))], tol=LOOSE),
    Op("matmul_2d_1d", lambda m, a, b: a @ b, [((3, 4), (4,))], tol=LOOSE),
    Op("matmul_1d_2d", lambda m, a, b: a @ b, [((4,), (4, 5))], tol=LOOSE),
    Op("matmul_batched", lambda m, a, b: a @ b, [((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((4,), (2, 4, 5)),
                                                  ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (4,))], tol=LOOSE),
    Op("matmul_transposed", lambda m, a, b: a.t() @ b.t(), [((4, 3), (5, 4))], tol=LOOSE),
    Op("matmul_expanded", lambda m, a, b: a.expand(3, 4, 4) @ b, [((4, 4), (3, 4, 2))], tol=LOOSE),
    Op("matmul_sum", lambda m, a, b: (a @ b).sum(), [((6, 5), (5, 7))], tol=LOOSE),
    Op("mm", lambda m, a, b: m.mm(a, b), [((3, 4), (4, 5))], tol=LOOSE),
    Op("bmm", lambda m, a, b: m.bmm(a, b), [((2, 3, 4), (2, 4, 5))], tol=LOOSE),
    Op("dot", lambda m, a, b: m.dot(a, b), [((5,), (5,))], tol=LOOSE),
    Op("mv", lambda m, a, b: m.mv(a, b), [((3, 4), (4,))], tol=LOOSE),
    Op("outer", lambda m, a, b: m.outer(a, b), [((3,), (4,))]),
    Op("addmm", lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2), [((5,), (3, 4), (4, 5))], tol=LOOSE),
    Op("baddbmm", lambda m, c, a, b: m.baddbmm(c, a, b, beta=0.5, alpha=2), [((2, 3, 5), (2, 3, 4), (2, 4, 5)),
                                                                           ((5,), (2, 3, 4), (2, 4, 5))], tol=LOOSE),
    Op("baddbmm_method", lambda m, c, a, b: c.baddbmm(a, b), [((1, 3, 1), (2, 3, 4), (2, 4, 2))], tol=LOOSE),
    Op("baddbmm_beta0", lambda m, c, a, b: m.baddbmm(c, a, b, beta=0), [((2, 3, 2), (2, 3, 4), (2, 4, 2))],
       const_inputs=(0,), tol=LOOSE),
    Op("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [((3, 4), (4, 5))], tol=LOOSE),
    Op("einsum_batch", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), [((2, 3, 4), (2, 4, 5))], tol=LOOSE),
    Op("einsum_sum_only", lambda m, a, b: m.einsum("ij,k->i", a, b), [((3, 4), (5,))], tol=LOOSE),
    Op("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), [((3, 4), (4, 5))], tol=LOOSE),
    Op("einsum_outer3", lambda m, a, b, c: m.einsum("i,j,k->ijk", a, b, c), [((2,), (3,), (4,))], tol=LOOSE),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)
