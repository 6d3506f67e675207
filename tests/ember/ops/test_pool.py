"""Max, average and adaptive pooling against torch.nn.functional."""
import numpy as np
import torch

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, nn_functional as F, op_tests

LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}

SPECS = [
    Op("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2), [(2, 3, 6, 6), (1, 2, 7, 5)]),
    Op("max_pool2d_overlap", lambda m, x: F(m).max_pool2d(x, 3, stride=1, padding=1), [(2, 2, 5, 5)]),
    Op("max_pool2d_dil_ceil", lambda m, x: F(m).max_pool2d(x, 2, stride=2, dilation=2, ceil_mode=True),
       [(1, 2, 7, 8)]),
    Op("max_pool2d_ceil", lambda m, x: F(m).max_pool2d(x, (2, 3), stride=2, ceil_mode=True), [(1, 1, 5, 7)]),
    Op("max_pool2d_indices", lambda m, x: F(m).max_pool2d(x, 2, stride=1, return_indices=True), [(1, 2, 4, 4)]),
    Op("max_pool2d_unbatched", lambda m, x: F(m).max_pool2d(x, 2), [(3, 4, 4)]),
    # ReLU leaves ties at zero: the gradient must go to the first maximum of each window, as in PyTorch
    Op("max_pool2d_ties", lambda m, x: F(m).max_pool2d(m.relu(x - 1), 2), [(2, 3, 6, 6)], gradcheck=False),
    Op("max_pool2d_ties_overlap", lambda m, x: F(m).max_pool2d(m.round(x), 3, stride=2), [(1, 2, 7, 7)],
       gradcheck=False),
    Op("max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, stride=2), [(2, 3, 9)]),
    Op("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2), [(2, 3, 6, 6), (1, 1, 5, 7)]),
    Op("avg_pool2d_pad", lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1), [(1, 2, 6, 5)]),
    Op("avg_pool2d_nopadcount", lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
       [(1, 2, 6, 5)]),
    Op("avg_pool2d_ceil", lambda m, x: F(m).avg_pool2d(x, 2, ceil_mode=True), [(1, 2, 5, 5)]),
    Op("avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 2), [(2, 3, 8)]),
    Op("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, (3, 2)), [(2, 3, 7, 5), (3, 6, 6)]),
    Op("adaptive_avg_pool2d_1", lambda m, x: F(m).adaptive_avg_pool2d(x, 1), [(2, 3, 4, 5)]),
    Op("adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 4), [(2, 3, 10)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_max_pool_propagates_nan_and_routes_its_gradient():
    v = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    v[0, 0, 1, 0] = np.nan
    results = []
    for lib, F_ in ((ember, nn_ops), (torch, torch.nn.functional)):
        x = lib.tensor(v, requires_grad=True)
        y = F_.max_pool2d(x, 2)
        y.sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
