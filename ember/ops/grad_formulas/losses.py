"""Softmax, losses, normalisation layers, embedding and padding: their fused nodes' gradients, recorded.

These nodes save what their array backward needs (``logp``, ``xhat``/``rstd``, ``x - t``), not always the inputs
themselves. A formula rebuilds the saved quantity as a function of the input, so its graph reaches that input:
log-softmax is shift-invariant, so ``logp`` stands in for the logits; a norm recomputes its statistics from the
input (``eps`` recovered from the saved ``rstd``); and where only a derivative is needed, ``_tangent`` adds a
zero-valued term whose derivative is the identity.
"""
import numpy as np

import ember as E

from ...autograd.higher_order import formula, output, saved
from ...backend import xp_of
from .. import extra_norms, loss, nn_ops, normalization as nz, softmax as sm
from ._common import const, sum_to

F = E.nn.functional


def _tangent(node, i, like, shape, dtype):
    """Zero, with derivative 1 with respect to input ``i``: only its edge matters, not its values (a broadcast
    zero on ``like``'s device stands in for them)."""
    xp = xp_of(like)
    x = saved(node, i, xp.broadcast_to(xp.zeros((), dtype), shape))
    return x - x.detach()


def _scalar(s):
    """A saved scale: a host scalar stays a Python number, a device array becomes a constant Tensor."""
    return float(s) if isinstance(s, (float, int, np.generic, np.ndarray)) else const(s)


# ---- softmax / log_softmax ------------------------------------------------------------------------------

@formula(sm.SoftmaxBackward0)
def _softmax(node, g):
    y = output(node, node.out)
    gy = g * y
    return (gy - y * gy.sum(node.dim, keepdim=True),)


@formula(sm.LogSoftmaxBackward0)
def _log_softmax(node, g):
    return (g - E.exp(output(node, node.out)) * g.sum(node.dim, keepdim=True),)


# ---- cross-entropy / nll -------------------------------------------------------------------------------

def _rows(t, shape):
    """``(M, C)`` rows of class scores, as ``loss._rows`` makes them."""
    if len(shape) <= 1:
        return t.reshape(1, -1)
    return t if len(shape) == 2 else t.movedim(1, -1).reshape(-1, shape[1])


def _unrows(t, shape):
    if len(shape) <= 2:
        return t.reshape(shape)
    return t.reshape((shape[0],) + tuple(shape[2:]) + (shape[1],)).movedim(-1, 1)


def _row_grad(node, g):
    """The incoming gradient per row, times the reduction's scale (a column to broadcast over classes)."""
    s = _scalar(node.scale)
    if node.reduction == "none":
        return (g.reshape(-1) * s).unsqueeze(1)
    return (g * s).reshape(1, 1)


def _onehot(tc, c, dtype):
    xp = xp_of(tc)
    return (tc[:, None] == xp.arange(c)[None, :]).astype(dtype)


@formula(loss.CrossEntropyBackward0, loss.NllLossBackward0)
def _cross_entropy(node, g):
    nx, nt = node._next
    shape, logp = node.xshape, node.logp
    grow = _row_grad(node, g)
    # log-softmax does not see a per-row shift, so logp stands in for the logits when they are not a leaf
    x = saved(node, 0, loss._unrows(logp, shape))
    p = E.softmax(_rows(x, shape), 1)
    gx = gt = None
    if node.dense is None:                 # index targets without smoothing
        a = const(_onehot(node.tc, logp.shape[1], logp.dtype) * node.coef[:, None])
    else:
        a = const(node.dense)
        if nt is not None:                 # soft targets with a gradient: a = q (1 - eps) w + const, linear in q
            with np.errstate(divide="ignore", invalid="ignore"):
                k = -node.soft_grad / logp            # (1 - eps) w, recovered from what the node saved
            k = const(xp_of(k).where(xp_of(k).isfinite(k), k, 0))
            a = a + _rows(_tangent(node, 1, logp, shape, logp.dtype), shape) * k
            gt = _unrows(-E.log_softmax(_rows(x, shape), 1) * k * grow, shape)
    if nx is not None:
        gx = _unrows((p * a.sum(1, keepdim=True) - a) * grow, shape)
    return gx, gt


@formula(loss._NllBackward)
def _nll(node, g):
    shape = node.xshape
    c = shape[1] if len(shape) > 1 else shape[0]
    a = const(_onehot(node.tc, c, node.coef.dtype) * node.coef[:, None])
    return (_unrows(-a * _row_grad(node, g), shape),)


def _fused_ce(node, g):
    """The GPU kernel's cross-entropy node (``ember/cuda/_fused_nn.py``): ``(p * asum - a) * grow`` per row."""
    x, t, w, st = node.x, node.target, node.weight, node.stats
    c = x.shape[1]
    eps = node.smoothing
    coef, use = st[2], st[4]
    a = _onehot(t, c, x.dtype) * coef[:, None]
    if eps:
        a = a * (1 - eps) + (eps / c) * (w[None, :] if w is not None else 1) * use[:, None]
    if node.mode == 0:
        grow = g.unsqueeze(1)
    else:
        grow = (g * const(node.scale[0]) if node.mode == 1 else g).reshape(1, 1)
    p = E.softmax(saved(node, 0, x), 1)
    return (p * const(st[3][:, None]) - const(a)) * grow, None


try:
    from ...cuda._fused_nn import _FusedNllLossBackward
    formula(_FusedNllLossBackward)(_fused_ce)
except ImportError:                         # no CuPy: the fused node never exists
    pass


# ---- binary cross entropy, mse ---------------------------------------------------------------------------

@formula(loss.BinaryCrossEntropyBackward0)
def _bce(node, g):
    nx, nt = node._next
    x, t = saved(node, 0, node.x), saved(node, 1, node.t)
    gs = g * node.scale
    w = const(node.w) if node.w is not None else 1
    gx = gt = None
    if nx is not None:
        gx = sum_to(gs * (x - t) / E.clamp(x * (1 - x), min=1e-12) * w, node.x.shape)
    if nt is not None:
        gt = sum_to(gs * (E.clamp(E.log1p(-x), min=-100) - E.clamp(E.log(x), min=-100)) * w, node.t.shape)
    return gx, gt


@formula(loss.BinaryCrossEntropyWithLogitsBackward0)
def _bce_logits(node, g):
    nx, nt = node._next
    x, t = saved(node, 0, node.x), saved(node, 1, node.t)
    wg = g * node.scale * (const(node.w) if node.w is not None else 1)
    pw = const(node.pw) if node.pw is not None else None
    gx = gt = None
    if nx is not None:
        lw = 1 + (pw - 1) * t if pw is not None else 1
        gx = sum_to(wg * ((1 - t) - lw * E.sigmoid(-x)), node.x.shape)
    if nt is not None:
        gt = sum_to(wg * (-x + ((pw - 1) * F.softplus(-x) if pw is not None else 0)), node.t.shape)
    return gx, gt


@formula(loss.MseLossBackward0)
def _mse(node, g):
    nx, nt = node._next
    # d = x - t was saved, not x and t: its value, plus a zero term carrying d's derivative
    d = const(node.d)
    if nx is not None:
        d = d + _tangent(node, 0, node.d, *node.x_meta)
    if nt is not None:
        d = d - _tangent(node, 1, node.d, *node.t_meta)
    gd = g * (2 * node.scale) * d
    return (sum_to(gd, node.x_meta[0]).to(gd.dtype) if nx is not None else None,
            sum_to(-gd, node.t_meta[0]) if nt is not None else None)


# ---- layer / batch / rms norm --------------------------------------------------------------------------

def _rstd(node, sq):
    """``1 / sqrt(mean(sq) + eps)`` recorded, with ``eps`` (not saved) recovered from the saved ``rstd``."""
    v = sq.mean(node.axes, keepdim=True)
    eps = const(1.0 / (node.rstd * node.rstd)) - v.detach()
    return E.rsqrt(v + eps)


@formula(nz.NativeLayerNormBackward0, nz.NativeBatchNormBackward0)
def _norm(node, g):
    nx, nw, nb = node._next
    wshape, bshape = node.pshapes
    xhat_a, rstd_a = node.xhat, node.rstd
    if node.batch_stats:                  # the statistics depend on x: recompute them (x - mean is shift-free)
        x = saved(node, 0, xhat_a / rstd_a)
        xc = x - x.mean(node.axes, keepdim=True)
        rstd = _rstd(node, xc * xc)
        xhat = xc * rstd
    else:                                 # eval batch norm: running statistics are constants
        rstd = const(rstd_a)
        xhat = const(xhat_a)
        if nx is not None or nw is not None:
            xhat = xhat + _tangent(node, 0, xhat_a, xhat_a.shape, xhat_a.dtype) * rstd
    w = saved(node, 1, node.w.reshape(wshape)).reshape(node.w.shape) if node.w is not None else None
    gx = gw = gb = None
    if nw is not None:
        gw = (g * xhat).sum(node.param_axes).reshape(wshape)
    if nb is not None:
        gb = g.sum(node.param_axes).reshape(bshape)
    if nx is not None:
        gxhat = g * w if w is not None else g
        if node.batch_stats:
            m1 = gxhat.mean(node.axes, keepdim=True)
            m2 = (gxhat * xhat).mean(node.axes, keepdim=True)
            gx = rstd * (gxhat - m1 - xhat * m2)
        else:
            gx = gxhat * rstd
    return gx, gw, gb


@formula(extra_norms.RmsNormBackward0)
def _rms_norm(node, g):
    nx, nw = node._next
    x = saved(node, 0, node.xhat / node.rstd)
    rstd = _rstd(node, x * x)
    xhat = x * rstd
    w = saved(node, 1, node.w.reshape(node.wshape)).reshape(node.w.shape) if node.w is not None else None
    gx = gw = None
    if nw is not None:
        gw = (g * xhat).sum(node.lead).reshape(node.wshape)
    if nx is not None:
        gxhat = g * w if w is not None else g
        gx = rstd * (gxhat - xhat * (gxhat * xhat).mean(node.axes, keepdim=True))
    return gx, gw


# ---- embedding, constant pad ---------------------------------------------------------------------------

@formula(nn_ops.EmbeddingBackward0)
def _embedding(node, g):
    idx = node.idx.reshape(-1)
    rows = g.reshape(idx.size, node.wshape[1])
    if node.padding_idx is not None:      # the padding row gets no gradient
        rows = E.where(const((idx != node.padding_idx)[:, None]), rows, E.zeros_like(rows))
    gw = E.zeros(node.wshape, dtype=g.dtype, device=g.device)
    return None, E.index_add(gw, 0, const(idx), rows)


@formula(nn_ops.ConstantPadNdBackward0)
def _constant_pad(node, g):
    return (g[node.index],)
