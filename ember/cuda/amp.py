"""``ember.cuda.amp``: PyTorch's older spelling of ``ember.amp`` for the GPU (deprecated there as here)."""
import warnings

from .. import amp as _amp
from .. import dtypes as _dt

__all__ = ["autocast", "GradScaler"]


def autocast(enabled=True, dtype=_dt.float16, cache_enabled=True):
    warnings.warn("`ember.cuda.amp.autocast(args...)` is deprecated. Please use `ember.amp.autocast('cuda', "
                  "args...)` instead.", FutureWarning, stacklevel=2)
    return _amp.autocast("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


def GradScaler(init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True):
    warnings.warn("`ember.cuda.amp.GradScaler(args...)` is deprecated. Please use `ember.amp.GradScaler('cuda', "
                  "args...)` instead.", FutureWarning, stacklevel=2)
    return _amp.GradScaler("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
