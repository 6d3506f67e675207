"""``Conv1d``, ``Conv2d`` and ``Conv3d`` (stride, padding incl. ``'same'``/``'valid'``, dilation, groups, bias,
padding modes)."""
from .. import functional as F
from .linear import reset_weight_and_bias, weight_and_bias
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v, n, name):
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise ValueError(f"{name} must be an int or a {n}-tuple, got {v}")
        return tuple(int(x) for x in v)
    return (int(v),) * n


def check_groups(in_channels, out_channels, groups):
    """Both channel counts must split into ``groups`` (plain and transposed convolutions)."""
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")


class _ConvNd(Module):
    _dims = 0

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        n = self._dims
        check_groups(in_channels, out_channels, groups)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size")
        self.stride = _ntuple(stride, n, "stride")
        self.dilation = _ntuple(dilation, n, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _ntuple(padding, n, "padding")
        self.output_padding = (0,) * n
        self.transposed = False
        self.groups = groups
        self.padding_mode = padding_mode
        self._pad_twice = self._reversed_padding()
        weight_and_bias(self, (out_channels, in_channels // groups) + self.kernel_size, bias, device, dtype)
        self.reset_parameters()

    def _reversed_padding(self):
        # F.pad's order for non-zero padding modes: (last dim left, right, previous dim left, right, ...)
        if self.padding == "valid":
            return (0, 0) * self._dims
        out = []
        for i in reversed(range(self._dims)):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                out += [total // 2, total - total // 2]
            else:
                out += [self.padding[i]] * 2
        return tuple(out)

    def reset_parameters(self):
        reset_weight_and_bias(self)

    def _conv(self, fn, input):
        if self.padding_mode != "zeros":
            return fn(F.pad(input, self._pad_twice, mode=self.padding_mode), self.weight, self.bias, self.stride, 0,
                      self.dilation, self.groups)
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, C_in, L)`` input; weight ``(C_out, C_in / groups, k)``."""
    _dims = 1

    def forward(self, input):
        return self._conv(F.conv1d, input)


class Conv2d(_ConvNd):
    """2-D convolution over ``(N, C_in, H, W)`` input; weight ``(C_out, C_in / groups, kh, kw)``.

    Initialised as PyTorch does (``kaiming_uniform_(a=sqrt(5))``, bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
    """
    _dims = 2

    def forward(self, input):
        return self._conv(F.conv2d, input)


class Conv3d(_ConvNd):
    """3-D convolution over ``(N, C_in, D, H, W)`` input; weight ``(C_out, C_in / groups, kd, kh, kw)``."""
    _dims = 3

    def forward(self, input):
        return self._conv(F.conv3d, input)
