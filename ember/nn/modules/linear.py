"""``Linear``, ``Bilinear`` and ``Identity``."""
import math

from ... import creation
from .. import functional as F, init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "NonDynamicallyQuantizableLinear", "Bilinear"]


def weight_and_bias(module, weight_shape, bias, device, dtype):
    """Register ``weight`` (``weight_shape``) and a ``bias`` of ``weight_shape[0]`` (or None), uninitialised."""
    module.weight = Parameter(creation.empty(weight_shape, device=device, dtype=dtype))
    module.register_parameter("bias", Parameter(creation.empty(weight_shape[0], device=device, dtype=dtype))
                              if bias else None)


def reset_weight_and_bias(module):
    """PyTorch's default for Linear and Conv: ``kaiming_uniform_(weight, a=sqrt(5))``, i.e. U(-1/sqrt(fan_in),
    1/sqrt(fan_in)), and the bias uniform in the same bounds."""
    init.kaiming_uniform_(module.weight, a=math.sqrt(5))
    if module.bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(module.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(module.bias, -bound, bound)


class Identity(Module):
    """Returns its input; accepts and ignores any constructor arguments (a placeholder layer)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight (out_features, in_features)``.

    Initialised as PyTorch does: weight ~ U(-1/sqrt(in), 1/sqrt(in)) (``kaiming_uniform_(a=sqrt(5))``), and
    bias ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        weight_and_bias(self, (out_features, in_features), bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class NonDynamicallyQuantizableLinear(Linear):
    """``MultiheadAttention.out_proj``'s class in PyTorch (kept for identical reprs)."""


class Bilinear(Module):
    """``y = x1^T W x2 + b`` with ``weight (out_features, in1_features, in2_features)``; weight and bias are
    initialised U(-1/sqrt(in1), 1/sqrt(in1)) as in PyTorch."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        weight_and_bias(self, (out_features, in1_features, in2_features), bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
