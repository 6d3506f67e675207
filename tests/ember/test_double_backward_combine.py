"""Second derivatives (``create_graph=True``) through joining, indexing, scans and reductions, against PyTorch in
float64: the formulas of ``ember/ops/grad_formulas/combine.py`` in the settings where they are used together."""
import numpy as np
import pytest

import ember
from tests.ember.harness import DEVICES, on_device

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True, params=DEVICES)
def device(request):
    """Every test on the CPU and on the GPU (or the fake GPU): ember tensors land on the default device."""
    with on_device(request.param) as dev:
        yield dev


def _pair(a):
    return ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(e, t, rtol=1e-9, atol=1e-10):
    assert e is not None and t is not None
    np.testing.assert_allclose(np.asarray(e.detach().tolist()), t.detach().numpy(), rtol=rtol, atol=atol)


def _hvp(fn, arrays):
    """First gradients of ``fn`` and ``d/dx <w, d fn / dx>`` (a Hessian-vector product), ember against torch."""
    weights = [np.random.default_rng(7 + i).standard_normal(a.shape) for i, a in enumerate(arrays)]
    res = []
    for lib in (ember, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        firsts = lib.autograd.grad(fn(lib, *xs), xs, create_graph=True)
        total = sum((g * lib.tensor(w)).sum() for g, w in zip(firsts, weights))
        res.append((firsts, lib.autograd.grad(total, xs)))
    for e, t in zip(res[0][0] + res[0][1], res[1][0] + res[1][1]):
        _close(e, t)


def test_physics_informed_residual():
    """u(x, t) = MLP(cat([x, t], 1)); residual u_t - nu * u_xx; the loss's gradient w.r.t. the weights."""
    rng = np.random.default_rng(0)
    X, T = rng.uniform(-1, 1, (16, 1)), rng.uniform(0, 1, (16, 1))
    W1, b1 = rng.standard_normal((2, 8)), rng.standard_normal(8)
    W2, b2 = rng.standard_normal((8, 1)), rng.standard_normal(1)
    out = []
    for lib in (ember, torch):
        x, t = lib.tensor(X, requires_grad=True), lib.tensor(T, requires_grad=True)
        w1, c1, w2, c2 = (lib.tensor(a, requires_grad=True) for a in (W1, b1, W2, b2))
        xt = lib.cat([x, t], 1)
        u = lib.tanh(xt @ w1 + c1) @ w2 + c2
        u_x, u_t = lib.autograd.grad(u.sum(), [x, t], create_graph=True)
        u_xx, = lib.autograd.grad(u_x.sum(), [x], create_graph=True)
        residual = u_t - 0.01 * u_xx
        loss = (residual ** 2).mean()
        out.append((loss, lib.autograd.grad(loss, [w1, c1, w2])))      # c2 drops out of u_t, u_xx
    _close(out[0][0], out[1][0])
    for a, b in zip(out[0][1], out[1][1]):
        _close(a, b)


def test_physics_informed_split_inputs():
    """The same network reading its coordinates back with split/unbind (views of one input tensor)."""
    rng = np.random.default_rng(1)
    XT = rng.uniform(-1, 1, (10, 2))
    W = rng.standard_normal((2, 6))
    V = rng.standard_normal((6, 1))
    out = []
    for lib in (ember, torch):
        xt = lib.tensor(XT, requires_grad=True)
        w, v = lib.tensor(W, requires_grad=True), lib.tensor(V, requires_grad=True)
        x, t = lib.split(xt, 1, dim=1)
        cols = lib.unbind(xt, 1)
        inp = lib.stack([x[:, 0] * cols[1], t[:, 0]], 1)
        u = lib.sin(inp @ w) @ v
        g, = lib.autograd.grad(u.sum(), [xt], create_graph=True)
        lap = lib.autograd.grad(g[:, 0].sum(), [xt], create_graph=True)[0][:, 0]
        loss = (lap ** 2).sum() + (g ** 2).sum()
        out.append(lib.autograd.grad(loss, [w, v, xt]))
    for a, b in zip(*out):
        _close(a, b)


def test_attention_gather_and_index():
    """Scores picked with gather and advanced indexing (repeated indices accumulate), then a gradient penalty."""
    rng = np.random.default_rng(2)
    Q, K = rng.standard_normal((4, 5)), rng.standard_normal((6, 5))
    idx = rng.integers(0, 6, (4, 3))
    rows = np.array([0, 2, 2, 1, 0])
    out = []
    for lib in (ember, torch):
        q, k = lib.tensor(Q, requires_grad=True), lib.tensor(K, requires_grad=True)
        s = q @ k.T
        picked = lib.gather(s, 1, lib.tensor(idx))
        att = lib.softmax(picked, 1)
        sel = lib.index_select(k, 0, lib.tensor(idx[:, 0]))
        y = (att.sum(1, keepdim=True) * sel).sum() + (s[lib.tensor(rows)] ** 3).sum() + \
            lib.masked_fill(s, lib.tensor(s.detach().numpy() > 0.5 if lib is torch else
                                          np.asarray(s.detach().tolist()) > 0.5), 0.0).pow(2).sum()
        gq, = lib.autograd.grad(y, [q], create_graph=True)
        out.append(lib.autograd.grad((gq ** 2).sum(), [q, k]))
    for a, b in zip(*out):
        _close(a, b)


def test_copy_slices_and_scatter():
    rng = np.random.default_rng(3)
    A, V = rng.standard_normal((4, 3)), rng.standard_normal(3)
    idx = np.array([[0, 2, 1], [3, 3, 0]])
    out = []
    for lib in (ember, torch):
        a, v = lib.tensor(A, requires_grad=True), lib.tensor(V, requires_grad=True)
        b = a * 1.0
        b[1] = v ** 2
        b[lib.tensor([0, 3])] = b[lib.tensor([3, 0])] * 2
        c = lib.scatter_add(b, 0, lib.tensor(idx), lib.tanh(b[:2]))
        y = (c ** 3).sum()
        ga, gv = lib.autograd.grad(y, [a, v], create_graph=True)
        out.append(lib.autograd.grad((ga ** 2).sum() + (gv * ga[0]).sum(), [a, v]))
    for e, t in zip(*out):
        _close(e, t)


@pytest.mark.parametrize("name", ["prod_zeros", "cumprod_zeros", "cumprod", "logcumsumexp", "sort_topk", "max_dim",
                                  "std_var_norm", "einsum", "diag", "logsumexp"])
def test_hessian_vector_products(name):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4))
    if name.endswith("zeros"):
        x[1, 2] = 0.0
        x[2, 0] = x[2, 3] = 0.0
    fns = {
        "prod_zeros": lambda m, x: (x.prod(1) ** 2).sum() + x.prod() * 3,
        "cumprod_zeros": lambda m, x: (m.cumprod(x, 1) ** 2).sum(),
        "cumprod": lambda m, x: (m.cumprod(x, 0) * m.cumsum(x, 1)).sum(),
        "logcumsumexp": lambda m, x: (m.logcumsumexp(x, 1) ** 2).sum(),
        "sort_topk": lambda m, x: (m.sort(x, 1)[0] ** 3 * m.arange(4.0)).sum() + (m.topk(x, 2, 0)[0] ** 3).sum(),
        "max_dim": lambda m, x: (m.max(x, 1)[0] ** 3).sum() + (x.amax(0) ** 3).sum() + m.flip(x, [1]).roll(1, 0)[0]
                                .pow(3).sum(),
        "std_var_norm": lambda m, x: (x.std(1) ** 3).sum() + (x.var(0) ** 2).sum() + m.norm(x, 3, 1).sum()
                                     + m.norm(x) ** 3,
        "einsum": lambda m, x: (m.einsum("ij,kj->ik", x, x * x) ** 2).sum(),
        "diag": lambda m, x: (m.diagonal(x, 1) ** 3).sum() + (m.diag_embed(x[0]) @ x.T).pow(2).sum()
                             + m.triu(x, 1).pow(3).sum(),
        "logsumexp": lambda m, x: (m.logsumexp(x, 1) ** 2).sum() + m.logaddexp(x, x.flip([1]) * 0.5).pow(2).sum()
                                  + m.hypot(x, x * x + 1).sum() + m.xlogy(x, x * x + 1).sum(),
    }
    _hvp(fns[name], [x])
