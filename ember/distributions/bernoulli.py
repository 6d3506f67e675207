"""``Bernoulli(probs=...)`` or ``Bernoulli(logits=...)``: samples are 0. or 1. in the parameter's dtype."""
import numbers

from .._size import Size
from ..creation import bernoulli
from ..ops.loss import binary_cross_entropy_with_logits
from .distribution import Distribution
from ._util import broadcast_all, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli"]


class Bernoulli(Distribution):
    arg_constraints = {"probs": "Interval(lower_bound=0.0, upper_bound=1.0)", "logits": "Real()"}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name, value = ("probs", probs) if probs is not None else ("logits", logits)
        (param,) = broadcast_all(value)
        self.__dict__[name] = param
        super().__init__(Size() if isinstance(value, numbers.Number) else param.shape, validate_args=validate_args)
        if probs is not None:
            self._check_param("probs", (param >= 0) & (param <= 1))
        else:
            self._check_param("logits", param == param)

    def __getattr__(self, name):
        if name == "probs":
            self.probs = logits_to_probs(self.__dict__["logits"], is_binary=True)
            return self.probs
        if name == "logits":
            self.logits = probs_to_logits(self.__dict__["probs"], is_binary=True)
            return self.logits
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def param_shape(self):
        return (self.__dict__.get("probs") if "probs" in self.__dict__ else self.__dict__["logits"]).shape

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return mode.masked_fill(self.probs == 0.5, float("nan"))

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        return bernoulli(self.probs.detach().expand(shape))

    def log_prob(self, value):
        self._check_value(value, (value == 0) | (value == 1), "Boolean()")
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        from ..creation import arange
        values = arange(2, dtype=self.probs.dtype, device=self.probs.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
