"""Comparisons and logic against PyTorch (see tests/ember/harness.py): bool results, no gradients."""
from tests.ember.harness import BINARY_SHAPES, Op, op_tests

SPECS = [
    Op("eq", lambda m, x, y: m.round(x) == m.round(y), BINARY_SHAPES[:4], grad=False),
    Op("ne", lambda m, x, y: m.round(x) != m.round(y), BINARY_SHAPES[:4], grad=False),
    Op("lt", lambda m, x, y: x < y, BINARY_SHAPES, grad=False),
    Op("le", lambda m, x, y: x <= y, BINARY_SHAPES, grad=False),
    Op("gt", lambda m, x, y: x > y, BINARY_SHAPES, grad=False),
    Op("ge", lambda m, x, y: x >= y, BINARY_SHAPES, grad=False),
    Op("gt_scalar", lambda m, x: x > 0.5, [(3, 4)], grad=False),
    Op("logical", lambda m, x, y: m.logical_and(x > 0, y > 0) | m.logical_xor(x > 1, y < 0), BINARY_SHAPES[:3],
       grad=False),
    Op("isfinite", lambda m, x: m.isfinite(x / (x > 0)), [(3, 4)], grad=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)
