"""``gradcheck``: compare backward's Jacobian with central finite differences (use float64 inputs)."""
import warnings

import numpy as np

from .grad_mode import state as _grad_state
from ..backend import to_host

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "numerical_jacobian", "analytical_jacobian"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients disagree."""


def _outputs(fn, inputs, keep=None):
    """The tensor outputs of ``fn``; with ``keep``, only those at the given positions."""
    from .._tensor import Tensor
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    outs = [o for o in outs if isinstance(o, Tensor)]
    return outs if keep is None else [outs[i] for i in keep]


def _differentiable(fn, inputs):
    """Positions of the outputs that require grad (others, like updated buffers, are not checked)."""
    return [i for i, o in enumerate(_outputs(fn, inputs)) if o.requires_grad]


def _diff_inputs(inputs):
    from .._tensor import Tensor
    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _host64(t):
    """A tensor's values as a flat float64 NumPy array (copied from the GPU when needed)."""
    return to_host(t._array).astype(np.float64).reshape(-1)


def numerical_jacobian(fn, inputs, eps=1e-6, keep=None, record=False):
    """Per (output, input) pair, a ``(out.numel(), in.numel())`` float64 array by central differences.
    ``record``: keep grad mode on while ``fn`` runs (``fn`` takes gradients itself, as gradgradcheck's does)."""
    diff = _diff_inputs(inputs)
    prev = _grad_state.enabled
    _grad_state.enabled = record
    try:
        outs0 = _outputs(fn, inputs, keep)
        jac = [[np.zeros((o._array.size, inputs[i]._array.size)) for i in diff] for o in outs0]
        for k, i in enumerate(diff):
            x = inputs[i]._array
            # perturb in place through a full index: works for any strides and for 0-d arrays (a
            # reshape(-1) view cannot be relied on there: CuPy's shares_memory says False for 0-d)
            if x.size > 1 and any(st == 0 and n > 1 for st, n in zip(x.strides, x.shape)):
                raise ValueError("gradcheck needs inputs whose elements do not share memory (an expand()ed "
                                 "input does): pass a clone()")
            for j, idx in enumerate(np.ndindex(*x.shape)):
                orig = x[idx].item()
                x[idx] = orig + eps
                plus = [_host64(o) for o in _outputs(fn, inputs, keep)]
                x[idx] = orig - eps
                minus = [_host64(o) for o in _outputs(fn, inputs, keep)]
                x[idx] = orig
                for m in range(len(outs0)):
                    jac[m][k][:, j] = (plus[m] - minus[m]) / (2 * eps)
    finally:
        _grad_state.enabled = prev
    return jac


def analytical_jacobian(fn, inputs, keep=None):
    """The same Jacobians from backward passes, one per output element (``autograd.grad``)."""
    from .engine import grad
    from .._tensor import make
    diff = _diff_inputs(inputs)
    outs = _outputs(fn, inputs, keep)
    jac = [[np.zeros((o._array.size, inputs[i]._array.size)) for i in diff] for o in outs]
    for m, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for r in range(o._array.size):
            seed = o._device.xp.zeros(o._array.size, o._array.dtype)
            seed[r] = 1
            gs = grad([o], [inputs[i] for i in diff], [make(seed.reshape(o._array.shape), o._device)],
                      retain_graph=True, allow_unused=True)
            for k, g in enumerate(gs):
                if g is not None:
                    jac[m][k][r, :] = _host64(g)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, _record=False, **unsupported):
    """True if ``func``'s gradients w.r.t. every input with ``requires_grad`` match finite differences.

    Otherwise raises ``GradcheckError`` naming the output, input and element indices that disagree
    (or returns False with ``raise_exception=False``).
    """
    from .._tensor import Tensor
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    for k in unsupported:
        if unsupported[k]:
            raise NotImplementedError(f"gradcheck(): option {k!r} is not supported by ember")
    diff = _diff_inputs(inputs)
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff:
        if inputs[i].dtype.name != "float64":
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. gradcheck "
                          f"is only reliable in float64.", stacklevel=2)
    keep = _differentiable(func, inputs)
    num = numerical_jacobian(func, inputs, eps, keep, _record)
    ana = analytical_jacobian(func, inputs, keep)
    for m, (rows_n, rows_a) in enumerate(zip(num, ana)):
        for k, (n, a) in enumerate(zip(rows_n, rows_a)):
            bad = ~np.isclose(a, n, rtol=rtol, atol=atol, equal_nan=True)
            if bad.any():
                where = np.argwhere(bad)[:10]
                details = "; ".join(f"d out[{r}] / d in[{c}]: analytical {a[r, c]:.6g}, numerical {n[r, c]:.6g}"
                                    for r, c in where)
                msg = (f"Jacobian mismatch for output {m} with respect to input {diff[k]}: {int(bad.sum())} of "
                       f"{bad.size} entries differ (atol={atol}, rtol={rtol}). First mismatches (flat indices): "
                       f"{details}")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  **unsupported):
    """``gradcheck`` of ``func``'s first derivatives: its gradients (taken with ``create_graph=True`` for
    ``grad_outputs``, random ones by default) are checked against finite differences with respect to the
    inputs and to ``grad_outputs``, so every second derivative of ``func`` is checked."""
    from .engine import grad
    from .._tensor import Tensor
    from ..creation import tensor
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for k in unsupported:
        if unsupported[k]:
            raise NotImplementedError(f"gradgradcheck(): option {k!r} is not supported by ember")
    diff = _diff_inputs(inputs)
    outs = [o for o in _outputs(func, inputs) if o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype, device=o.device,
                                    requires_grad=True) for o in outs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    n = len(inputs)

    def first_derivatives(*args):
        ins, seeds = args[:n], args[n:]
        got = grad([o for o in _outputs(func, ins) if o.requires_grad], [ins[i] for i in diff], seeds,
                   create_graph=True, allow_unused=True)
        return tuple(g for g in got if g is not None)
    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, _record=True)
