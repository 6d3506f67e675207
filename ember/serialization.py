"""``ember.save`` / ``ember.load``: tensors, state dicts and nested containers in a safe file format.

No pickle: loading a file only ever parses JSON and copies raw bytes into arrays, so an untrusted file cannot
run code. Layout (all integers little-endian)::

    8 bytes   magic b"EMBER\\x00v1"
    8 bytes   header length H (uint64)
    H bytes   UTF-8 JSON header: {"format": "ember", "version": 1, "tensors": [...], "root": <node>}
    padding   to a multiple of 64 bytes
    data      each tensor's bytes (C order, little-endian) at its "offset" from the start of this region

A tensor entry is ``{"dtype", "shape", "offset", "nbytes", "device", "requires_grad", "parameter"}``. A node
is JSON null/true/false/number/string, or ``{"t": "tensor", "i": n}``, ``{"t": "list"|"tuple", "items":
[...]}``, ``{"t": "dict"|"odict", "items": [[key, value], ...]}`` (keys are nodes of primitive type),
``{"t": "dtype", "name": ...}`` or ``{"t": "device", "name": ...}``. A tensor saved twice in one object is
stored once and loads as one tensor. Every field is validated against the real file size before anything is
allocated; a damaged or hostile file raises ``ember.serialization.UnsafeFileError`` (a ``ValueError``).
"""
import json
import os
from collections import OrderedDict

import numpy as np

from . import dtypes as _dt
from ._tensor import Tensor, make
from .backend import as_device, device as _device

__all__ = ["save", "load", "UnsafeFileError"]

MAGIC = b"EMBER\x00v1"
_ALIGN = 64
_MAX_HEADER = 256 << 20
_MAX_DEPTH = 100
_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"}


class UnsafeFileError(ValueError):
    """The file is not a valid ember file (damaged, truncated, hostile, or another format)."""


# ---- save ----------------------------------------------------------------------------------------------------

class _Writer:
    def __init__(self):
        self.entries = []
        self.arrays = []
        self.index = {}
        self.size = 0
        self.active = set()

    def tensor(self, t):
        i = self.index.get(id(t))
        if i is None:
            from .nn.parameter import Parameter
            arr = t._array if t._device.type == "cpu" else t.detach().cpu()._array
            # C order, little-endian (np.ascontiguousarray would turn a 0-d array into 1-d)
            arr = np.asarray(arr, dtype=arr.dtype.newbyteorder("<"), order="C")
            self.size = -(-self.size // _ALIGN) * _ALIGN
            i = self.index[id(t)] = len(self.entries)
            self.entries.append({"dtype": _dt._BY_NP[t._array.dtype].name, "shape": list(arr.shape),
                                 "offset": self.size, "nbytes": arr.nbytes, "device": str(t._device),
                                 "requires_grad": bool(t.requires_grad), "parameter": isinstance(t, Parameter)})
            self.arrays.append(arr)
            self.size += arr.nbytes
        return {"t": "tensor", "i": i}

    def node(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, float)):
            return obj.item() if isinstance(obj, np.generic) else obj
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return obj.item()
        if isinstance(obj, Tensor):
            if obj.grad_fn is not None:
                obj = obj.detach()
            return self.tensor(obj)
        if isinstance(obj, _dt.dtype):
            return {"t": "dtype", "name": obj.name}
        if isinstance(obj, _device):
            return {"t": "device", "name": str(obj)}
        if isinstance(obj, (list, tuple, dict)):
            if id(obj) in self.active:
                raise ValueError("ember.save: cannot save a container that contains itself")
            self.active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    return {"t": "odict" if isinstance(obj, OrderedDict) else "dict",
                            "items": [[self.key(k), self.node(v)] for k, v in obj.items()]}
                return {"t": "tuple" if isinstance(obj, tuple) else "list", "items": [self.node(v) for v in obj]}
            finally:
                self.active.discard(id(obj))
        hint = ""
        if hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict"):   # ember.save(model): a common habit
            hint = ("; save its weights instead: ember.save(model.state_dict(), path), then "
                    "load them into a new instance with model.load_state_dict(ember.load(path))")
        raise TypeError(f"ember.save: cannot save an object of type {type(obj).__name__}; ember files hold tensors, "
                        f"numbers, strings, None, dtypes, devices and lists/tuples/dicts of them (no pickle){hint}")

    def key(self, k):
        if k is None or isinstance(k, (bool, int, float, str)):
            return k
        if isinstance(k, tuple):
            return {"t": "tuple", "items": [self.key(v) for v in k]}
        raise TypeError(f"ember.save: dict keys must be strings, numbers, None or tuples of them, got "
                        f"{type(k).__name__}")


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    """Write ``obj`` (a tensor, a state dict, or nested lists/tuples/dicts of tensors and plain values) to ``f``,
    a path or a writable binary file. Writing to a path replaces the file atomically."""
    if pickle_module is not None:
        raise TypeError("ember.save does not use pickle; pickle_module is not supported")
    w = _Writer()
    root = w.node(obj)
    header = json.dumps({"format": "ember", "version": 1, "tensors": w.entries, "root": root},
                        separators=(",", ":")).encode()
    start = -(-(16 + len(header)) // _ALIGN) * _ALIGN

    def write(out):
        out.write(MAGIC)
        out.write(len(header).to_bytes(8, "little"))
        out.write(header)
        out.write(b"\x00" * (start - 16 - len(header)))
        pos = 0
        for entry, arr in zip(w.entries, w.arrays):
            out.write(b"\x00" * (entry["offset"] - pos))
            out.write(arr.reshape(-1).view(np.uint8))
            pos = entry["offset"] + entry["nbytes"]

    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        tmp = f"{path}.tmp-{os.getpid()}"
        try:
            with open(tmp, "wb") as out:
                write(out)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    else:
        write(f)


# ---- load ----------------------------------------------------------------------------------------------------

def _fail(msg):
    raise UnsafeFileError(f"ember.load: {msg}")


def _read_all(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read()
    if isinstance(f, (bytes, bytearray, memoryview)):
        raise TypeError("ember.load expects a path or a binary file; wrap bytes in io.BytesIO")
    data = f.read()
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("ember.load expects a file opened in binary mode ('rb')")
    return bytes(data)


def _parse_header(data):
    if len(data) < 16 or data[:8] != MAGIC:
        if data[:1] == b"\x80" or data[:4] == b"PK\x03\x04":
            _fail("this is not an ember file but a pickle or PyTorch (zip) checkpoint. ember never unpickles, "
                  "because unpickling an untrusted file can run arbitrary code. Load it with PyTorch and convert "
                  "each tensor (ember.tensor(t.numpy())), then ember.save the result.")
        _fail("not an ember file (bad magic bytes)" if len(data) >= 16 else "file is truncated (no header)")
    hlen = int.from_bytes(data[8:16], "little")
    if hlen > _MAX_HEADER or 16 + hlen > len(data):
        _fail(f"header length {hlen} exceeds the file ({len(data)} bytes): the file is truncated or damaged")
    try:
        header = json.loads(data[16:16 + hlen].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        _fail(f"the header is not valid JSON ({type(e).__name__})")
    if not isinstance(header, dict) or header.get("format") != "ember" or header.get("version") != 1:
        _fail("unsupported header (expected format 'ember', version 1)")
    if not isinstance(header.get("tensors"), list) or "root" not in header:
        _fail("the header lacks its tensor table or root object")
    return header, -(-(16 + hlen) // _ALIGN) * _ALIGN


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _check_entry(i, e, data_len):
    if not isinstance(e, dict):
        _fail(f"tensor {i}: entry is not an object")
    dtype, shape, offset, nbytes = e.get("dtype"), e.get("shape"), e.get("offset"), e.get("nbytes")
    if dtype not in _DTYPES:
        _fail(f"tensor {i}: unsupported dtype {dtype!r}")
    if not isinstance(shape, list) or len(shape) > 64 or not all(_is_int(s) and s >= 0 for s in shape):
        _fail(f"tensor {i}: invalid shape {shape!r}")
    if not (_is_int(offset) and _is_int(nbytes)) or offset < 0 or nbytes < 0:
        _fail(f"tensor {i}: invalid offset/nbytes")
    count = 1
    for s in shape:
        count *= s
    if count * np.dtype(_dt.as_dtype(dtype).np).itemsize != nbytes:
        _fail(f"tensor {i}: shape {shape} and dtype {dtype} need {count} elements, which does not match its "
              f"declared {nbytes} bytes")
    if offset + nbytes > data_len:
        _fail(f"tensor {i}: bytes {offset}..{offset + nbytes} lie outside the data region ({data_len} bytes): the "
              "file is truncated or damaged")
    if not isinstance(e.get("device", "cpu"), str) or not isinstance(e.get("requires_grad", False), bool) or \
            not isinstance(e.get("parameter", False), bool):
        _fail(f"tensor {i}: invalid device/requires_grad/parameter field")
    return count


def _target_device(saved, map_location):
    try:
        src = _device(saved)
    except (RuntimeError, TypeError, ValueError):
        _fail(f"invalid device {saved!r}")
    if map_location is None:
        target = src
    elif isinstance(map_location, dict):
        target = map_location.get(str(src), src)
    elif callable(map_location):
        return None                      # applied to the tensor afterwards
    else:
        target = map_location
    try:
        return as_device(target)
    except RuntimeError as e:
        raise RuntimeError(f"ember.load: the file holds tensors saved on {src}, which is not available here ({e}). "
                           "Pass map_location='cpu' to load them on the CPU.") from None


class _Reader:
    def __init__(self, data, header, start, map_location):
        self.data, self.start, self.map_location = data, start, map_location
        self.entries = header["tensors"]
        self.tensors = {}
        for i, e in enumerate(self.entries):
            _check_entry(i, e, len(data) - start)

    def tensor(self, i):
        if not _is_int(i) or not 0 <= i < len(self.entries):
            _fail(f"reference to tensor {i!r}, but the file has {len(self.entries)}")
        t = self.tensors.get(i)
        if t is not None:
            return t
        e = self.entries[i]
        dt = _dt.as_dtype(e["dtype"]).np
        raw = np.uint8 if dt == np.bool_ else dt.newbyteorder("<")
        count = e["nbytes"] // np.dtype(raw).itemsize
        arr = np.frombuffer(self.data, raw, count, self.start + e["offset"]).reshape(e["shape"])
        arr = (arr != 0) if dt == np.bool_ else arr.astype(dt)       # a native, writable copy
        saved_device = e.get("device", "cpu")
        dev = _target_device(saved_device, self.map_location)
        t = make(arr)
        if callable(self.map_location) and not isinstance(self.map_location, dict):
            t = self.map_location(t, saved_device)
            if not isinstance(t, Tensor):
                raise TypeError("ember.load: map_location returned a non-Tensor")
        elif dev is not t._device:
            t = t.to(dev)
        if e.get("parameter"):
            from .nn.parameter import Parameter
            t = Parameter(t, requires_grad=e.get("requires_grad", True))
        elif e.get("requires_grad"):
            t.requires_grad_(True)
        self.tensors[i] = t
        return t

    def node(self, n, depth=0):
        if depth > _MAX_DEPTH:
            _fail(f"objects nested deeper than {_MAX_DEPTH} levels")
        if n is None or isinstance(n, (bool, int, float, str)):
            return n
        if not isinstance(n, dict):
            _fail(f"unexpected {type(n).__name__} in the object tree")
        kind = n.get("t")
        if kind == "tensor":
            return self.tensor(n.get("i"))
        if kind in ("list", "tuple"):
            items = n.get("items")
            if not isinstance(items, list):
                _fail(f"{kind} without items")
            values = [self.node(v, depth + 1) for v in items]
            return tuple(values) if kind == "tuple" else values
        if kind in ("dict", "odict"):
            items = n.get("items")
            if not isinstance(items, list) or not all(isinstance(p, list) and len(p) == 2 for p in items):
                _fail("dict items must be [key, value] pairs")
            out = OrderedDict() if kind == "odict" else {}
            for k, v in items:
                out[self.key(k, depth + 1)] = self.node(v, depth + 1)
            return out
        if kind == "dtype":
            if n.get("name") not in _DTYPES:
                _fail(f"unknown dtype {n.get('name')!r}")
            return _dt.as_dtype(n["name"])
        if kind == "device":
            name = n.get("name")
            try:
                return _device(name)
            except (RuntimeError, TypeError, ValueError):
                _fail(f"invalid device {name!r}")
        _fail(f"unknown node type {kind!r}")

    def key(self, k, depth):
        if k is None or isinstance(k, (bool, int, float, str)):
            return k
        if isinstance(k, dict) and k.get("t") == "tuple" and isinstance(k.get("items"), list) and depth < _MAX_DEPTH:
            return tuple(self.key(v, depth + 1) for v in k["items"])
        _fail("dict keys must be strings, numbers, None or tuples of them")


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None):
    """Read what ``ember.save`` wrote, from a path or a readable binary file.

    ``map_location`` puts the tensors on another device: ``"cpu"``, an ``ember.device``, a dict mapping saved
    device names to new ones (``{"cuda:0": "cpu"}``), or a callable ``fn(tensor, saved_device_name)`` returning
    the tensor to use. ``weights_only`` is accepted for compatibility: ember files hold data only, always.
    """
    if pickle_module is not None:
        raise TypeError("ember.load never unpickles; pickle_module is not supported")
    data = _read_all(f)
    header, start = _parse_header(data)
    if start > len(data) and header["tensors"]:
        _fail("file is truncated (no data region)")
    return _Reader(data, header, start, map_location).node(header["root"])

