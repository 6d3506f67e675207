"""``ember.utils.checkpoint``: activation checkpointing's API. Checkpointing trades memory for time (PyTorch
recomputes a segment's activations in backward instead of keeping them); values and gradients are the same as
running the segment, which is what ember does, keeping the activations."""
import warnings

__all__ = ["checkpoint", "checkpoint_sequential"]


def _warn_reentrant(use_reentrant):
    if use_reentrant is None:
        warnings.warn("ember.utils.checkpoint: the use_reentrant parameter should be passed explicitly (PyTorch 2.9 "
                      "and later raise without it); use_reentrant=False is recommended.", UserWarning, stacklevel=3)


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``."""
    _warn_reentrant(use_reentrant)
    return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """``functions`` (a list of modules, or an ``nn.Sequential``) applied in order to ``input``."""
    _warn_reentrant(use_reentrant)
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    for fn in functions:
        input = fn(input)
    return input
