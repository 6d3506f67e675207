"""Fused nn kernels on the GPU (``kernels/nn.cu``): GELU/SiLU forward and backward, dropout, and
cross-entropy over class indices.

Each function is registered in ``ember._kernels`` under the name its op looks up and returns None when the
arrays are outside what the kernel covers (float16, non-contiguous, other shapes), so the op runs its
array-module code instead. Launch counts, fused against unfused: GELU 1 against 8 (exact) or 7 (tanh)
forward and about 10 backward; SiLU 1 against 4 and 6; ReLU's gradient 1 against 2; dropout 2 (cuRAND, then
one kernel) against 5;
cross-entropy 3 forward and 1 backward against about 12 and 6.
"""
import numpy as np

from ..autograd.node import Node
from ..backend import to_host
from ._compile import BLOCK, CTYPES as _CTYPES, grid_for, Kernels

__all__ = ["KERNELS", "KERNELS_BY_OP", "FINISH_ROWS"]

_NAMES = ("gelu_forward", "gelu_backward", "silu_forward", "silu_backward", "relu_backward", "dropout_forward",
          "ce_rows", "ce_partial", "ce_finish", "ce_backward")
KERNELS = Kernels("nn.cu", [f"{k}<{t}>" for k in _NAMES for t in ("float", "double")])
FINISH_ROWS = 1 << 20        # up to this many rows ce_partial/ce_finish sum the cross-entropy rows
FINISH_PARTS = 1024          # at most this many ce_partial threads, each summing every parts-th row


def _finish_parts(n):
    """ce_partial's threads for ``n`` rows: about sqrt(n) * 1.4 (the two kernels' serial loops balanced),
    so 8192 rows take 128 threads of 64 rows, then one thread over 128 sums."""
    return max(1, min(FINISH_PARTS, int((2 * n) ** 0.5)))


def _ctype(*arrays):
    dt = arrays[0].dtype
    if dt not in _CTYPES or any(a.dtype != dt or not a.flags.c_contiguous for a in arrays):
        return None
    return _CTYPES[dt]


def _elementwise(kernel, inputs, extra=()):
    """``out`` shaped like ``inputs[-1]`` from an elementwise kernel, or None if it does not apply."""
    ct = _ctype(*inputs)
    if ct is None:
        return None
    x = inputs[-1]
    out = _xp(x).empty_like(x)
    n = x.size
    if n:
        KERNELS[f"{kernel}<{ct}>"](grid_for(n), BLOCK, (*inputs, out, np.int64(n), *extra))
    return out


def _xp(a):
    from ..backend import xp_of
    return xp_of(a)


# ---- activations (signatures of ember/ops/unary.py's forward(xp, x, arg) and grad(xp, g, x, out, arg)) ----

def gelu_forward(xp, x, approximate):
    return _elementwise("gelu_forward", (x,), (np.int32(approximate == "tanh"),))


def gelu_backward(xp, g, x, out, approximate):
    return _elementwise("gelu_backward", (g, x), (np.int32(approximate == "tanh"),))


def silu_forward(xp, x, arg):
    return _elementwise("silu_forward", (x,))


def silu_backward(xp, g, x, out, arg):
    return _elementwise("silu_backward", (g, x))


def relu_backward(xp, g, x, out, arg):
    return _elementwise("relu_backward", (g, out))


# ---- dropout ---------------------------------------------------------------------------------------------

def dropout_forward(x, u, p):
    """``(x * mask, mask)`` with ``mask = 1/(1-p)`` where the uniform sample ``u >= p``; None if not covered."""
    ct = _ctype(x, u)
    if ct is None:
        return None
    xp = _xp(x)
    y, mask = xp.empty_like(x), xp.empty_like(x)
    n = x.size
    if n:
        KERNELS[f"dropout_forward<{ct}>"](grid_for(n), BLOCK, (x, u, y, mask, np.int64(n), np.float64(p),
                                                                np.float64(float(x.dtype.type(1.0 / (1.0 - p))))))
    return y, mask


# ---- cross-entropy ---------------------------------------------------------------------------------------

class _FusedNllLossBackward(Node):
    """Backward of the fused cross-entropy: one kernel writes the whole input gradient."""
    __slots__ = ("x", "target", "weight", "stats", "scale", "smoothing", "mode")
    _saved = ("x", "stats")
    _fresh = True

    def backward(self, g):
        x, xp = self.x, _xp(self.x)
        ct = _CTYPES[x.dtype]
        g = xp.ascontiguousarray(g, dtype=x.dtype)
        gx = xp.empty_like(x)
        n, c = x.shape
        w = self.weight
        KERNELS[f"ce_backward<{ct}>"](grid_for(n * c), BLOCK, (
            x, self.target, x if w is None else w, self.stats, g, x if self.scale is None else self.scale, gx,
            np.int64(n), np.int64(c), np.float64(self.smoothing), np.int32(w is not None), np.int32(self.mode)))
        return gx, None


_FusedNllLossBackward.__name__ = _FusedNllLossBackward.__qualname__ = "NllLossBackward0"
_MODES = {"none": 0, "mean": 1, "sum": 2}


def cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing):
    """``F.cross_entropy`` for ``(N, C)`` logits and ``(N,)`` class indices; None when not covered."""
    from ..ops._util import make, record, save_versions
    x = input._array
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0 or target._array.shape != x.shape[:1]:
        return None
    xp = input._device.xp
    t = xp.ascontiguousarray(target._array, dtype=np.int64)
    w = None if weight is None else xp.ascontiguousarray(weight._array, dtype=x.dtype)
    ct = _ctype(x) if x.flags.c_contiguous else None
    if ct is None:
        return None
    n, c = x.shape
    stats = xp.empty((5, n), x.dtype)
    KERNELS[f"ce_rows<{ct}>"](grid_for(n), BLOCK, (x, t, x if w is None else w, stats, np.int64(n), np.int64(c),
                                                   np.int64(ignore_index), np.float64(label_smoothing),
                                                   np.int32(w is not None)))
    scale = None
    if reduction == "none":
        loss = stats[0].copy()
        bad = bool((stats[2] < 0).any())
    elif n <= FINISH_ROWS:
        parts = _finish_parts(n)
        partial, out = xp.empty(3 * parts, np.float64), xp.empty(3, x.dtype)
        KERNELS[f"ce_partial<{ct}>"](grid_for(parts), BLOCK, (stats, partial, np.int64(n), np.int32(parts)))
        KERNELS[f"ce_finish<{ct}>"](1, 1, (partial, out, np.int32(parts), np.int32(reduction == "mean")))
        loss, scale = out[0:1].reshape(()), out[1:2]
        bad = float(out[2]) != 0          # a 4- or 8-byte copy to the host (it waits for the kernels)
    else:
        coef = stats[2]
        bad = bool((coef < 0).any())
        total, denom = stats[0].sum(dtype=np.float64), coef.sum(dtype=np.float64)
        loss = (total / denom if reduction == "mean" else total).astype(x.dtype)
        scale = (1.0 / denom).astype(x.dtype).reshape(1)
    if bad:
        host_t = to_host(target._array).reshape(-1)
        first = next(int(v) for v in host_t if v != ignore_index and not 0 <= v < c)
        raise IndexError(f"Target {first} is out of bounds.")
    result = make(loss, input._device)
    record(result, _FusedNllLossBackward, (input, None), save_versions(input), x=x, target=t, weight=w, stats=stats,
           scale=scale, smoothing=float(label_smoothing), mode=_MODES[reduction])
    return result


KERNELS_BY_OP = {"gelu": gelu_forward, "gelu_backward": gelu_backward, "silu": silu_forward,
                 "silu_backward": silu_backward, "relu_backward": relu_backward, "dropout": dropout_forward,
                 "cross_entropy": cross_entropy}
