"""``LBFGS`` step by step against PyTorch's, with and without the strong-Wolfe line search."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.optim.parity import TOL, loss_fn, make_params


def _rosenbrock(m, p):
    x, y = p[0][0], p[0][1]
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


# float32 runs only a few iterations per step: twenty of them amplify rounding differences past any tolerance
CASES = [(dict(), "float64"), (dict(line_search_fn="strong_wolfe"), "float64"),
         (dict(lr=0.5, history_size=3, max_iter=5), "float64"), (dict(lr=0.5, history_size=3, max_iter=5), "float32"),
         (dict(line_search_fn="strong_wolfe", history_size=2, max_iter=7), "float64"),
         (dict(line_search_fn="strong_wolfe", history_size=2, max_iter=7), "float32")]


@pytest.mark.parametrize("kw,dtype", CASES)
def test_matches_pytorch(kw, dtype):
    ep, tp = make_params(ember, dtype), make_params(torch, dtype)
    eo, to = ember.optim.LBFGS(ep, **kw), torch.optim.LBFGS(tp, **kw)
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(dtype)
    ex, tx = ember.tensor(x), torch.tensor(x)

    def closure(m, o, p, xx):
        def run():
            o.zero_grad()
            loss = loss_fn(m, p, xx)
            loss.backward()
            return loss
        return run
    for step in range(3):
        el = eo.step(closure(ember, eo, ep, ex))
        tl = to.step(closure(torch, to, tp, tx))
        assert el.item() == pytest.approx(tl.item(), rel=1e-4 if dtype == "float32" else 1e-10)
        for e, t in zip(ep, tp):
            np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), err_msg=f"step {step}",
                                       **(TOL[dtype] if dtype == "float64" else dict(rtol=1e-3, atol=1e-4)))
    es, ts = eo.state[ep[0]], to.state[tp[0]]
    assert es["func_evals"] == ts["func_evals"] and es["n_iter"] == ts["n_iter"]


def test_minimises_rosenbrock_and_refuses_misuse():
    p = [ember.nn.Parameter(ember.tensor([-1.5, 2.0], dtype=ember.float64))]
    opt = ember.optim.LBFGS(p, lr=1, max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = _rosenbrock(ember, p)
        loss.backward()
        return loss
    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(p[0].detach().numpy(), [1.0, 1.0], atol=1e-5)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'closure'"):
        opt.step()
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        ember.optim.LBFGS([{"params": [p[0]]}, {"params": [ember.nn.Parameter(ember.ones(1))]}])
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        ember.optim.LBFGS(p, line_search_fn="armijo").step(closure)
