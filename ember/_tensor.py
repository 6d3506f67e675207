"""The ``Tensor`` class: one backend array plus autograd bookkeeping.

Only the core lives here (construction, attributes, conversion, autograd entry points). Ops are
functions in ``ember/ops`` and are attached as methods and operators in ``ember/_methods.py``.

The raw array is ``t._array`` (a NumPy array on the CPU). ``t.data`` follows PyTorch: it is a
Tensor sharing the storage, detached from the graph.
"""
import numpy as np

from . import dtypes as _dt
from ._size import Size
from .autograd.grad_mode import state as _grad_state
from .autograd.node import OutputEdge, RemovableHandle
from .backend import as_device, cpu, guard, to_host, transfer

__all__ = ["Tensor", "make", "make_view", "edge"]

_new = object.__new__
_ndarray = np.ndarray
_DT = _dt._BY_NP


class Tensor:
    """A multi-dimensional array of one dtype on one device, with autograd (PyTorch's ``torch.Tensor``).

    Make one with ``ember.tensor(data)``, ``ember.zeros(2, 3)``, ``ember.randn(4, requires_grad=True)``...;
    ``x.shape``, ``x.dtype``, ``x.device``, ``x.grad`` and ``x.backward()`` work as in PyTorch."""
    __slots__ = ("_array", "_device", "_requires_grad", "grad_fn", "_grad", "_output_nr", "_vc",
                 "_base", "_hooks", "_retains_grad", "__weakref__")
    _kind = 2                    # edge kind for the engine: a leaf
    __array_priority__ = 1000    # ndarray (op) Tensor defers to Tensor's reflected operator
    __hash__ = object.__hash__   # __eq__ is elementwise, hashing is by identity (as in PyTorch)

    def __new__(cls, *args, **kwargs):
        """Legacy constructor: ``Tensor([1, 2])`` (float32 data) or ``Tensor(2, 3)`` (uninitialised)."""
        from .creation import _legacy_new
        return _legacy_new(cls, args, kwargs)

    @staticmethod
    def _make_subclass(cls, data, require_grad=False):
        """A ``cls`` instance sharing ``data``'s array (how ``nn.Parameter`` is built)."""
        if not isinstance(data, Tensor):
            raise TypeError(f"_make_subclass(): data must be a Tensor, got {type(data).__name__}")
        t = _init(_new(cls), data._array, data._device)
        t._vc = data._vc
        if require_grad:
            t.requires_grad_(True)
        return t

    # ---- attributes -------------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._array.shape)

    def size(self, dim=None):
        """The shape as an ``ember.Size``, or the size of dimension ``dim``: ``x.size(0)``."""
        if dim is None:
            return Size(self._array.shape)
        return self._array.shape[_norm_dim(dim, self._array.ndim)]

    @property
    def ndim(self):
        return self._array.ndim

    def dim(self):
        """The number of dimensions: ``ember.zeros(2, 3).dim()`` is 2."""
        return self._array.ndim

    ndimension = dim

    def numel(self):
        """The number of elements: ``ember.zeros(2, 3).numel()`` is 6."""
        return self._array.size

    nelement = numel

    def element_size(self):
        """The size of one element in bytes (4 for float32)."""
        return self._array.itemsize

    @property
    def itemsize(self):
        return self._array.itemsize

    @property
    def nbytes(self):
        return self._array.nbytes

    @property
    def dtype(self):
        return _DT[self._array.dtype]

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    def is_floating_point(self):
        """True if the dtype is a floating-point type (float16, float32, float64)."""
        return self._array.dtype.kind == "f"

    def is_contiguous(self, memory_format=None):
        """True if the elements are stored contiguously in row-major order (``memory_format`` is ignored)."""
        return self._array.flags.c_contiguous

    def data_ptr(self):
        """The address of the first element in memory (an int; useful to check whether two tensors share memory)."""
        a = self._array
        if a.__class__ is np.ndarray:
            return a.__array_interface__["data"][0]
        return a.data.ptr

    def storage_offset(self):
        """Elements between the start of the storage (the base tensor's memory) and this view's first element
        (a detached view has no base in ember, and counts from its own start)."""
        root = self._base if self._base is not None else self
        return (self.data_ptr() - root.data_ptr()) // self._array.itemsize

    def stride(self, dim=None):
        """The strides in elements (not bytes), or the stride of dimension ``dim``: ``ember.zeros(2, 3).stride()``
        is ``(3, 1)``."""
        st = tuple(s // self._array.itemsize for s in self._array.strides)
        return st if dim is None else st[_norm_dim(dim, self._array.ndim)]

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version(self):
        return self._vc[0]

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        """Set whether autograd records operations on this tensor (in place); returns ``self``.

            w = ember.zeros(3).requires_grad_()"""
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to "
                                   "use a computed variable in a subgraph that doesn't require differentiation "
                                   "use var_no_grad = var.detach().")
            return self
        if requires_grad and self._array.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients "
                               f"(got {self.dtype}); convert first, e.g. x.float().requires_grad_()")
        self._requires_grad = requires_grad
        return self

    @property
    def grad(self):
        g = self._grad
        if g is None and self.grad_fn is not None and not self._retains_grad:
            _warn_nonleaf_grad()
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._array.shape != self._array.shape:
                raise RuntimeError(f"assigned grad has data of a different size: grad shape "
                                   f"{list(value._array.shape)}, tensor shape {list(self._array.shape)}")
            if value._array.dtype != self._array.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: grad {value.dtype}, "
                                   f"tensor {self.dtype}")
            if value._device is not self._device:
                raise RuntimeError(f"assigned grad has data located on a different device: grad on "
                                   f"{value._device}, tensor on {self._device}")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def data(self):
        # like PyTorch's .data: shares storage but not the version counter (changes go unnoticed)
        return make(self._array, self._device)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._array = value._array
        self._device = value._device

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def _base_tensor(self):
        return self._base

    # ---- conversion -------------------------------------------------------------------------------
    def numpy(self, *, force=False):
        """The NumPy array sharing this tensor's memory (CPU only)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if self._device is not cpu:
            raise TypeError(f"can't convert {self._device} device type tensor to numpy. Use Tensor.cpu() to "
                            "copy the tensor to host memory first.")
        return self._array

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def item(self):
        """The value of a one-element tensor as a Python number: ``ember.tensor([2.5]).item()`` is 2.5."""
        arr = self._array
        if arr.size != 1:
            raise RuntimeError(f"a Tensor with {arr.size} elements cannot be converted to Scalar")
        return arr.reshape(()).item() if arr.ndim else arr.item()

    def tolist(self):
        """The values as (nested) Python lists of numbers: ``ember.tensor([[1, 2]]).tolist()`` is ``[[1, 2]]``."""
        return self._array.tolist()

    def __len__(self):
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __contains__(self, element):
        if not isinstance(element, (Tensor, int, float, bool, np.generic)):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                               f"{type(element).__name__}.")
        return bool((self == element).any())

    def __bool__(self):
        if self._array.size != 1:
            many = "no values" if self._array.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {many} is ambiguous")
        return bool(self._array.reshape(()))

    def __float__(self):
        if self._array.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self):
        if self._array.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self):
        if self._array.dtype.kind not in "iub" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, spec):
        if self._array.ndim == 0 and (spec or type(self) is Tensor):    # f"{loss}" prints the number, as PyTorch
            return format(self.item(), spec)
        return object.__format__(repr(self), spec) if spec else repr(self)

    def __repr__(self):
        from ._repr import tensor_repr
        return tensor_repr(self)

    def detach(self):
        """A tensor sharing storage and version counter, outside the graph."""
        return make_view(self._array, self, detach=True)

    def detach_(self):
        """Detach this tensor from the graph in place: it becomes a leaf that does not require grad."""
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        return self

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                               "because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        with guard(self._device):
            t = _init(_new(type(self)), self._array.copy(), self._device)
        t._requires_grad = self._requires_grad
        memo[id(self)] = t
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        if hasattr(self, "__dict__"):
            import copy
            t.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return t

    def __reduce_ex__(self, protocol):
        if self.grad_fn is not None:
            raise RuntimeError("pickling a non-leaf tensor is not supported; detach() it first")
        if self._device is cpu:
            return (_rebuild, (type(self), self._array, self._requires_grad))
        return (_rebuild, (type(self), to_host(self._array), self._requires_grad, str(self._device)))

    # ---- autograd ---------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``. See ``ember.autograd.backward``."""
        if gradient is None and inputs is None and not create_graph:
            _engine.backward_scalar(self, retain_graph)
        else:
            _engine.backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph, inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {type(hook).__name__}")
        table = self._hook_table()
        handle = RemovableHandle(table)
        table[handle._key] = hook
        return handle

    def _hook_table(self):
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            return self._hooks
        node = self.grad_fn
        if node._thooks is None:
            node._thooks = {}
        entry = node._thooks.get(self._output_nr)
        if entry is None:
            entry = node._thooks[self._output_nr] = [{}, None]
        return entry[0]

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward (a no-op on leaves)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref
        self._hook_table()
        self.grad_fn._thooks[self._output_nr][1] = weakref.ref(self)
        self._retains_grad = True


def _rebuild(cls, array, requires_grad, device=None):
    dev = cpu
    if device is not None:           # a GPU tensor comes back on its GPU (the same index)
        dev = as_device(device)
        array = transfer(array, cpu, dev)
    t = _init(_new(cls), array, dev)
    t._requires_grad = requires_grad
    return t


def make(arr, dev=cpu):
    """A new leaf tensor owning ``arr`` (the hot-path constructor used by every op)."""
    if arr.__class__ is not _ndarray:
        arr = _as_array(arr)
    return _init(_new(Tensor), arr, dev)


def _init(t, arr, dev):
    t._array = arr
    t._device = dev
    t._requires_grad = False
    t.grad_fn = None
    t._grad = None
    t._output_nr = 0
    t._vc = [0]
    t._base = None
    t._hooks = None
    t._retains_grad = False
    return t


def _warn_nonleaf_grad():
    # PyTorch's warning: the commonest "why is my gradient None" is reading .grad of an intermediate result
    import warnings
    warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                  "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                  "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
                  "by mistake, make sure you access the leaf Tensor instead.", UserWarning, stacklevel=3)


def _as_array(arr):
    # NumPy ufuncs and reductions return scalars for 0-d results; a Tensor always holds an array
    if isinstance(arr, np.generic):
        return np.asarray(arr)
    if isinstance(arr, np.ndarray):       # an ndarray subclass (np.matrix, memmap): keep plain ndarray
        return arr.view(np.ndarray)
    return arr                            # another backend's array (cupy)


def make_view(arr, src, detach=False):
    """A tensor whose array views ``src``'s storage: it shares ``src``'s version counter."""
    t = _init(_new(Tensor), arr, src._device)
    t._vc = src._vc
    if not detach:
        t._base = src._base if src._base is not None else src
    return t


def edge(t):
    """The graph edge that gradients for tensor ``t`` flow along (``None`` if it needs none)."""
    fn = t.grad_fn
    if fn is not None:
        return fn if t._output_nr == 0 else OutputEdge(fn, t._output_nr)
    return t if t._requires_grad else None


def _norm_dim(dim, ndim):
    n = ndim if ndim else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def recording(*tensors):
    """Whether an op on ``tensors`` must record a graph node."""
    if not _grad_state.enabled:
        return False
    for t in tensors:
        if t._requires_grad:
            return True
    return False


from .autograd import engine as _engine  # noqa: E402  (the engine imports this module)
