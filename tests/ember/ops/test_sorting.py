"""sort, argsort and topk against PyTorch (see tests/ember/harness.py)."""
from tests.ember.harness import Op, op_tests

SPECS = [
    Op("sort", lambda m, x: x.sort(1), [(3, 4), (2, 3, 5)]),
    Op("sort_desc", lambda m, x: m.sort(x, dim=0, descending=True), [(3, 4)]),
    Op("argsort", lambda m, x: x.argsort(-1), [(3, 4)], grad=False),
    Op("topk", lambda m, x: x.topk(2), [(3, 4)]),
    Op("topk_smallest", lambda m, x: m.topk(x, 3, dim=0, largest=False), [(5, 4)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)
