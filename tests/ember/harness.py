"""Table-driven op tests: one ``Op`` spec per op generates forward, backward and gradcheck tests.

A spec's ``fn(m, *inputs)`` is written once against the PyTorch API and run with ``m = ember`` and
``m = torch`` (the oracle), so each op is checked against PyTorch 2.13 CPU on every case, in float32
and float64, on every device in ``DEVICES`` (CUDA cases skip, with the reason, where ember has no GPU).

    SPECS = [Op("exp", lambda m, x: m.exp(x), UNARY_SHAPES)]
    test_forward, test_backward, test_gradcheck = op_tests(SPECS)
"""
import contextlib
import dataclasses
import zlib

import numpy as np
import pytest
import torch

import ember
from tests.ember.fake_cuda import installed

torch.set_num_threads(1)


def _cuda_reason():
    if ember.cuda.is_available():
        return None
    try:
        ember.zeros(1, device="cuda")
    except RuntimeError as e:
        return str(e)
    return "no GPU"


_CUDA_SKIP = _cuda_reason()
# "cuda" runs on a real GPU; "fake_cuda" runs the same cases on the NumPy-backed fake backend
# (tests/ember/fake_cuda.py), which enforces CuPy's rules, wherever there is no GPU (CI)
DEVICES = [pytest.param("cpu", id="cpu"),
           pytest.param("cuda", id="cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(
               _CUDA_SKIP is not None, reason=f"no GPU backend: {_CUDA_SKIP}")]),
           pytest.param("fake_cuda", id="fake_cuda",
                        marks=pytest.mark.skipif(_CUDA_SKIP is None, reason="a GPU is present: the cuda cases run"))]


@contextlib.contextmanager
def on_device(device):
    """The device string for ember (``fake_cuda`` runs as ``cuda`` with the fake backend installed). It is
    also ember's default device meanwhile, so helper tensors a spec makes (``m.tensor([0, 2])``) land there,
    as they would with ``torch.set_default_device``."""
    with installed() if device == "fake_cuda" else contextlib.nullcontext():
        dev = "cuda" if device == "fake_cuda" else device
        ember.set_default_device(dev)
        try:
            yield dev
        finally:
            ember.set_default_device("cpu")


TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-9, atol=1e-10)}
# on a GPU, reductions sum in another order and CUDA's math library differs from the host's by an ulp or two
GPU_TOL = {"float32": dict(rtol=3e-4, atol=3e-5), "float64": dict(rtol=1e-8, atol=1e-10)}


@dataclasses.dataclass
class Op:
    name: str
    fn: object                   # fn(m, *inputs) with m = ember or torch
    cases: list                  # each case: a tuple of input shapes (a bare shape means one input)
    domain: object = None        # callable(np.ndarray, index) -> valid inputs (e.g. positive for log)
    grad: bool = True            # differentiable: backward and gradcheck tests
    gradcheck: bool = True
    tol: dict = None             # overrides per dtype name
    dtypes: tuple = ("float32", "float64")
    int_inputs: tuple = ()       # indices of inputs that are int64 index tensors (not differentiated)
    const_inputs: tuple = ()     # indices of float inputs that never require grad (class weights...)
    make_int: object = None      # callable(shape, case, index, rng) -> int array for those inputs
    eps: float = 1e-6
    # callable(torch, case, part) -> a reason when this machine's PyTorch is known to get the case's "forward"
    # or "backward" wrong (the GPU image's 2.11 has bugs 2.13 fixed): that comparison is skipped saying so
    oracle_bug: object = None

    def shapes(self, case):
        return case if case and isinstance(case[0], tuple) else (case,)


def _seed(*parts):
    return zlib.crc32(repr(parts).encode())


def inputs(spec, case, dtype, rng=None):
    """NumPy arrays for one case (float inputs in ``dtype``, index inputs int64)."""
    rng = rng or np.random.default_rng(_seed(spec.name, case, dtype))
    arrays = []
    for i, shape in enumerate(spec.shapes(case)):
        if i in spec.int_inputs:
            arrays.append(spec.make_int(shape, case, i, rng).astype(np.int64))
            continue
        a = rng.standard_normal(shape)
        if spec.domain is not None:
            a = spec.domain(a, i)
        arrays.append(np.asarray(a, dtype=dtype))
    return arrays


def _tensors(lib, arrays, spec, device, requires_grad):
    out = []
    for i, a in enumerate(arrays):
        rg = requires_grad and i not in spec.int_inputs and i not in spec.const_inputs
        if lib is torch:
            out.append(torch.tensor(a, requires_grad=rg))
        else:
            out.append(ember.tensor(a, device=device, requires_grad=rg))
    return out


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return [r for r in result if isinstance(r, (torch.Tensor, ember.Tensor))]
    return [result]


def as_numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy(force=True)      # force: a second derivative may be one of PyTorch's ZeroTensors
    return np.asarray(t.detach().cpu().numpy())


def assert_close(actual, expected, dtype, tol=None, what=""):
    on_gpu = isinstance(actual, ember.Tensor) and actual.is_cuda and not ember.cuda.get_device_name().startswith(
        "Fake")
    kw = dict((GPU_TOL if on_gpu else TOL)[dtype])
    if tol and dtype in tol:
        kw.update(tol[dtype])
    a, e = as_numpy(actual), as_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch {e.shape}"
    np.testing.assert_allclose(a.astype(np.float64) if a.dtype != bool else a,
                               e.astype(np.float64) if e.dtype != bool else e, err_msg=what, equal_nan=True, **kw)


def _skip_if_oracle_wrong(spec, case, part):
    reason = spec.oracle_bug and spec.oracle_bug(torch, case, part)
    if reason:
        pytest.skip(f"PyTorch {torch.__version__} {reason}: no oracle for this case here (CI's 2.13 checks it)")


def check_forward(spec, case, dtype, device):
    _skip_if_oracle_wrong(spec, case, "forward")
    arrays = inputs(spec, case, dtype)
    got = _outputs(spec.fn(ember, *_tensors(ember, arrays, spec, device, False)))
    want = _outputs(spec.fn(torch, *_tensors(torch, arrays, spec, device, False)))
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert str(g.dtype).replace("ember.", "") == str(w.dtype).replace("torch.", ""), \
            f"output {k} dtype {g.dtype} != torch {w.dtype}"
        assert_close(g, w, dtype, spec.tol, f"{spec.name} output {k}")


def check_backward(spec, case, dtype, device):
    _skip_if_oracle_wrong(spec, case, "backward")
    arrays = inputs(spec, case, dtype)
    et = _tensors(ember, arrays, spec, device, True)
    tt = _tensors(torch, arrays, spec, device, True)
    eo, to = _outputs(spec.fn(ember, *et)), _outputs(spec.fn(torch, *tt))
    rng = np.random.default_rng(_seed("upstream", spec.name, case))
    pairs = [(e, t) for e, t in zip(eo, to) if t.requires_grad]
    assert pairs, f"{spec.name}: torch output needs no grad; mark the spec grad=False"
    seeds = [rng.standard_normal(t.shape).astype(dtype) for _, t in pairs]
    ember.autograd.backward([e for e, _ in pairs], [ember.tensor(s, device=device) for s in seeds])
    torch.autograd.backward([t for _, t in pairs], [torch.tensor(s) for s in seeds])
    for i, (e, t) in enumerate(zip(et, tt)):
        if not t.requires_grad:
            continue
        if t.grad is None:
            assert e.grad is None or not as_numpy(e.grad).any(), f"{spec.name}: input {i} got a gradient"
            continue
        assert e.grad is not None, f"{spec.name}: input {i} got no gradient"
        assert e.grad.dtype == e.dtype and e.grad.shape == e.shape
        assert_close(e.grad, t.grad, dtype, spec.tol, f"{spec.name} grad of input {i}")


def check_gradcheck(spec, case, device):
    arrays = inputs(spec, case, "float64")
    et = _tensors(ember, arrays, spec, device, True)
    assert ember.autograd.gradcheck(lambda *xs: spec.fn(ember, *xs), et, eps=spec.eps, atol=1e-5, rtol=1e-4)


def check_gradgrad(spec, case, device):
    """Second derivatives through ``create_graph=True`` against PyTorch's: the gradient of a random weighted sum
    of the first gradients, with respect to the inputs and to the upstream gradients (what PyTorch's
    gradgradcheck differentiates), in float64. An op ember has no double backward for is skipped, saying so."""
    _skip_if_oracle_wrong(spec, case, "backward")
    arrays = inputs(spec, case, "float64")
    results = []
    for lib in (ember, torch):
        rng = np.random.default_rng(_seed("gradgrad", spec.name, case))
        xs = _tensors(lib, arrays, spec, device, True)
        outs = [o for o in _outputs(spec.fn(lib, *xs)) if o.requires_grad]
        new = (lambda a: torch.tensor(a, requires_grad=True)) if lib is torch else \
            (lambda a: ember.tensor(a, device=device, requires_grad=True))
        seeds = [new(rng.standard_normal(tuple(o.shape))) for o in outs]
        diff = [x for x in xs if x.requires_grad]
        try:
            firsts = lib.autograd.grad(outs, diff, seeds, create_graph=True, allow_unused=True)
        except NotImplementedError as e:
            if lib is torch:
                raise
            pytest.skip(f"no double backward in ember: {str(e).split(' (')[0]}")
        weights = [rng.standard_normal(tuple(x.shape)) for x in diff]
        terms = [(f * (torch.tensor(w) if lib is torch else ember.tensor(w, device=device))).sum()
                 for f, w in zip(firsts, weights) if f is not None and f.requires_grad]
        if not terms:
            results.append([None] * (len(diff) + len(seeds)))
            continue
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        try:
            results.append(lib.autograd.grad(total, diff + seeds, allow_unused=True))
        except RuntimeError as e:
            if lib is torch and "is not implemented" in str(e):
                pytest.skip(f"PyTorch has no double backward here either: {e}")
            raise
    for i, (e, t) in enumerate(zip(*results)):
        what = f"{spec.name}: second derivative w.r.t. {'input' if i < len(results[0]) - len(seeds) else 'seed'} {i}"
        if t is None or e is None:          # no graph on one side is a zero derivative (relu's second, say)
            for side in (e, t):
                assert side is None or not as_numpy(side).any(), f"{what} should be zero: {as_numpy(side).ravel()[:4]}"
        else:
            assert_close(e, t, "float64", spec.tol, what)


def _ids(specs, flag=None):
    out = []
    for s in specs:
        if flag and not getattr(s, flag):
            continue
        for i, c in enumerate(s.cases):
            out.append(pytest.param(s, c, id=f"{s.name}-{i}"))
    return out


def op_tests(specs):
    """The four parametrised test functions for a list of specs."""
    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize("dtype", ["float32", "float64"])
    @pytest.mark.parametrize("spec,case", _ids(specs))
    def test_forward(spec, case, dtype, device):
        if dtype not in spec.dtypes:
            pytest.skip(f"{spec.name} is not defined for {dtype}")
        with on_device(device) as dev:
            check_forward(spec, case, dtype, dev)

    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize("dtype", ["float32", "float64"])
    @pytest.mark.parametrize("spec,case", _ids(specs, "grad"))
    def test_backward(spec, case, dtype, device):
        if dtype not in spec.dtypes:
            pytest.skip(f"{spec.name} is not defined for {dtype}")
        with on_device(device) as dev:
            check_backward(spec, case, dtype, dev)

    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize("spec,case", [p for p in _ids(specs, "grad") if p.values[0].gradcheck])
    def test_gradcheck(spec, case, device):
        with on_device(device) as dev:
            check_gradcheck(spec, case, dev)

    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize("spec,case", _ids(specs, "grad"))
    def test_gradgrad(spec, case, device):
        if "float64" not in spec.dtypes:
            pytest.skip(f"{spec.name} is not defined for float64")
        with on_device(device) as dev:
            check_gradgrad(spec, case, dev)

    return test_forward, test_backward, test_gradcheck, test_gradgrad


def nn_functional(m):
    """``torch.nn.functional`` or ember's counterpart, ``ember.ops.nn_ops``."""
    from ember.ops import nn_ops
    return torch.nn.functional if m is torch else nn_ops


# ---- common domains and shape sets -----------------------------------------------------------------------

def positive(a, i):
    return np.abs(a) + 0.5


def away_from_zero(a, i):
    return np.where(a >= 0, a + 0.5, a - 0.5)


def unit_interval(a, i):
    return np.tanh(a) * 0.9


UNARY_SHAPES = [(3, 4), (), (2, 3, 4), (0, 3)]
BINARY_SHAPES = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((), ()), ((0, 3), (3,)),
                 ((2, 1, 3), (4, 1))]
