"""``axis=``/``keepdims=`` (the d2l.ai book's NumPy spelling) mean ``dim=``/``keepdim=``, as in PyTorch."""
import pytest

import ember
from tests.ember.harness import Op, op_tests

SPECS = [
    Op("sum_axis", lambda m, x: [x.sum(axis=1), x.sum(axis=0, keepdims=True), m.sum(x, axis=(0, 1)),
                                 x.sum(0, keepdims=True)], [(3, 4)]),
    Op("mean_std_var_axis", lambda m, x: [x.mean(axis=0), x.std(axis=1, keepdims=True), x.var(axis=0),
                                          m.mean(x, axis=1, keepdims=True)], [(3, 4)]),
    Op("max_min_axis", lambda m, x: [x.max(axis=1).values, x.min(axis=0, keepdims=True)[0], x.amax(axis=1),
                                     x.argmax(axis=1), m.argmin(x, axis=0, keepdims=True)], [(3, 4)]),
    Op("prod_cumsum_axis", lambda m, x: [x.prod(axis=1), x.cumsum(axis=0), x.cumprod(axis=1),
                                         x.logsumexp(axis=1, keepdims=True)], [(3, 4)]),
    Op("softmax_axis", lambda m, x: [x.softmax(axis=1), m.log_softmax(x, axis=0)], [(3, 4)]),
    Op("cat_stack_axis", lambda m, x, y: [m.cat((x, y), axis=0), m.stack((x, y), axis=1)], [((3, 4), (3, 4))]),
    Op("shape_axis", lambda m, x: [x.unsqueeze(axis=0), x[:1].squeeze(axis=0), x.narrow(axis=1, start=1, length=2)],
       [(3, 4)]),
    Op("sort_topk_axis", lambda m, x: [x.sort(axis=0).values, x.topk(2, axis=0).values, x.median(axis=1).values],
       [(3, 4)]),
    Op("all_any_axis", lambda m, x: [(x > 0).all(axis=1), (x > 0).any(axis=0, keepdims=True)], [(3, 4)], grad=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_both_names_at_once_are_refused():
    with pytest.raises(TypeError, match="both 'dim' and its alias 'axis'"):
        ember.ones(2, 2).sum(dim=0, axis=0)
    assert ember.Tensor.sum.__name__ == "sum" and "dim" in ember.sum.__doc__
