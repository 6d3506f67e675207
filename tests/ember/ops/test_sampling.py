"""affine_grid and grid_sample against torch.nn.functional: every mode, padding mode and align_corners setting,
with gradients for both the input and the grid."""
import warnings

import numpy as np
import pytest

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, nn_functional as F, op_tests


def _grid(a, i):
    return np.tanh(a) * 1.3 if i == 1 else a       # some sample points fall outside [-1, 1]


def _sample(mode, pad, align):
    return lambda m, x, g: F(m).grid_sample(x, g, mode=mode, padding_mode=pad, align_corners=align)


SPECS = [Op(f"affine_grid_align{int(a)}", lambda m, t, a=a: F(m).affine_grid(t, (2, 3, 4, 5), align_corners=a),
            [(2, 2, 3)]) for a in (False, True)]
SPECS += [Op("affine_grid_unit_width", lambda m, t: F(m).affine_grid(t, (1, 1, 3, 1), align_corners=False),
             [(1, 2, 3)])]
SPECS += [Op(f"grid_sample_{mode}_{pad}_align{int(align)}", _sample(mode, pad, align),
             [((2, 3, 4, 5), (2, 3, 2, 2)), ((1, 2, 3, 3), (1, 4, 1, 2))], domain=_grid)
          for mode in ("bilinear", "nearest") for pad in ("zeros", "border", "reflection") for align in (False, True)]
SPECS += [Op("grid_sample_of_affine_grid", lambda m, x, t: F(m).grid_sample(
    x, F(m).affine_grid(t, (2, 3, 3, 4), align_corners=False), align_corners=False), [((2, 3, 4, 5), (2, 2, 3))])]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_align_corners_default_warns_like_pytorch():
    x, g = ember.randn(1, 1, 3, 3), ember.zeros(1, 2, 2, 2)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        out = nn_ops.grid_sample(x, g)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.allclose(out.numpy(), nn_ops.grid_sample(x, g, align_corners=False).numpy())
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        nn_ops.affine_grid(ember.zeros(1, 2, 3), (1, 1, 2, 2))


def test_sampling_errors_are_clear():
    x = ember.randn(2, 3, 4, 4)
    with pytest.raises(ValueError, match="Nx2x3"):
        nn_ops.affine_grid(ember.zeros(2, 3, 3), (2, 3, 4, 4), align_corners=False)
    with pytest.raises(ValueError, match="non-zero, positive output size"):
        nn_ops.affine_grid(ember.zeros(2, 2, 3), (2, 3, 0, 4), align_corners=False)
    with pytest.raises(NotImplementedError, match="3-D"):
        nn_ops.affine_grid(ember.zeros(2, 3, 4), (2, 3, 4, 4, 4), align_corners=False)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or 'bicubic'"):
        nn_ops.grid_sample(x, ember.zeros(2, 2, 2, 2), mode="area", align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode"):
        nn_ops.grid_sample(x, ember.zeros(2, 2, 2, 2), padding_mode="wrap", align_corners=False)
    with pytest.raises(NotImplementedError, match="bicubic"):
        nn_ops.grid_sample(x, ember.zeros(2, 2, 2, 2), mode="bicubic", align_corners=False)
    with pytest.raises(RuntimeError, match="size 2 in last dimension"):
        nn_ops.grid_sample(x, ember.zeros(2, 2, 2, 3), align_corners=False)
    with pytest.raises(RuntimeError, match="same batch size"):
        nn_ops.grid_sample(x, ember.zeros(1, 2, 2, 2), align_corners=False)
    with pytest.raises(RuntimeError, match="4D or 5D input and grid with same number of dimensions"):
        nn_ops.grid_sample(x, ember.zeros(2, 2, 2), align_corners=False)
