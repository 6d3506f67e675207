"""Second (and third) derivatives through softmax, the losses, the normalisation layers, embedding and padding
(ember/ops/grad_formulas/losses.py), against PyTorch in float64, on workloads that need them: a Hessian-vector
product of a classifier's loss, gradient penalties through layer, batch and RMS norm. Every op spec's second
derivatives are also checked by tests/ember/harness.py's test_gradgrad."""
import numpy as np
import pytest
import torch

import ember
from ember.ops._util import make, record, save_versions

RNG = np.random.default_rng(7)


def _np(t):
    return t.detach().numpy()


def _close(a, b, rtol=1e-9, atol=1e-11):
    np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol)


def _both(arrays):
    """The same float64 arrays as ember and torch leaves."""
    return ([ember.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _hvp(m, loss_fn, params, v):
    """``H v`` of ``loss_fn(m, *params)``: the gradient of ``<grad, v>``."""
    gs = m.autograd.grad(loss_fn(m, *params), params, create_graph=True)
    dot = sum((g * m.tensor(w)).sum() for g, w in zip(gs, v))
    return gs, m.autograd.grad(dot, params)


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.1, "reduction": "sum"}, {"weight": True},
                                {"reduction": "none"}])
def test_hessian_vector_product_through_cross_entropy_of_a_small_mlp(kw):
    x, y = RNG.standard_normal((6, 4)), np.array([0, 2, 1, 2, -100, 1])
    params = [RNG.standard_normal(s) * 0.7 for s in [(5, 4), (5,), (3, 5), (3,)]]
    v = [RNG.standard_normal(p.shape) for p in params]
    cw = np.array([0.5, 1.0, 2.0])

    def loss(m, w1, b1, w2, b2):
        F = m.nn.functional
        logits = F.linear(m.tanh(F.linear(m.tensor(x), w1, b1)), w2, b2)
        extra = dict(kw, weight=m.tensor(cw)) if kw.get("weight") else kw
        out = F.cross_entropy(logits, m.tensor(y), **extra)
        return (out * m.tensor(np.arange(6.0))).sum() if kw.get("reduction") == "none" else out
    (ep, tp) = _both(params)
    eg, eh = _hvp(ember, loss, ep, v)
    tg, th = _hvp(torch, loss, tp, v)
    for a, b in zip(list(eg) + list(eh), list(tg) + list(th)):
        _close(a, b)


def test_softmax_and_log_softmax_third_derivative_along_a_line():
    x0, d0 = RNG.standard_normal((2, 5)), RNG.standard_normal((2, 5))
    w = RNG.standard_normal((2, 5))
    out = []
    for m in (ember, torch):
        t = m.tensor(0.3, dtype=m.float64, requires_grad=True)
        z = m.tensor(x0) + t * m.tensor(d0)
        f = (m.softmax(z, 1) * m.tensor(w)).sum() + (m.log_softmax(z, 0) ** 2).sum()
        ds = []
        for _ in range(3):
            f, = m.autograd.grad(f, t, create_graph=True)
            ds.append(f.item())
        out.append(ds)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-9)


def _layer_norm_composed(m, x, w, b, eps):
    xc = x - x.mean((1, 2), keepdim=True)
    return xc * m.rsqrt((xc * xc).mean((1, 2), keepdim=True) + eps) * w + b


@pytest.mark.parametrize("composed_oracle", [False, True])
def test_layer_norm_double_and_triple_backward(composed_oracle):
    """Second derivatives against PyTorch's layer_norm; the third against PyTorch differentiating the composition
    (its native layer_norm's double backward is not differentiated exactly: torch's own composed and native
    third derivatives disagree)."""
    x0, w0, b0 = RNG.standard_normal((3, 4, 5)), RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    seed = RNG.standard_normal((3, 4, 5))
    res = []
    for m in (ember, torch):
        x, w, b = (m.tensor(a, requires_grad=True) for a in (x0, w0, b0))
        if m is torch and composed_oracle:
            y = _layer_norm_composed(m, m.sin(x), w, b, 1e-3)
        else:
            y = m.nn.functional.layer_norm(m.sin(x), (4, 5), w, b, eps=1e-3)
        gx, gw = m.autograd.grad(y, (x, w), m.tensor(seed), create_graph=True)
        pen = (gx ** 2).sum() + (gw ** 3).sum()                 # a gradient penalty on both (b drops out)
        h = m.autograd.grad(pen, (x, w), create_graph=True)
        res.append(list(h))
        if composed_oracle:
            res[-1].append(m.autograd.grad((h[0] * m.tensor(seed)).sum(), x)[0])
    for a, b in zip(*res):
        _close(a, b, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradient_penalty(training):
    x0, w0, b0 = RNG.standard_normal((4, 3, 2)), RNG.standard_normal(3), RNG.standard_normal(3)
    rm, rv = RNG.standard_normal(3), RNG.random(3) + 0.5
    res = []
    for m in (ember, torch):
        x, w, b = (m.tensor(a, requires_grad=True) for a in (x0, w0, b0))
        y = m.nn.functional.batch_norm(x * x, m.tensor(rm), m.tensor(rv), w, b, training=training)
        loss = (m.tanh(y) * m.tensor(np.arange(24.0).reshape(4, 3, 2))).sum()
        gx, = m.autograd.grad(loss, x, create_graph=True)
        res.append(m.autograd.grad((gx ** 2).sum(), (x, w, b)))
    for a, b in zip(*res):
        _close(a, b, rtol=1e-8, atol=1e-9)


def test_embedding_pad_rms_norm_mse_and_bce_gradient_penalty():
    emb0, w0 = RNG.standard_normal((6, 4)), RNG.standard_normal(6)
    idx, target = np.array([[1, 0, 3], [5, 5, 2]]), RNG.random((2, 3, 6))
    res = []
    for m in (ember, torch):
        F = m.nn.functional
        emb, w = m.tensor(emb0, requires_grad=True), m.tensor(w0, requires_grad=True)
        h = F.pad(F.embedding(m.tensor(idx), emb, padding_idx=0), (1, 1), value=0.5)
        h = F.rms_norm(h, (6,), w, eps=1e-6)
        loss = F.mse_loss(h, m.tensor(target)) + F.binary_cross_entropy_with_logits(
            h, m.tensor(target), pos_weight=m.tensor(np.linspace(0.5, 2, 6))) + F.binary_cross_entropy(
            m.sigmoid(h), m.tensor(target), reduction="sum")
        g_emb, g_w = m.autograd.grad(loss, (emb, w), create_graph=True)
        res.append(m.autograd.grad((g_emb ** 2).sum() + (g_w * g_w.sum()).sum(), (emb, w)))
    for a, b in zip(*res):
        _close(a, b)


@pytest.mark.parametrize("mode,smoothing,weighted", [("mean", 0.0, False), ("sum", 0.2, True),
                                                     ("none", 0.1, False), ("mean", 0.3, True)])
def test_fused_gpu_cross_entropy_node_formula_on_host_arrays(mode, smoothing, weighted):
    """The GPU's fused cross-entropy node (``ember/cuda/_fused_nn.py``), built here on NumPy arrays with the
    statistics its ``ce_rows`` kernel writes, differentiates twice as PyTorch's cross_entropy does."""
    from ember.cuda._fused_nn import _MODES, _FusedNllLossBackward
    n, c, ignore = 5, 4, -100
    x0, t0 = RNG.standard_normal((n, c)), np.array([1, 3, ignore, 0, 3])
    w0 = RNG.random(c) + 0.5 if weighted else None
    # ce_rows: [row loss, m + log(sum exp), weight of the target (0 if ignored), sum of a row's coefficients, used]
    use = (t0 != ignore).astype(np.float64)
    tw = np.where(use > 0, (w0 if weighted else np.ones(c))[np.where(use > 0, t0, 0)], 0)
    lse = np.log(np.exp(x0).sum(1))
    asum = tw * (1 - smoothing) + smoothing / c * (w0.sum() if weighted else c) * use
    stats = np.stack([np.zeros(n), lse, tw, asum, use])
    scale = np.array([1.0 / tw.sum()]) if mode == "mean" else None
    seed = RNG.standard_normal(n) if mode == "none" else np.array(1.7)
    v = RNG.standard_normal((n, c))
    res = []
    for m in (ember, torch):
        x = m.tensor(x0, requires_grad=True)
        if m is ember:
            out = make(np.zeros(n) if mode == "none" else np.array(0.0), x._device)   # the value is not used
            record(out, _FusedNllLossBackward, (x, None), save_versions(x), x=x0, target=t0, weight=w0,
                   stats=stats, scale=scale, smoothing=smoothing, mode=_MODES[mode])
        else:
            out = torch.nn.functional.cross_entropy(x, torch.tensor(t0), None if w0 is None else torch.tensor(w0),
                                                    ignore_index=ignore, reduction=mode, label_smoothing=smoothing)
        g_seed = m.tensor(seed, requires_grad=True)
        gx, = m.autograd.grad(out, x, g_seed, create_graph=True)
        res.append([gx] + list(m.autograd.grad((gx * m.tensor(v)).sum(), (x, g_seed))))
    for a, b in zip(*res):
        _close(a, b)
