"""``Uniform(low, high)`` on ``[low, high)``."""
from .._size import Size
from ..creation import rand
from .distribution import Distribution
from ._util import broadcast_all

__all__ = ["Uniform"]


class Uniform(Distribution):
    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, validate_args=validate_args)
        self._check_param("low", self.low < self.high)
        self._check_param("high", self.high > self.low)

    @property
    def arg_constraints(self):      # each bound is constrained by the other, as in PyTorch
        return {"low": f"LessThan(upper_bound={self.high})", "high": f"GreaterThan(lower_bound={self.low})"}

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def variance(self):
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=Size()):
        u = rand(self._extended_shape(sample_shape), dtype=self.low.dtype, device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        self._check_value(value, (self.low <= value) & (value < self.high),
                          f"Interval(lower_bound={self.low}, upper_bound={self.high})")
        lb = (self.low <= value).type_as(self.low)
        ub = (self.high > value).type_as(self.low)
        return (lb * ub).log() - (self.high - self.low).log()

    def cdf(self, value):
        return ((value - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return (self.high - self.low).log()
