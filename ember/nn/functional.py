"""``ember.nn.functional``: the functional forms of every layer and loss, named 1:1 as in
``torch.nn.functional`` (``F.relu``, ``F.conv2d``, ``F.cross_entropy``...).

The kernels live in the core (``ember/ops/nn_ops.py`` and its op families). This module re-exports them
and gives the activations PyTorch's signatures (``inplace=``, ``negative_slope=``, ``approximate=``).
"""
import warnings

from ..ops import inplace as _inplace, nn_ops as _nn_ops
from ..ops.nn_ops import *  # noqa: F401,F403
from ._attention import multi_head_attention_forward  # noqa: F401

__all__ = list(_nn_ops.__all__) + ["multi_head_attention_forward", "relu_", "softmin", "elu_", "selu_",
                                     "hardtanh_", "leaky_relu_", "threshold_", "celu_", "rrelu_"]


def _act(name, input, inplace, *args):
    op = getattr(_nn_ops, name)        # looked up per call, so the profiler sees it
    if inplace:
        return _inplace.apply_inplace(input, op, *args)
    return op(input, *args) if args else op(input)


def relu(input, inplace=False):
    """``max(x, 0)``."""
    return _act("relu", input, inplace)


def relu_(input):
    """In-place version of :func:`relu`."""
    return _act("relu", input, True)


def relu6(input, inplace=False):
    """``min(max(x, 0), 6)`` elementwise."""
    return _act("relu6", input, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return _act("leaky_relu", input, inplace, negative_slope)


def gelu(input, approximate="none"):
    """``x * Phi(x)``; ``approximate='tanh'`` uses the tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return _nn_ops.gelu(input, approximate)


def silu(input, inplace=False):
    """``x * sigmoid(x)``."""
    return _act("silu", input, inplace)


def mish(input, inplace=False):
    """``x * tanh(softplus(x))`` elementwise."""
    return _act("mish", input, inplace)


def elu(input, alpha=1.0, inplace=False):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    return _act("elu", input, inplace, alpha)


def selu(input, inplace=False):
    """``scale * elu(x, alpha)`` with SELU's fixed ``alpha`` ~ 1.6733 and ``scale`` ~ 1.0507."""
    return _act("selu", input, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``x`` clamped to ``[min_val, max_val]``."""
    return _act("hardtanh", input, inplace, min_val, max_val)


def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6`` elementwise (a piecewise-linear sigmoid)."""
    return _act("hardsigmoid", input, inplace)


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6`` elementwise."""
    return _act("hardswish", input, inplace)


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`` elementwise."""
    return _act("celu", input, inplace, alpha)


def threshold(input, threshold, value, inplace=False):
    """``x`` where ``x > threshold``, else ``value``."""
    return _act("threshold", input, inplace, threshold, value)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU with slopes drawn from ``U(lower, upper)`` while training, ``(lower + upper) / 2`` otherwise."""
    return _act("rrelu", input, inplace, lower, upper, training)


# the in-place forms torch.nn.functional also offers
def elu_(input, alpha=1.0):
    return _act("elu", input, True, alpha)


def selu_(input):
    return _act("selu", input, True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return _act("hardtanh", input, True, min_val, max_val)


def leaky_relu_(input, negative_slope=0.01):
    return _act("leaky_relu", input, True, negative_slope)


def threshold_(input, threshold, value):
    return _act("threshold", input, True, threshold, value)


def celu_(input, alpha=1.0):
    return _act("celu", input, True, alpha)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return _act("rrelu", input, True, lower, upper, training)


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  "an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim())
    return _nn_ops.softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-x)`` along ``dim``: weights that favour the smallest values, summing to 1."""
    if dim is None:
        dim = _softmax_dim("softmin", input.dim())
    return _nn_ops.softmax(-input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``x - logsumexp(x)`` along ``dim``."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim())
    return _nn_ops.log_softmax(input, dim, dtype=dtype)


for _name in ("elu_", "selu_", "hardtanh_", "leaky_relu_", "threshold_", "celu_", "rrelu_"):
    globals()[_name].__doc__ = f"In-place version of :func:`{_name[:-1]}`."
