"""``nn.DataParallel`` as the DCGAN tutorial uses it: a wrapper whose state dict has PyTorch's ``module.`` keys."""
import torch

import ember
import ember.nn.parallel  # noqa: F401  (the tutorial's ``import torch.nn.parallel``)
from ember import nn


def test_data_parallel_wraps_and_runs_the_module():
    net = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    dp = nn.DataParallel(net, list(range(ember.cuda.device_count())))
    tdp = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU()))
    assert list(dp.state_dict()) == list(tdp.state_dict()) == ["module.0.weight", "module.0.bias"]
    assert repr(dp) == repr(tdp)
    x = ember.randn(4, 3)
    assert dp(x).tolist() == net(x).tolist()
    assert dp.module is net and list(dp.parameters()) == list(net.parameters())
    if not ember.cuda.is_available():
        assert dp.device_ids == tdp.device_ids == []
    assert ember.nn.parallel.data_parallel(net, x).tolist() == net(x).tolist()
