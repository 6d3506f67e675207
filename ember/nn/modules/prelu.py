"""``PReLU``: a leaky ReLU whose negative slope is learnt (one shared or one per channel)."""
from ... import creation
from .. import functional as F, init
from ..parameter import Parameter
from .module import Module

__all__ = ["PReLU"]


class PReLU(Module):
    """``max(0, x) + weight * min(0, x)`` with ``weight`` of ``num_parameters`` elements, all ``init``."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
