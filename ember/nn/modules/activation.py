"""Activations as modules (``ReLU``, ``GELU``, ``Softmax``...), each a thin call into ``nn.functional``.

``extra_repr`` strings match PyTorch's, so ``print(model)`` reads the same.
"""
from .. import functional as F
from .module import Module

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "GELU", "SiLU", "Mish", "ELU", "SELU", "Hardtanh", "Hardsigmoid",
           "Hardswish", "Sigmoid", "Tanh", "LogSigmoid", "Softsign", "Tanhshrink", "Softplus", "Softmax", "Softmin",
           "LogSoftmax", "CELU", "GLU", "Hardshrink", "Softshrink", "Threshold", "RReLU", "Softmax2d"]


class _Inplace(Module):
    """An activation with only an ``inplace`` flag: ``F.<_fn>(input, inplace)``."""
    _fn = ""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return getattr(F, self._fn)(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class _Plain(Module):
    """An activation without options: ``F.<_fn>(input)``."""
    _fn = ""

    def forward(self, input):
        return getattr(F, self._fn)(input)


class ReLU(_Inplace):
    _fn = "relu"


class ReLU6(_Inplace):
    _fn = "relu6"


class SiLU(_Inplace):
    _fn = "silu"


class Mish(_Inplace):
    _fn = "mish"


class SELU(_Inplace):
    _fn = "selu"


class Hardsigmoid(_Inplace):
    _fn = "hardsigmoid"


class Hardswish(_Inplace):
    _fn = "hardswish"


class Sigmoid(_Plain):
    _fn = "sigmoid"


class Tanh(_Plain):
    _fn = "tanh"


class LogSigmoid(_Plain):
    _fn = "logsigmoid"


class Softsign(_Plain):
    _fn = "softsign"


class Tanhshrink(_Plain):
    _fn = "tanhshrink"


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere (elementwise).

        nn.LeakyReLU(0.2)(ember.tensor([-1.0, 2.0]))   # tensor([-0.2000,  2.0000])"""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere (elementwise)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Hardtanh(Module):
    """Clamp to ``[min_val, max_val]`` (elementwise).

        nn.Hardtanh(-2, 2)(ember.tensor([-3.0, 1.0]))  # tensor([-2.,  1.])"""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """GELU, exact (``approximate='none'``) or with the tanh approximation."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta`` (a smooth ReLU); linear where ``beta * x > threshold``."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    _fn = "softmax"

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return getattr(F, self._fn)(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmin(Softmax):
    _fn = "softmin"


class LogSoftmax(Softmax):
    _fn = "log_softmax"


class CELU(Module):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`` (elementwise)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """``a * sigmoid(b)`` over the two halves of ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0 (elementwise)."""
    _fn = "hardshrink"

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return getattr(F, self._fn)(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0 (elementwise)."""
    _fn = "softshrink"


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value`` (elementwise).

        nn.Threshold(0.5, 0.0)(ember.tensor([0.2, 0.9]))  # tensor([0.0000, 0.9000])"""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class RReLU(Module):
    """Leaky ReLU with a random slope in ``[lower, upper]`` per element while training, their mean in eval."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class Softmax2d(Module):
    """Softmax over the channels of ``(N, C, H, W)`` or ``(C, H, W)`` input, at every position."""

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)


def _doc_from_functional(cls):
    """``nn.ReLU.__doc__`` from ``F.relu``'s: the summary line, then the module form."""
    summary = (getattr(F, cls._fn).__doc__ or "").strip().split("\n")[0]
    args = "dim=1" if issubclass(cls, Softmax) else ""
    cls.__doc__ = (f"{summary}\n\nModule form of :func:`ember.nn.functional.{cls._fn}`"
                   f"{' (``inplace=True`` writes into the input)' if issubclass(cls, _Inplace) else ''}.\n\n"
                   f"    nn.{cls.__name__}({args})(ember.randn(2, 3))")


for _cls in (ReLU, ReLU6, SiLU, Mish, SELU, Hardsigmoid, Hardswish, Sigmoid, Tanh, LogSigmoid, Softsign, Tanhshrink,
             Softmin, LogSoftmax):
    _doc_from_functional(_cls)
