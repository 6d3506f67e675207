"""``bilinear``: ``y[..., o] = x1[..., i] W[o, i, j] x2[..., j] + b[o]``, one differentiable einsum."""
from .einsum import einsum
from .shape import reshape

__all__ = ["bilinear"]


def bilinear(input1, input2, weight, bias=None):
    """``input1 (*, in1)``, ``input2 (*, in2)``, ``weight (out, in1, in2)``, ``bias (out,)`` -> ``(*, out)``."""
    s1, s2, ws = tuple(input1.shape), tuple(input2.shape), tuple(weight.shape)
    if len(ws) != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {len(ws)} dimensions")
    if s1[:-1] != s2[:-1] or len(s1) != len(s2):
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(s1[:-1])} and "
                           f"{list(s2[:-1])}")
    if not s1 or s1[-1] != ws[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {s1[-1] if s1 else 0} but "
                           f"expected {ws[1]}")
    if s2[-1] != ws[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {s2[-1]} but expected {ws[2]}")
    if bias is not None and tuple(bias.shape) != ws[:1]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {list(bias.shape)} but expected "
                           f"{ws[0]}")
    y = einsum("ni,oij,nj->no", reshape(input1, -1, ws[1]), weight, reshape(input2, -1, ws[2]))
    if bias is not None:
        y = y + bias
    return reshape(y, s1[:-1] + (ws[0],))
