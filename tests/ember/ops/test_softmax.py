"""softmax, log_softmax and logsumexp against PyTorch, including inputs that overflow a naive formula."""
from tests.ember.harness import Op, op_tests

SPECS = [
    Op("logsumexp", lambda m, x: m.logsumexp(x, 1), [(3, 4), (2, 3, 4)]),
    Op("logsumexp_large", lambda m, x: m.logsumexp(x * 200, dim=(0, 1)), [(3, 4)]),
    Op("softmax", lambda m, x: m.softmax(x, dim=1), [(3, 4), (2, 3, 4)]),
    Op("softmax_neg", lambda m, x: x.softmax(-1), [(3, 4), (5,)]),
    Op("softmax_large", lambda m, x: m.softmax(x * 100, 0), [(3, 4)]),
    Op("log_softmax", lambda m, x: m.log_softmax(x, dim=1), [(3, 4), (2, 3, 4)]),
    Op("log_softmax_large", lambda m, x: m.log_softmax(x * 1000, -1), [(3, 4)], gradcheck=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)
