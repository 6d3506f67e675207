"""Differentiable ``einsum``: the gradient of each operand is an einsum of the output gradient and the others."""
from ..autograd.node import Node
from ..backend import check_same_device
from ._util import Tensor, edge, grad_state, make, new_node, save_versions, xp_of

__all__ = ["einsum"]


def _parse(equation, n):
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise NotImplementedError("ember's einsum does not support '...' (ellipsis) yet; write the dims out")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs = eq
        letters = lhs.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    subs = lhs.split(",")
    if len(subs) != n:
        raise RuntimeError(f"einsum(): {len(subs)} operands in the equation, but {n} tensors given")
    return subs, out


class EinsumBackward0(Node):
    __slots__ = ("arrays", "subs", "out")
    _saved = ("arrays",)
    _fresh = True

    def backward(self, g):
        grads = []
        for i, e in enumerate(self._next):
            if e is None:
                grads.append(None)
                continue
            sub = self.subs[i]
            if len(set(sub)) != len(sub):
                raise NotImplementedError(f"einsum backward with a repeated index in one operand ('{sub}') is not "
                                          f"supported by ember")
            others = [a for j, a in enumerate(self.arrays) if j != i]
            other_subs = [s for j, s in enumerate(self.subs) if j != i]
            present = set(self.out).union(*other_subs)
            kept = "".join(c for c in sub if c in present)
            xp = xp_of(g)
            r = xp.einsum(",".join([self.out] + other_subs) + "->" + kept, g, *others)
            if kept != sub:     # indices summed only inside this operand: broadcast back
                shape = self.arrays[i].shape
                r = r.reshape(tuple(shape[k] if c in present else 1 for k, c in enumerate(sub)))
                r = xp.broadcast_to(r, shape).copy()
            grads.append(r)
        return tuple(grads)


def einsum(equation, *operands):
    """``einsum("ij,jk->ik", a, b)``; operands must share a dtype."""
    for t in operands:
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operands must be Tensors, got {type(t).__name__}")
    subs, out_sub = _parse(equation, len(operands))
    dev = operands[0]._device
    for t in operands[1:]:
        if t._device is not dev:
            check_same_device("einsum", dev, t._device)
    arrays = [t._array for t in operands]
    xp = dev.xp
    r = xp.asarray(xp.einsum(",".join(subs) + "->" + out_sub, *arrays, optimize=len(arrays) > 2))
    out = make(r, operands[0]._device)
    if grad_state.enabled and any(t._requires_grad for t in operands):
        n = new_node(EinsumBackward0, tuple(edge(t) for t in operands))
        n.arrays, n.subs, n.out = arrays, subs, out_sub
        n._versions = save_versions(*operands)
        out.grad_fn = n
        out._requires_grad = True
    return out
