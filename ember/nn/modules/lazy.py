"""Lazy layers (``LazyLinear``, ``LazyConv2d``, ``LazyBatchNorm2d``...), as the d2l.ai book builds its models:
the input size is left out and read from the first input, when the parameters are created and initialised
and the module becomes its plain class (a ``LazyLinear`` becomes a ``Linear``), as in PyTorch. The parameter
objects stay the same, so an optimiser made before the first call trains them."""
from ...autograd.grad_mode import no_grad
from ..parameter import UninitializedBuffer, UninitializedParameter, _Uninitialized
from .conv import Conv1d, Conv2d, Conv3d
from .conv_transpose import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d"]


def _infer_parameters(module, args):
    module.initialize_parameters(*args)
    if not module.has_uninitialized_params():
        module._initialize_hook.remove()
        del module.__dict__["_initialize_hook"]
        module.__class__ = module.cls_to_become


class LazyModuleMixin:
    """Mixin of the lazy layers (``LazyLinear``...): parameters stay uninitialised until the first call,
    which infers their sizes from the input and turns the module into ``cls_to_become``."""
    cls_to_become = None

    def _start_lazy(self, params, buffers=(), device=None, dtype=None):
        """Swap the named parameters and buffers (those present) for uninitialised ones; arm the first call."""
        for name in params:
            if getattr(self, name) is not None:
                setattr(self, name, UninitializedParameter(device=device, dtype=dtype))
        for name in buffers:
            if getattr(self, name) is not None:
                self.register_buffer(name, UninitializedBuffer(device=device, dtype=dtype))
        self.__dict__["_initialize_hook"] = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self):
        return any(isinstance(t, _Uninitialized) for t in list(self._parameters.values()) +
                   list(self._buffers.values()))

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self._lazy_in_size() != 0:
            super().reset_parameters()

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the last dimension of the first input."""
    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, out_features, bias, device, dtype)
        self._start_lazy(("weight", "bias"), device=device, dtype=dtype)

    def _lazy_in_size(self):
        return self.in_features

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    def _lazy_in_size(self):
        return self.in_channels

    def _in_channels(self, input):
        batched = input.dim() == self._dims + 2
        if input.dim() not in (self._dims + 1, self._dims + 2):
            raise RuntimeError(f"Expected {self._dims + 1}D (unbatched) or {self._dims + 2}D (batched) input to "
                               f"{type(self).__name__[4:].lower()}, but got input of size: {list(input.shape)}")
        return input.shape[1] if batched else input.shape[0]

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            with no_grad():
                self.in_channels = self._in_channels(input)
                if self.in_channels % self.groups != 0:
                    raise ValueError("in_channels must be divisible by groups")
                self.weight.materialize(self._weight_shape())
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
                self.reset_parameters()


def _lazy_conv(name, base, transposed):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, *args, **kwargs):
        device, dtype = kwargs.get("device"), kwargs.get("dtype")
        base.__init__(self, 0, out_channels, kernel_size, stride, padding, *args, **kwargs)
        self._start_lazy(("weight", "bias"), device=device, dtype=dtype)

    if transposed:
        def _weight_shape(self):
            return (self.in_channels, self.out_channels // self.groups) + self.kernel_size
    else:
        def _weight_shape(self):
            return (self.out_channels, self.in_channels // self.groups) + self.kernel_size
    doc = f"``{base.__name__}`` whose ``in_channels`` is read from the first input."
    return type(name, (_LazyConvMixin, base), {"__init__": __init__, "_weight_shape": _weight_shape,
                                               "cls_to_become": base, "__doc__": doc, "__module__": __name__})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, False)
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, False)
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, False)
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", ConvTranspose1d, True)
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", ConvTranspose2d, True)
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", ConvTranspose3d, True)


class _LazyNormMixin(LazyModuleMixin):
    def _lazy_in_size(self):
        return self.num_features

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            with no_grad():
                self.num_features = input.shape[1] if input.dim() > 1 else input.shape[0]
                for name in ("weight", "bias", "running_mean", "running_var"):
                    t = getattr(self, name)
                    if isinstance(t, _Uninitialized):
                        t.materialize((self.num_features,))
                self.reset_parameters()


def _lazy_norm(name, base):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None):
        base.__init__(self, 0, eps, momentum, affine, track_running_stats, device, dtype)
        self._start_lazy(("weight", "bias"), ("running_mean", "running_var"), device=device, dtype=dtype)

    doc = f"``{base.__name__}`` whose ``num_features`` is read from the first input."
    return type(name, (_LazyNormMixin, base), {"__init__": __init__, "cls_to_become": base, "__doc__": doc,
                                               "__module__": __name__})


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d)
