"""``Dropout``: zero elements with probability ``p`` while training, scale the rest by ``1/(1-p)``; its channel-wise
and alpha (SELU) variants."""
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class Dropout(Module):
    """While training, zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``;
    in eval mode (``model.eval()``) pass the input through.

        drop = nn.Dropout(0.5); y = drop(x)"""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input."""
    _fn = "dropout1d"

    def forward(self, input):
        return getattr(F, self._fn)(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout1d):
    """Zero whole channels of ``(N, C, H, W)`` input."""
    _fn = "dropout2d"


class Dropout3d(Dropout1d):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input."""
    _fn = "dropout3d"


class AlphaDropout(Dropout1d):
    """Dropout that keeps SELU activations' zero mean and unit variance."""
    _fn = "alpha_dropout"

    def forward(self, input):
        # PyTorch's alpha dropout modules accept inplace but never run in place
        return getattr(F, self._fn)(input, self.p, self.training)


class FeatureAlphaDropout(Dropout1d):
    """``AlphaDropout`` over whole channels."""
    _fn = "feature_alpha_dropout"
