"""``ember.testing.assert_close``: PyTorch's tensor comparison for tests and exercises, with its default
tolerances per dtype, its checks (shape, dtype, device) and its failure messages."""
import collections.abc
import math

import numpy as np

from . import dtypes as _dt

__all__ = ["assert_close"]

# PyTorch's defaults: (rtol, atol) per dtype; integers and bools compare exactly
_TOLERANCES = {_dt.float16: (1e-3, 1e-5), _dt.float32: (1.3e-6, 1e-5), _dt.float64: (1e-7, 1e-7)}


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` (tensors, NumPy arrays, numbers, or sequences
    and mappings of them) agree: same shape, dtype and device, and ``|a - e| <= atol + rtol * |e|`` elementwise."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'atol' if atol is None else 'rtol'}.")
    _compare(actual, expected, (), dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
                                        check_dtype=check_dtype, check_stride=check_stride), msg)


def _fail(text, path, msg):
    if path:
        text += "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)
    if msg is not None:
        text = msg(text) if callable(msg) else msg
    raise AssertionError(text)


def _is_tensor_like(x):
    from ._tensor import Tensor
    return isinstance(x, (Tensor, np.ndarray))


def _compare(actual, expected, path, opts, msg):
    if _is_tensor_like(actual) and _is_tensor_like(expected):
        return _tensors(actual, expected, path, opts, msg)
    number = (bool, int, float, np.number, np.bool_)
    if isinstance(actual, number) and isinstance(expected, number):
        return _scalars(actual, expected, path, opts, msg)
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        if set(actual) != set(expected):
            missing = sorted(set(expected) - set(actual), key=repr)
            extra = sorted(set(actual) - set(expected), key=repr)
            _fail(f"The keys of the mappings do not match:\nMissing keys in the actual mapping: {missing}\n"
                  f"Additional keys in the actual mapping: {extra}", path, msg)
        for k in expected:
            _compare(actual[k], expected[k], path + (k,), opts, msg)
        return
    seq = (list, tuple)
    if isinstance(actual, seq) and isinstance(expected, seq):
        if len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path, msg)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + (i,), opts, msg)
        return
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def _tolerances(dtype, opts):
    if opts["rtol"] is not None:
        return opts["rtol"], opts["atol"]
    return _TOLERANCES.get(dtype, (0.0, 0.0))


def _tensors(actual, expected, path, opts, msg):
    from .creation import as_tensor
    a, e = as_tensor(actual), as_tensor(expected)
    for attr in ("shape", "dtype") if opts["check_dtype"] else ("shape",):
        if getattr(a, attr) != getattr(e, attr):
            _fail(f"The values for attribute '{attr}' do not match: {getattr(a, attr)} != {getattr(e, attr)}.",
                  path, msg)
    if opts["check_device"] and a.device != e.device:
        _fail(f"The values for attribute 'device' do not match: {a.device} != {e.device}.", path, msg)
    if opts["check_stride"] and a.stride() != e.stride():
        _fail(f"The values for attribute 'stride()' do not match: {a.stride()} != {e.stride()}.", path, msg)
    dtype = _dt.promote_types(a.dtype, e.dtype)
    x = a.detach().cpu().numpy().astype(dtype.np)
    y = e.detach().cpu().numpy().astype(dtype.np)
    rtol, atol = _tolerances(dtype, opts)
    if dtype.is_floating_point:
        ok = np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=opts["equal_nan"])
        abs_diff = np.abs(x - y)
    else:                       # integers and bools: exact, differences as int64
        x, y = x.astype(np.int64), y.astype(np.int64)
        ok = x == y
        abs_diff = np.abs(x - y)
    if ok.all():
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        ft = x.dtype if dtype.is_floating_point else np.float32      # PyTorch: integer differences in float32
        rel_diff = abs_diff.astype(ft) / np.abs(y).astype(ft)
    close = rtol != 0 or atol != 0
    lines = [f"Tensor-likes are not {'close' if close else 'equal'}!", "",
             f"Mismatched elements: {int((~ok).sum())} / {ok.size} ({100 * (~ok).sum() / ok.size:.1f}%)"]
    for what, diff, tol in (("absolute", abs_diff, atol), ("relative", rel_diff, rtol)):
        flat = diff.reshape(-1)
        nans = np.isnan(flat) if flat.dtype.kind == "f" else np.zeros(flat.shape, bool)
        i = int(np.argmax(nans)) if nans.any() else int(np.argmax(flat))
        index = tuple(int(j) for j in np.unravel_index(i, diff.shape))
        allowed = f" (up to {tol} allowed)" if close else ""
        lines.append(f"Greatest {what} difference: {flat[i].item()} at index {index}{allowed}")
    _fail("\n".join(lines), path, msg)


def _scalars(actual, expected, path, opts, msg):
    if opts["check_dtype"] and type(actual) is not type(expected) and not (
            isinstance(actual, (np.number, np.bool_)) or isinstance(expected, (np.number, np.bool_))):
        _fail(f"The values for attribute 'dtype' do not match: {type(actual)} != {type(expected)}.", path, msg)
    floating = isinstance(actual, (float, np.floating)) or isinstance(expected, (float, np.floating))
    rtol, atol = _tolerances(_dt.float64 if floating else _dt.int64, opts)
    a, e = float(actual), float(expected)
    equal_nan = opts["equal_nan"] and math.isnan(a) and math.isnan(e)
    if equal_nan or a == e or abs(a - e) <= atol + rtol * abs(e):
        return
    close = rtol != 0 or atol != 0
    abs_diff = abs(a - e) if floating else abs(int(actual) - int(expected))
    rel_diff = abs_diff / abs(e) if e else math.inf
    up = (lambda t: f" (up to {t} allowed)") if close else (lambda t: "")
    _fail(f"Scalars are not {'close' if close else 'equal'}!\n\nExpected {expected} but got {actual}.\n"
          f"Absolute difference: {abs_diff}{up(atol)}\nRelative difference: {rel_diff}{up(rtol)}", path, msg)
