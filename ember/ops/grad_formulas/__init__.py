"""Differentiable backward formulas for ``create_graph=True`` (``ember/autograd/higher_order.py``), one module per
op family. Imported on the first recorded backward pass, never at ``import ember``."""
from . import (arithmetic, combine, conv_pool, custom, linalg, linalg_extra, losses, reduction,  # noqa: F401
               shape, unary)
