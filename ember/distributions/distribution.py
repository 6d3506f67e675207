"""The ``Distribution`` base class: shapes, ``sample`` through ``rsample``, PyTorch's repr and argument checks."""
from .._size import Size
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad

__all__ = ["Distribution"]


class Distribution:
    has_rsample = False
    arg_constraints = {}        # parameter name -> the constraint's name in PyTorch's messages

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        self._validate_args = True if validate_args is None else validate_args

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=Size()):
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape=Size()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sampler (rsample)")

    def sample(self, sample_shape=Size()):
        """Draws of shape ``sample_shape + batch_shape + event_shape``, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def sample_n(self, n):
        return self.sample(Size((n,)))

    @property
    def stddev(self):
        return self.variance.sqrt()

    def perplexity(self):
        return self.entropy().exp()

    def _check_param(self, name, ok):
        """PyTorch's ValueError for a parameter outside its constraint (``ok``: a bool tensor)."""
        if self._validate_args and not bool(ok.all()):
            value = self.__dict__[name]
            raise ValueError(f"Expected parameter {name} (Tensor of shape {tuple(value.shape)}) of distribution "
                             f"{self!r} to satisfy the constraint {self.arg_constraints[name]}, but found invalid "
                             f"values:\n{value}")

    def _check_value(self, value, ok, support):
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        if self._validate_args and not bool(ok.all()):
            raise ValueError(f"Expected value argument (Tensor of shape {tuple(value.shape)}) to be within the "
                             f"support ({support}) of the distribution {self!r}, but found invalid values:\n{value}")

    def __repr__(self):
        params = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{p}: {self.__dict__[p] if self.__dict__[p].numel() == 1 else self.__dict__[p].size()}"
                         for p in params)
        return f"{type(self).__name__}({args})"
