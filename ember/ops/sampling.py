"""Spatial transformer pieces: ``affine_grid`` (4-D sizes) and ``grid_sample`` (4-D input; bilinear or nearest,
padding zeros/border/reflection), composed of differentiable ops so input and grid both get gradients."""
import warnings

import numpy as np

from .elementwise import clamp, fmod, where
from .indexing import gather
from .linalg import matmul
from ._util import Tensor, make

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
                  "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample "
                  "for details.")


def _base_coords(n, align_corners, xp, dtype):
    if n <= 1:
        return xp.zeros(n, dtype)
    r = xp.linspace(-1.0, 1.0, n, dtype=dtype)
    return r if align_corners else r * ((n - 1) / n)


def affine_grid(theta, size, align_corners=None):
    """Sampling grid ``(N, H, W, 2)`` of ``theta (N, 2, 3)`` applied to the normalised ``(x, y, 1)`` of each output
    pixel of ``size = (N, C, H, W)``."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if theta._array.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 5:
        raise NotImplementedError("affine_grid: 3-D (5-D size) affine grids are not supported by ember")
    if len(size) != 4:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {list(size)}.")
    if theta.dim() != 3 or tuple(theta.shape[1:]) != (2, 3):
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {list(size)}. Got "
                         f"{list(theta.shape)}.")
    n, _, h, w = size
    if align_corners and min(h, w) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation of "
                      "affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    if theta.shape[0] != n:
        raise ValueError(f"affine_grid: theta has batch size {theta.shape[0]} but size asks for {n}")
    xp, dtype = theta._device.xp, theta._array.dtype
    base = xp.ones((h, w, 3), dtype)
    base[..., 0] = _base_coords(w, align_corners, xp, dtype)[None, :]
    base[..., 1] = _base_coords(h, align_corners, xp, dtype)[:, None]
    grid = matmul(make(base.reshape(1, h * w, 3), theta._device), theta.transpose(1, 2))
    return grid.reshape(n, h, w, 2)


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, twice_low, twice_high):
    if twice_low == twice_high:
        return coord * 0
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    a = (coord - lo).abs()
    extra = fmod(a, span)
    even = (coord._device.xp.floor(a._array / span) % 2) == 0
    return where(make(even, coord._device), extra + lo, span - extra + lo)


def _source_index(coord, size, padding_mode, align_corners):
    c = _unnormalize(coord, size, align_corners)
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
    if padding_mode != "zeros":
        c = clamp(c, 0, size - 1)
    return c


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input (N, C, H, W)`` at the normalised ``(x, y)`` locations of ``grid (N, Ho, Wo, 2)``."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample(mode='bicubic') is not supported by ember")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not isinstance(input, Tensor) or not isinstance(grid, Tensor):
        raise TypeError("grid_sample(): input and grid must be Tensors")
    if input._device is not grid._device:
        from ..backend import check_same_device
        check_same_device("grid_sample", input._device, grid._device)
    if input.dim() != grid.dim() or input.dim() not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.dim() == 5:
        raise NotImplementedError("grid_sample: 5-D (volumetric) input is not supported by ember")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, but got grid with sizes "
                           f"{list(grid.shape)}")
    if input._array.dtype != grid._array.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    n, c, h, w = input.shape
    ho, wo = grid.shape[1], grid.shape[2]
    xp, dev = input._device.xp, input._device
    flat = input.reshape(n, c, h * w)
    gxy = grid.reshape(n, ho * wo, 2)
    ix = _source_index(gxy[:, :, 0], w, padding_mode, align_corners)
    iy = _source_index(gxy[:, :, 1], h, padding_mode, align_corners)

    def corner(xi, yi):
        """Values ``(N, C, P)`` at integer corners ``(N, P)``, and where they lie inside the image."""
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        idx = (xp.clip(yi, 0, h - 1) * w + xp.clip(xi, 0, w - 1)).astype(np.int64)
        idx = xp.ascontiguousarray(xp.broadcast_to(idx[:, None, :], (n, c, idx.shape[1])))
        return gather(flat, 2, make(idx, dev)), inside

    if mode == "nearest":
        v, inside = corner(xp.rint(ix._array), xp.rint(iy._array))      # rint rounds half to even, as nearbyint
        out = v * make(inside[:, None, :].astype(v._array.dtype), dev)
        out = out + (grid.sum() * 0)        # keep grid in the graph: PyTorch gives it a zero gradient
    else:
        x0, y0 = xp.floor(ix._array), xp.floor(iy._array)
        wx1, wy1 = ix - make(x0, dev), iy - make(y0, dev)
        wx0, wy0 = 1 - wx1, 1 - wy1
        out = None
        for xi, yi, wt in ((x0, y0, wx0 * wy0), (x0 + 1, y0, wx1 * wy0), (x0, y0 + 1, wx0 * wy1),
                           (x0 + 1, y0 + 1, wx1 * wy1)):
            v, inside = corner(xi, yi)
            term = v * (wt * make(inside.astype(v._array.dtype), dev)).unsqueeze(1)
            out = term if out is None else out + term
    return out.reshape(n, c, ho, wo)
