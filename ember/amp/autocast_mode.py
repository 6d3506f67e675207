"""``autocast``: PyTorch's automatic mixed precision, as the AMP recipe uses it::

    with ember.autocast(device_type="cuda", dtype=ember.float16):
        output = model(input)           # linear layers and convolutions run in float16
        loss = loss_fn(output, target)  # losses run in float32

Inside the region, the ops PyTorch lists run their floating-point inputs on that device in ``dtype`` (matrix
products, convolutions...) or in float32 (losses, and on a GPU the reductions and exponentials too); the casts
are ordinary differentiable ``.to()`` calls, so gradients reach float32 parameters in float32. An op called from
inside one of those ops is not cast again. Like the profiler, ember installs the casting wrappers on the ops'
public names (``ember.*``, ``Tensor`` methods, ``ember.nn.functional``) when the outermost region starts and
removes them when it ends, so code outside any region pays nothing. ember has no bfloat16: ``dtype`` must be
``float16`` (or ``float32``, which changes nothing); PyTorch's CPU default, bfloat16, is refused.
"""
import functools
import sys
import warnings

from .. import dtypes as _dt
from .._tensor import Tensor

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype"]

# PyTorch's op lists (the autocast documentation), by ember name; "lower" ops run in the region's dtype
_LOWER = {"cuda": {"matmul", "__matmul__", "__rmatmul__", "mm", "bmm", "addmm", "addbmm", "baddbmm", "addmv", "addr",
                   "mv", "chain_matmul", "multi_dot", "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                   "conv_transpose2d", "conv_transpose3d", "prelu", "einsum", "scaled_dot_product_attention"},
          "cpu": {"matmul", "__matmul__", "__rmatmul__", "mm", "bmm", "addmm", "addbmm", "baddbmm", "linear",
                  "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu",
                  "einsum", "scaled_dot_product_attention", "vecdot"}}
_LOSSES = {"cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
           "binary_cross_entropy_with_logits", "poisson_nll_loss", "cosine_embedding_loss", "hinge_embedding_loss",
           "margin_ranking_loss", "soft_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
           "multi_margin_loss", "triplet_margin_loss", "ctc_loss"}
_FP32 = {"cuda": _LOSSES | {"__pow__", "__rpow__", "__rtruediv__", "pow", "acos", "asin", "cosh", "sinh", "tan",
                            "exp", "expm1", "log", "log10", "log1p", "log2", "erfinv", "reciprocal", "rsqrt",
                            "softmax", "log_softmax", "softmin", "softplus", "sum", "prod", "cumsum", "cumprod",
                            "norm", "normalize", "renorm", "dist", "cdist", "pdist", "cosine_similarity",
                            "layer_norm", "group_norm"},
         "cpu": _LOSSES | {"binary_cross_entropy", "prod", "cdist", "quantile", "nanquantile", "inverse", "pinverse",
                           "cholesky", "qr", "svd", "trace"}}
_BANNED = {"cuda": {"binary_cross_entropy"}, "cpu": set()}
_BCE_MESSAGE = ("torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
                "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
                "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
                "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
                "safe to autocast.").replace("torch.", "ember.")

_stack = []                     # (device_type, dtype, enabled) of the regions entered, innermost last
_inside = [False]               # True while a wrapped op runs: ops it calls are not cast again
_installed = []                 # (owner, name, previous value) while the wrappers are in place


def _current(device_type):
    for dev, dtype, enabled in reversed(_stack):
        if dev == device_type:
            return dtype if enabled else None
    return None


def is_autocast_enabled(device_type="cuda"):
    """True inside an enabled ``ember.autocast(device_type)`` block."""
    return _current(device_type) is not None


def get_autocast_dtype(device_type):
    """The dtype that an ``autocast`` block for ``device_type`` casts to (float16 by default)."""
    for dev, dtype, _ in reversed(_stack):
        if dev == device_type:
            return dtype
    return _dt.float16


def _cast(value, device_type, target, lower):
    if isinstance(value, Tensor):
        d = value.dtype
        if value._device.type == device_type and d.is_floating_point and d is not _dt.float64 and d is not target:
            if lower or d is not _dt.float32:
                return value.to(target)
        return value
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], Tensor):
        return type(value)(_cast(v, device_type, target, lower) for v in value)
    return value


def _wrap(fn, name):
    lower = {dev: name in ops for dev, ops in _LOWER.items()}
    fp32 = {dev: name in ops for dev, ops in _FP32.items()}
    banned = {dev: name in ops for dev, ops in _BANNED.items()}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _inside[0]:
            return fn(*args, **kwargs)
        for dev in ("cuda", "cpu"):
            dtype = _current(dev)
            if dtype is None or not (lower[dev] or fp32[dev] or banned[dev]) or not _on(dev, args, kwargs):
                continue
            if banned[dev]:
                raise RuntimeError(_BCE_MESSAGE)
            target = dtype if lower[dev] else _dt.float32
            args = tuple(_cast(a, dev, target, lower[dev]) for a in args)
            kwargs = {k: _cast(v, dev, target, lower[dev]) for k, v in kwargs.items()}
            break
        _inside[0] = True
        try:
            return fn(*args, **kwargs)
        finally:
            _inside[0] = False
    wrapper._autocast_wrapped = fn
    return wrapper


def _on(dev, args, kwargs):
    for v in list(args) + list(kwargs.values()):
        first = v[0] if isinstance(v, (list, tuple)) and v else v
        if isinstance(first, Tensor) and first._device.type == dev:
            return True
    return False


def _owners():
    import ember
    from ..ops import nn_ops
    owners = [Tensor, ember, nn_ops, ember.linalg]
    for mod in ("ember.nn.functional",):
        if mod in sys.modules:
            owners.append(sys.modules[mod])
    return owners


def _install():
    names = set().union(*_LOWER.values(), *_FP32.values(), *_BANNED.values())
    for owner in _owners():
        for name in names:
            value = vars(owner).get(name)
            if callable(value):
                _installed.append((owner, name, value))
                setattr(owner, name, _wrap(value, name))


def _uninstall():
    while _installed:
        owner, name, value = _installed.pop()
        setattr(owner, name, value)


class autocast:
    """Run a region (``with``) or a function (as a decorator) with mixed precision on ``device_type``."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        device_type = device_type.split(":")[0]
        if device_type not in ("cuda", "cpu"):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        if device_type == "cuda" and enabled:
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("CUDA is not available. Disabling autocast.", UserWarning,
                              stacklevel=2)
                enabled = False
        if dtype is None:
            if device_type == "cpu" and enabled:
                raise RuntimeError("ember has no bfloat16, PyTorch's CPU autocast dtype: pass dtype=ember.float16")
            dtype = _dt.float16
        if enabled and dtype not in (_dt.float16, _dt.float32):
            raise RuntimeError(f"In {device_type} autocast, ember supports dtype float16 (and float32), got {dtype}")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)

    def __enter__(self):
        if not _stack:
            _install()
        _stack.append((self.device, self.fast_dtype, self._enabled))
        return self

    def __exit__(self, *exc):
        _stack.pop()
        if not _stack:
            _uninstall()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return run
