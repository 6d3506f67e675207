"""ember: a PyTorch-compatible tensor and autograd runtime on NumPy.

    import ember
    x = ember.randn(3, requires_grad=True)
    (x * x).sum().backward()
    x.grad                                    # 2 * x

Names and semantics follow PyTorch (``ember.tensor``, ``ember.no_grad``, ``x.backward()``...).
"""
import warnings as _warnings

from ._malloc import tune_malloc as _tune_malloc

_tune_malloc()
# PyTorch gives inf/nan silently; NumPy's floating-point RuntimeWarnings raised inside ember's own
# kernels would only confuse learners (user code calling NumPy directly still warns)
_warnings.filterwarnings("ignore", message=".*encountered in", category=RuntimeWarning, module=r"ember(\.|$)")

from . import autograd, cuda, dtypes  # noqa: E402
from ._methods import install as _install  # noqa: E402
from ._repr import set_printoptions  # noqa: E402
from ._size import Size  # noqa: E402
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,  # noqa: E402
                       set_grad_enabled)
from .backend import DeviceMismatchError, device, get_array_module, get_default_device, set_default_device  # noqa
from .creation import *  # noqa: E402,F401,F403
from .dtypes import (bool, double, dtype, finfo, float, float16, float32, float64, get_default_dtype, half,  # noqa: E402
                     iinfo, int, int8, int16, int32, int64, long, promote_types, result_type, set_default_dtype, short,
                     uint8)
from .ops.conversion import type_as  # noqa: E402,F401
from .determinism import *  # noqa: E402,F401,F403
from .tensortypes import *  # noqa: E402,F401,F403
from .settings import *  # noqa: E402,F401,F403
from .eager_compile import compile  # noqa: E402,F401
from .constants import *  # noqa: E402,F401,F403
from .ops.combine import *  # noqa: E402,F401,F403
from .ops.compare import *  # noqa: E402,F401,F403
from .ops.elementwise import *  # noqa: E402,F401,F403
from .ops.indexing import *  # noqa: E402,F401,F403
from .ops.linalg import *  # noqa: E402,F401,F403
from .ops.reduction import *  # noqa: E402,F401,F403
from .ops.shape import *  # noqa: E402,F401,F403
from .ops.softmax import *  # noqa: E402,F401,F403
from .ops.sorting import *  # noqa: E402,F401,F403
from .ops.unary import *  # noqa: E402,F401,F403
from .ops.structure import *  # noqa: E402,F401,F403
from .ops.geometry import *  # noqa: E402,F401,F403
from .ops.counting import *  # noqa: E402,F401,F403
from .ops.quantile import *  # noqa: E402,F401,F403
from .ops.solve import *  # noqa: E402,F401,F403
from .ops.decomp import *  # noqa: E402,F401,F403
from .ops.matfun import *  # noqa: E402,F401,F403
from .ops.scan import *  # noqa: E402,F401,F403
from .ops.reduction_extra import *  # noqa: E402,F401,F403
from .ops.splits import *  # noqa: E402,F401,F403
from .ops.index_extra import *  # noqa: E402,F401,F403
from .ops.special import *  # noqa: E402,F401,F403
from .ops.arith_extra import *  # noqa: E402,F401,F403
from .ops.tensor_extra import *  # noqa: E402,F401,F403
from .ops.nn_toplevel import *  # noqa: E402,F401,F403
from . import linalg  # noqa: E402,F401
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state  # noqa
from ._tensor import Tensor  # noqa: E402

_install()

# the layers above the core (they import only ember itself): as in PyTorch, `import ember` is enough for
# ember.nn, ember.optim, ember.utils.data, ember.datasets, ember.profiler, ember.viz and ember.save/load
from . import nn, optim, utils, datasets, profiler, viz  # noqa: E402,F401
# PyTorch's other namespaces that tutorials reach through `import torch`
from . import accelerator, amp, backends, distributions, special, testing  # noqa: E402,F401
from .amp import autocast, get_autocast_dtype, is_autocast_enabled  # noqa: E402,F401
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402,F401
from .serialization import load, save  # noqa: E402,F401

from . import version  # noqa: E402
__version__ = version.__version__


def is_tensor(obj):
    """True if ``obj`` is an ember Tensor (or a subclass such as ``nn.Parameter``)."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of ``input``: ``ember.numel(ember.zeros(2, 3))`` is 6."""
    return input.numel()


def is_floating_point(input):
    """True if ``input``'s dtype is a floating-point type (float16, float32, float64)."""
    return input.is_floating_point()
