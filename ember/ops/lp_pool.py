"""``lp_pool1d/2d/3d``: power-average pooling, composed from average pooling exactly as PyTorch writes it
(``(sum x^p)^(1/p)`` per window, via ``avg_pool * kernel volume``), so its gradient matches too."""
import math

from .conv3d import ntuple
from .elementwise import mul, pow
from .pool import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .pool3d import avg_pool3d, max_pool3d
from .unary import abs, neg, relu, sign

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d"]


def _lp_pool(input, n, norm_type, kernel_size, stride, ceil_mode):
    avg, mx = {1: (avg_pool1d, max_pool1d), 2: (avg_pool2d, max_pool2d), 3: (avg_pool3d, max_pool3d)}[n]
    if norm_type == math.inf:
        return mx(abs(input), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return neg(mx(neg(abs(input)), kernel_size, stride, 0, 1, ceil_mode))
    out = avg(pow(input, norm_type), kernel_size, stride, 0, ceil_mode)
    volume = math.prod(ntuple(kernel_size, n, "kernel_size"))
    return pow(mul(mul(sign(out), relu(abs(out))), volume), 1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """``(sum over each window of x^p)^(1/p)`` over ``(N, C, L)``."""
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """``(sum over each window of x^p)^(1/p)`` over ``(N, C, H, W)``."""
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """``(sum over each window of x^p)^(1/p)`` over ``(N, C, D, H, W)``."""
    return _lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode)
