"""Indexing: ``__getitem__``/``__setitem__``, gather/scatter, index_select, masked ops, sort/topk.

Gradients of indexed reads are scatter-adds, so repeated indices accumulate (``scatter_rows`` sums
duplicate rows with one sort + ``add.reduceat`` instead of NumPy's slow ``add.at``).
"""
import numpy as np

from ..autograd.node import Node
from ._util import (Tensor, cuda_backend, edge, grad_state, is_array, make, make_view, new_node, norm_dim, record,
                    sum_to, writeable, xp_of)
from .numpy_names import numpy_names

__all__ = ["getitem", "setitem", "gather", "scatter", "scatter_add", "index_select", "masked_fill", "masked_select",
           "nonzero", "take", "scatter_rows", "index_add"]



def _check_index_array(a):
    if a.dtype.kind == "f":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return a


def _convert_index(idx, input=None):
    """A NumPy index from a PyTorch one; also says whether it is advanced (copies) or basic (views)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out, advanced = [], False
    for i in idx:
        if isinstance(i, Tensor):
            if input is not None and i._device is not input._device and i._device.type != "cpu":
                raise RuntimeError(f"indices should be either on cpu or on the same device as the indexed tensor "
                                   f"({input._device}), got indices on {i._device}")
            a = i._array
            if a.ndim == 0 and a.dtype.kind in "iu":
                out.append(int(a))
                continue
            out.append(_check_index_array(a))
            advanced = True
        elif isinstance(i, (list, range, np.ndarray)):     # x[range(n), y]: the nn tutorial's nll
            a = np.asarray(i)
            if a.dtype == object:
                a = np.asarray([int(v) for v in np.ravel(a)]).reshape(a.shape)
            if a.size == 0:
                a = a.astype(np.int64)
            out.append(_check_index_array(a))
            advanced = True
        elif isinstance(i, bool):
            out.append(i)
            advanced = True
        elif i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)):
            out.append(i)
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             f"valid indices (got {type(i).__name__})")
    return tuple(out), advanced


class SliceBackward0(Node):
    """Basic indexing (a view): the gradient is written into zeros at the same index."""
    __slots__ = ("shape", "index")
    _fresh = True

    def backward(self, g):
        out = xp_of(g).zeros(self.shape, g.dtype)
        out[self.index] = g
        return (out,)


class SelectBackward0(SliceBackward0):
    __slots__ = ()


class IndexBackward0(Node):
    """Advanced indexing (a copy): repeated indices accumulate."""
    __slots__ = ("shape", "index", "unique")
    _fresh = True

    def backward(self, g):
        out = xp_of(g).zeros(self.shape, g.dtype)
        if self.unique:
            out[self.index] = g
        else:
            _add_at(out, self.index, g)
        return (out,)


def _add_at(out, index, g):
    arrays = [i for i in index if is_array(i)]
    if len(index) == 1 and len(arrays) == 1 and arrays[0].dtype.kind in "iu":
        idx = arrays[0]
        scatter_rows(out, idx.reshape(-1), g.reshape((idx.size,) + out.shape[1:]))
    elif out.__class__ is np.ndarray:
        np.add.at(out, index, g)
    else:
        cuda_backend().scatter_add(out, index, g)


def _unique_index(index):
    # bool masks and slices never repeat an element; integer arrays may
    return all(not is_array(i) or i.dtype == np.bool_ for i in index)


def _index_error(e, idx, shape):
    """PyTorch's IndexError for a NumPy one: its message for a boolean mask of the wrong shape (a common slip,
    ``x[mask]`` with the mask of another tensor), else NumPy's with PyTorch's word for axes."""
    n_dims = sum(1 if not is_array(i) else (i.ndim if i.dtype == np.bool_ else 1)
                 for i in idx if i is not None and i is not Ellipsis and not isinstance(i, bool))
    pos = 0
    for i in idx:
        if i is None or isinstance(i, bool):
            continue
        if i is Ellipsis:
            pos += len(shape) - n_dims
            continue
        if is_array(i) and i.dtype == np.bool_:
            for j, size in enumerate(i.shape):
                if pos + j < len(shape) and size != shape[pos + j]:
                    return IndexError(f"The shape of the mask {list(i.shape)} at index {j} does not match the shape of "
                                      f"the indexed tensor {list(shape)} at index {pos + j}")
            pos += i.ndim
        else:
            pos += 1
    return IndexError(str(e).replace("axis", "dimension"))


def getitem(input, index):
    """``x[index]`` with ints, slices, None, Ellipsis, integer tensors/lists and bool masks."""
    x = input._array
    idx, advanced = _convert_index(index, input)
    try:
        r = x[idx]
    except IndexError as e:
        raise _index_error(e, idx, x.shape) from None
    if isinstance(r, np.generic):
        r = np.asarray(r)
        advanced = True       # a scalar result is a copy in NumPy (CuPy returns a 0-d view)
    if advanced:
        out = make(r, input._device)
    else:
        out = make_view(r, input)
    if grad_state.enabled and input._requires_grad:
        if advanced:
            n = new_node(IndexBackward0, (edge(input),))
            n.unique = _unique_index(idx)
        else:
            n = new_node(SelectBackward0 if any(isinstance(i, (int, np.integer)) for i in idx) else SliceBackward0,
                         (edge(input),))
        n.shape, n.index = x.shape, idx
        out.grad_fn = n
        out._requires_grad = True
    return out


def check_inplace(t, other=None):
    """Refuse in-place changes PyTorch refuses (leaf requiring grad) or ember cannot track (views)."""
    if not grad_state.enabled:
        return False
    if t._requires_grad and t.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    recording = t._requires_grad or (isinstance(other, Tensor) and other._requires_grad)
    if recording and t._base is not None:
        if t._base._requires_grad and t._base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        raise RuntimeError("ember does not record in-place operations on views of tensors in the graph (PyTorch "
                           "would rewrite the base's history); apply the op out of place, or clone() first")
    return recording


class CopySlices(Node):
    """Backward of ``x[index] = value``: ``x``'s old values get zero gradient where overwritten."""
    __slots__ = ("index", "vshape", "unique")
    _fresh = True

    def backward(self, g):
        nx, nv = self._next
        gx = gv = None
        if nx is not None:
            gx = g.copy()
            gx[self.index] = 0
        if nv is not None:
            xp = xp_of(g)
            gv = sum_to(xp.asarray(g[self.index]), self.vshape)
            if xp.may_share_memory(gv, g):       # basic indexing gave a view: the promise is a fresh array
                gv = gv.copy()
        return gx, gv


def setitem(input, index, value):
    """``x[index] = value`` in place (bumps the version counter; recorded in the graph when needed)."""
    x = input._array
    idx, _ = _convert_index(index, input)
    recording = check_inplace(input, value)
    v = value._array if isinstance(value, Tensor) else value
    if isinstance(value, Tensor) and value._device is not input._device:
        from ..backend import check_same_device
        check_same_device("index_put_", input._device, value._device)
    if x.__class__ is not np.ndarray and isinstance(v, (np.ndarray, list, tuple)):
        v = input._device.xp.asarray(v)          # host data: copy it to the device first
    try:
        x[idx] = v
    except IndexError as e:
        raise _index_error(e, idx, x.shape) from None
    except ValueError as e:
        if not writeable(x):
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.") \
                from None
        raise RuntimeError(f"shape mismatch in index assignment: {e}") from None
    input._vc[0] += 1
    if recording:
        n = new_node(CopySlices, (edge(input), edge(value) if isinstance(value, Tensor) else None))
        n.index = idx
        n.vshape = value._array.shape if isinstance(value, Tensor) else ()
        input.grad_fn = n
        input._output_nr = 0
        input._requires_grad = True


# ---- scatter-add kernel --------------------------------------------------------------------------------

def scatter_rows(out, idx, rows):
    """``out[idx[i]] += rows[i]`` for 1-D integer ``idx``, summing repeated indices (sort + reduceat)."""
    if idx.size == 0:
        return out
    if out.__class__ is not np.ndarray:          # CuPy: one atomic scatter-add kernel
        cuda_backend().scatter_add(out, idx, rows)
        return out
    if idx.size < 64 or rows.ndim == 1:
        np.add.at(out, idx, rows)
        return out
    order = np.argsort(idx, kind="stable")
    sidx = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], sidx[1:] != sidx[:-1])))
    sums = np.add.reduceat(rows[order], starts, axis=0)
    out[sidx[starts]] += sums
    return out


# ---- gather / scatter ----------------------------------------------------------------------------------

def _index_tensor(index, op):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): index must be a Tensor, got {type(index).__name__}")
    a = index._array
    if a.dtype != np.int64:
        if a.dtype.kind not in "iu":
            raise RuntimeError(f"{op}(): Expected dtype int64 for index")
        a = a.astype(np.int64)
    return a


def _check_gather_shapes(x, idx, d, op):
    if idx.ndim != x.ndim and not (idx.ndim <= 1 and x.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for i, (a, b) in enumerate(zip(idx.shape, x.shape)):
        if i != d and a > b:
            raise RuntimeError(f"Size does not match at dimension {i} expected index {list(idx.shape)} to be smaller "
                               f"than self {list(x.shape)} apart from dimension {d}")
    if idx.size and (idx.min() < -x.shape[d] or idx.max() >= x.shape[d]):
        raise IndexError(f"{op}(): index {int(idx.max() if idx.max() >= x.shape[d] else idx.min())} is out of bounds "
                         f"for dimension {d} with size {x.shape[d]}")


def _linear_scatter_index(shape, idx, d):
    """Flat positions in an array of ``shape`` addressed by ``idx`` along ``d`` (gather/scatter semantics)."""
    xp = xp_of(idx)
    stride = [1] * len(shape)
    for k in range(len(shape) - 2, -1, -1):
        stride[k] = stride[k + 1] * shape[k + 1]
    lin = (idx % shape[d]) * stride[d]
    for k, n in enumerate(idx.shape):
        if k != d and stride[k] and n > 1:
            lin = lin + xp.arange(n, dtype=np.int64).reshape((n,) + (1,) * (idx.ndim - k - 1)) * stride[k]
    return lin


class GatherBackward0(Node):
    __slots__ = ("shape", "idx", "dim")
    _saved = ("idx",)
    _fresh = True

    def backward(self, g):
        xp = xp_of(g)
        lin = _linear_scatter_index(self.shape, self.idx, self.dim).ravel()
        size = int(np.prod(self.shape))
        out = xp.bincount(lin, weights=g.ravel(), minlength=size)[:size] if lin.size else xp.zeros(size)
        return (out.astype(g.dtype, copy=False).reshape(self.shape),)


@numpy_names
def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j] = input[i][index[i][j]]`` (dim=1); ``index`` may be smaller than ``input`` off ``dim``."""
    x = input._array
    idx = _index_tensor(index, "gather")
    d = norm_dim(dim, x.ndim)
    if x.ndim == 0:
        return make(x.copy(), input._device)
    _check_gather_shapes(x, idx, d, "gather")
    sl = tuple(slice(0, s) if i != d else slice(None) for i, s in enumerate(idx.shape))
    r = xp_of(x).take_along_axis(x[sl], idx, axis=d)
    out = make(r, input._device)
    record(out, GatherBackward0, (input,), (), shape=x.shape, idx=idx, dim=d)
    return out


class ScatterAddBackward0(Node):
    __slots__ = ("idx", "dim", "src_shape")
    _saved = ("idx",)

    def backward(self, g):
        nx, ns = self._next
        gs = None
        if ns is not None:
            sl = tuple(slice(0, s) if i != self.dim else slice(None) for i, s in enumerate(self.idx.shape))
            xp = xp_of(g)
            gs = xp.zeros(self.src_shape, g.dtype)
            gs[tuple(slice(0, s) for s in self.idx.shape)] = xp.take_along_axis(g[sl], self.idx, axis=self.dim)
        return (g if nx is not None else None), gs


class ScatterBackward0(ScatterAddBackward0):
    __slots__ = ()

    def backward(self, g):
        gx, gs = ScatterAddBackward0.backward(self, g)
        if gx is not None:
            gx = g.copy()
            xp_of(g).put_along_axis(gx[tuple(slice(0, s) if i != self.dim else slice(None)
                                       for i, s in enumerate(self.idx.shape))], self.idx, 0, axis=self.dim)
        return gx, gs


def _scatter(input, dim, index, src, accumulate, reduce_name):
    x = input._array
    idx = _index_tensor(index, reduce_name)
    d = norm_dim(dim, x.ndim)
    src_t = src if isinstance(src, Tensor) else None
    xp = input._device.xp
    if src_t is not None and src_t._device is not input._device:
        from ..backend import check_same_device
        check_same_device(reduce_name, input._device, src_t._device)
    s = src._array if src_t is not None else xp.asarray(src, x.dtype)
    _check_gather_shapes(x, idx, d, reduce_name)
    if src_t is not None and any(a > b for a, b in zip(idx.shape, s.shape)):
        raise RuntimeError(f"Expected index {list(idx.shape)} to be smaller than self {list(x.shape)} apart from "
                           f"dimension {d} and to be smaller size than src {list(s.shape)}")
    vals = s[tuple(slice(0, n) for n in idx.shape)] if src_t is not None else xp.broadcast_to(s, idx.shape)
    r = x.copy()
    lin = _linear_scatter_index(x.shape, idx, d).ravel()
    if accumulate:
        size = x.size
        add = xp.bincount(lin, weights=vals.astype(np.float64).ravel(), minlength=size)[:size] if lin.size else \
            xp.zeros(size)
        r = (r.astype(np.float64) + add.reshape(x.shape)).astype(x.dtype) if x.dtype.kind != "f" else \
            r + add.reshape(x.shape).astype(x.dtype)
    else:
        r.reshape(-1)[lin] = vals.ravel()
    out = make(r, input._device)
    record(out, ScatterAddBackward0 if accumulate else ScatterBackward0, (input, src_t), (),
           idx=idx, dim=d, src_shape=s.shape)
    return out


def scatter_add(input, dim, index, src):
    """``out = input.clone(); out[index[i][j]][j] += src[i][j]`` (dim=0); repeated indices accumulate."""
    return _scatter(input, dim, index, src, True, "scatter_add")


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """``out[index[i][j]][j] = src[i][j]`` (dim=0); ``src`` may be a scalar ``value``."""
    if reduce is not None:
        if reduce != "add":
            raise NotImplementedError(f"scatter(reduce={reduce!r}) is not supported by ember")
        return scatter_add(input, dim, index, src if src is not None else value)
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter(): pass src (a tensor) or value (a number)")
    return _scatter(input, dim, index, src, False, "scatter")


def index_add(input, dim, index, source, *, alpha=1):
    """``out[..., index[i], ...] += alpha * source[..., i, ...]`` along ``dim``."""
    idx = _index_tensor(index, "index_add")
    x = input._array
    d = norm_dim(dim, x.ndim)
    shape = [1] * x.ndim
    shape[d] = idx.size
    xp = input._device.xp
    full = xp.broadcast_to(idx.reshape(shape), source._array.shape)
    src = source * alpha if alpha != 1 else source
    return scatter_add(input, d, make(xp.ascontiguousarray(full), input._device), src)


# ---- index_select / take -------------------------------------------------------------------------------

class IndexSelectBackward0(Node):
    __slots__ = ("shape", "idx", "dim")
    _saved = ("idx",)
    _fresh = True

    def backward(self, g):
        xp = xp_of(g)
        out = xp.zeros(self.shape, g.dtype)
        om = xp.moveaxis(out, self.dim, 0)
        scatter_rows(om, self.idx, xp.moveaxis(g, self.dim, 0))
        return (out,)


@numpy_names
def index_select(input, dim, index):
    """The entries of ``dim`` listed in the 1-D ``index`` (repeats allowed; gradients accumulate)."""
    x = input._array
    idx = _index_tensor(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    d = norm_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError("index out of range in self")
    r = xp_of(x).take(x, idx, axis=d) if x.ndim else x.reshape(1)[idx].reshape(())
    out = make(r, input._device)
    record(out, IndexSelectBackward0, (input,), (), shape=x.shape, idx=idx % n, dim=d)
    return out


def take(input, index):
    """Elements of the flattened ``input`` at ``index`` (any shape)."""
    return getitem(input.reshape(-1), index)


# ---- masked ops ----------------------------------------------------------------------------------------

class MaskedFillBackward0(Node):
    __slots__ = ("mask", "xshape")
    _saved = ("mask",)
    _fresh = True

    def backward(self, g):
        nx, nv = self._next
        m, xp = self.mask, xp_of(g)
        gx = sum_to(xp.where(m, 0, g).astype(g.dtype, copy=False), self.xshape) if nx is not None else None
        gv = xp.asarray(xp.where(m, g, 0).sum(), g.dtype) if nv is not None else None
        return gx, gv


def _mask_array(mask, op):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): mask must be a Tensor, got {type(mask).__name__}")
    m = mask._array
    if m.dtype != np.bool_:
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {mask.dtype}")
    return m


def masked_fill(input, mask, value):
    """``value`` where ``mask`` (broadcast) is True, else ``input``; ``value`` a number or 0-d tensor."""
    x = input._array
    m = _mask_array(mask, "masked_fill")
    if mask._device is not input._device:
        from ..backend import check_same_device
        check_same_device("masked_fill", input._device, mask._device)
    vt = value if isinstance(value, Tensor) else None
    if vt is not None:
        if vt._array.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{vt._array.ndim} dimension(s).")
        if vt._device is not input._device:
            from ..backend import check_same_device
            check_same_device("masked_fill", input._device, vt._device)
        v = vt._array.astype(x.dtype)
    else:
        if x.dtype.kind in "iub" and isinstance(value, float) and not float(value).is_integer():
            raise RuntimeError(f"value cannot be converted to type {input.dtype._short.lower()} without overflow")
        v = x.dtype.type(value)
    try:
        r = xp_of(x).where(m, v, x)
    except ValueError:
        raise RuntimeError(f"The size of the mask ({list(m.shape)}) must match the size of tensor "
                           f"({list(x.shape)}) it is broadcast against") from None
    if r.shape != x.shape:
        raise RuntimeError(f"masked_fill: the mask of shape {list(m.shape)} would broadcast the tensor of shape "
                           f"{list(x.shape)} to {list(r.shape)}")
    out = make(r, input._device)
    record(out, MaskedFillBackward0, (input, vt), (), mask=m, xshape=x.shape)
    return out


class MaskedSelectBackward0(Node):
    __slots__ = ("mask", "shape")
    _saved = ("mask",)
    _fresh = True

    def backward(self, g):
        xp = xp_of(g)
        m = xp.broadcast_to(self.mask, self.shape)
        out = xp.zeros(self.shape, g.dtype)
        out[m] = g
        return (out,)


def masked_select(input, mask):
    """The elements where ``mask`` is True, as a 1-D tensor."""
    m = _mask_array(mask, "masked_select")
    x = input._array
    shape = np.broadcast_shapes(x.shape, m.shape)
    if shape != x.shape:
        raise RuntimeError("masked_select: broadcasting the input to the mask's shape is not supported by ember")
    if mask._device is not input._device:
        from ..backend import check_same_device
        check_same_device("masked_select", input._device, mask._device)
    out = make(x[xp_of(x).broadcast_to(m, shape)], input._device)
    record(out, MaskedSelectBackward0, (input,), (), mask=m, shape=shape)
    return out


def nonzero(input, *, as_tuple=False):
    """Indices of non-zero elements: an ``(n, ndim)`` int64 tensor, or a tuple of 1-D tensors."""
    x = input._array
    xp = xp_of(x)
    nz = xp.nonzero(x) if x.ndim else xp.nonzero(x.reshape(1))
    if as_tuple:
        return tuple(make(a.astype(np.int64), input._device) for a in nz)
    return make(xp.stack(nz, axis=1).astype(np.int64) if x.ndim else xp.zeros((int(bool(x)), 0), np.int64),
                input._device)
