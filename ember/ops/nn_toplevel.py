"""PyTorch's top-level spellings of nn functional ops (``torch.conv2d``, ``torch.cosine_similarity``,
``torch.dropout(x, p, train)``, ``torch.relu_``...) and a few more top-level aliases, for code that calls them
through ``torch.`` rather than ``torch.nn.functional``. Where PyTorch's top-level signature differs from the
functional one (``dropout``'s ``train``, ``embedding``'s argument order) it is PyTorch's top-level one."""
from . import nn_ops as _F
from .combine import vstack as row_stack
from .compare import ge as greater_equal, gt as greater, le as less_equal, lt as less
from .elementwise import clamp

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "max_pool1d",
           "max_pool2d", "max_pool3d", "avg_pool1d", "adaptive_avg_pool1d", "cosine_similarity", "pairwise_distance",
           "pdist", "prelu", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "hardshrink", "threshold",
           "bilinear", "celu", "layer_norm", "group_norm", "rms_norm", "dropout", "alpha_dropout",
           "feature_alpha_dropout", "embedding", "clamp_min", "clamp_max", "detach", "greater", "greater_equal",
           "less", "less_equal", "row_stack", "is_same_size", "is_signed", "relu_", "sigmoid_", "tanh_", "selu_",
           "celu_", "set_default_tensor_type"]

conv1d, conv2d, conv3d = _F.conv1d, _F.conv2d, _F.conv3d
conv_transpose1d, conv_transpose2d, conv_transpose3d = _F.conv_transpose1d, _F.conv_transpose2d, _F.conv_transpose3d
max_pool1d, max_pool2d, max_pool3d = _F.max_pool1d, _F.max_pool2d, _F.max_pool3d
avg_pool1d, adaptive_avg_pool1d = _F.avg_pool1d, _F.adaptive_avg_pool1d
cosine_similarity, pairwise_distance, pdist, prelu = _F.cosine_similarity, _F.pairwise_distance, _F.pdist, _F.prelu
pixel_shuffle, pixel_unshuffle, channel_shuffle = _F.pixel_shuffle, _F.pixel_unshuffle, _F.channel_shuffle
hardshrink, bilinear, celu, rms_norm = _F.hardshrink, _F.bilinear, _F.celu, _F.rms_norm


def threshold(input, threshold, value):
    """``x`` where ``x > threshold``, else ``value`` (``nn.functional.threshold``)."""
    return _F.threshold(input, threshold, value)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    """``nn.functional.layer_norm``: normalise over the last ``len(normalized_shape)`` dimensions."""
    return _F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    """``nn.functional.group_norm``: normalise ``(N, C, ...)`` input over groups of ``C // num_groups`` channels."""
    return _F.group_norm(input, num_groups, weight, bias, eps)


def dropout(input, p, train):
    """``nn.functional.dropout`` with ``train`` required: ``ember.dropout(x, 0.5, True)``."""
    return _F.dropout(input, p, train)


def alpha_dropout(input, p, train):
    """``nn.functional.alpha_dropout`` with ``train`` required."""
    return _F.alpha_dropout(input, p, train)


def feature_alpha_dropout(input, p, train):
    """``nn.functional.feature_alpha_dropout`` with ``train`` required."""
    return _F.feature_alpha_dropout(input, p, train)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` at ``indices`` (PyTorch's top-level order; ``padding_idx=-1`` means none)."""
    return _F.embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                        scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def clamp_min(input, min):
    """``input`` clamped below at ``min``: ``clamp(input, min=min)``."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """``input`` clamped above at ``max``: ``clamp(input, max=max)``."""
    return clamp(input, max=max)


def detach(input):
    """``input.detach()``: the same values, cut from the autograd graph."""
    return input.detach()


def is_same_size(input, other):
    """True if ``input`` and ``other`` have the same shape."""
    return input.shape == other.shape


def is_signed(input):
    """True if ``input``'s dtype is signed (every dtype but ``uint8`` and ``bool``)."""
    return input.dtype.is_signed


def _inplace(name):
    def fn(input, *args):
        from .inplace import apply_inplace
        return apply_inplace(input, getattr(_F, name[:-1]), *args)
    fn.__name__ = name
    fn.__doc__ = f"In-place version of :func:`ember.{name[:-1]}`."
    return fn


relu_, sigmoid_, tanh_, selu_, celu_ = (_inplace(n) for n in ("relu_", "sigmoid_", "tanh_", "selu_", "celu_"))


def set_default_tensor_type(t):
    """Deprecated in PyTorch: the default float dtype (and, for ``cuda`` types, device) from a legacy tensor type
    (``ember.DoubleTensor``) or its name (``"torch.cuda.FloatTensor"``)."""
    import warnings
    from .. import tensortypes
    from ..backend import set_default_device
    from ..dtypes import set_default_dtype
    warnings.warn("ember.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "ember.set_default_dtype() and ember.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    if isinstance(t, str):
        parts = t.replace("ember.", "torch.").split(".")
        cls = tensortypes.cuda_tensortype(parts[-1]) if "cuda" in parts else getattr(tensortypes, parts[-1], None)
        if cls is None:
            raise TypeError(f"invalid type: '{t}'")
        t = cls
    if not t.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    set_default_dtype(t.dtype)
    set_default_device("cuda" if t.is_cuda else "cpu")
