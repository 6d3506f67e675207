"""GPU convolutions: the im2col GEMM path's kernels (and, for groups, the generic path's col2im kernel) against the
unfused array code, and the cuDNN path
(``cupyx.cudnn``'s interface; on the fake GPU a stand-in computing with PyTorch) against im2col."""
import numpy as np
import pytest
import torch

import ember
from ember.cuda import _fused_conv
from ember.nn import functional as F
from tests.ember.cuda.conftest import host, spy_on_kernels
from tests.ember.fake_cuda import FakeArray, FakeCudaBackend

CASES = [dict(), dict(stride=2), dict(padding=1), dict(padding=(2, 1), dilation=2), dict(stride=(2, 1), padding=1),
         dict(groups=2), dict(padding="same"), dict(stride=3, padding=2, dilation=(1, 2))]


def _conv_grads(x, w, b, **kw):
    xt = ember.tensor(x, device="cuda", requires_grad=True)
    wt = ember.tensor(w, device="cuda", requires_grad=True)
    bt = ember.tensor(b, device="cuda", requires_grad=True)
    out = F.conv2d(xt, wt, bt, **kw)
    (out * out).sum().backward()
    return host(out), host(xt.grad), host(wt.grad), host(bt.grad)


def _data(groups=1):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((2, 4, 9, 8)).astype(np.float32),
            rng.standard_normal((6, 4 // groups, 3, 3)).astype(np.float32), rng.standard_normal(6).astype(np.float32))


@pytest.mark.parametrize("kw", CASES)
def test_gpu_im2col_kernels_match_the_array_code(gpu, kw):
    if not getattr(ember.backend.cuda_backend(), "compiles_kernels", True):
        pytest.skip("this fake GPU cannot run kernels (no C++ compiler for the emulator)")
    x, w, b = _data(kw.get("groups", 1))
    prev_alg = ember.cuda.set_conv_algorithm("im2col")
    try:
        fused = _conv_grads(x, w, b, **kw)
        prev = ember.cuda.set_fused(False)
        try:
            plain = _conv_grads(x, w, b, **kw)
        finally:
            ember.cuda.set_fused(prev)
    finally:
        ember.cuda.set_conv_algorithm(prev_alg)
    for a, c in zip(fused, plain):       # float32 sums in another order (one GEMM over N*P against a batch)
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4)


@pytest.fixture
def conv_kernels(gpu):
    yield from spy_on_kernels(_fused_conv)


@pytest.mark.parametrize("kw", [c for c in CASES if "groups" not in c])
def test_im2col_gemm_path_exactly_in_float64_with_its_launches(conv_kernels, kw):
    calls = conv_kernels
    x, w, b = (a.astype(np.float64) for a in _data())
    prev_alg = ember.cuda.set_conv_algorithm("im2col")
    try:
        xt = ember.tensor(x, device="cuda").transpose(2, 3).contiguous().transpose(2, 3)    # strided input
        xt.requires_grad_()
        wt = ember.tensor(w, device="cuda", requires_grad=True)
        (F.conv2d(xt, wt, None, **kw) ** 2).sum().backward()
        assert calls == ["im2col_knp", "onp_to_nop", "nop_to_onp", "col2im_knp"]
    finally:
        ember.cuda.set_conv_algorithm(prev_alg)
    xc, wc = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    out = F.conv2d(xc, wc, None, **kw)
    (out ** 2).sum().backward()
    np.testing.assert_allclose(host(xt.grad), host(xc.grad), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(host(wt.grad), host(wc.grad), rtol=1e-10, atol=1e-10)


class TorchCudnn:
    """``cupyx.cudnn``'s convolution functions computed with PyTorch on the host, writing into fake-GPU arrays."""

    def __init__(self):
        self.calls = []

    @staticmethod
    def _t(a):
        return torch.from_numpy(a.get())

    def convolution_forward(self, x, W, b, y, pad, stride, dilation, groups, *, auto_tune, tensor_core):
        self.calls.append("forward")
        r = torch.nn.functional.conv2d(self._t(x), self._t(W), None if b is None else self._t(b), stride, pad,
                                       dilation, groups)
        y.set(r.numpy())

    def convolution_backward_data(self, W, x, b, y, pad, stride, dilation, groups, *, deterministic, auto_tune,
                                  tensor_core):
        self.calls.append("backward_data")
        assert b is None and isinstance(y, FakeArray)
        r = torch.nn.grad.conv2d_input(y.shape, self._t(W), self._t(x), stride, pad, dilation, groups)
        y.set(r.numpy())

    def convolution_backward_filter(self, x, gy, gW, pad, stride, dilation, groups, *, deterministic, auto_tune,
                                    tensor_core):
        self.calls.append("backward_filter")
        r = torch.nn.grad.conv2d_weight(self._t(x), gW.shape, self._t(gy), stride, pad, dilation, groups)
        gW.set(r.numpy())


@pytest.fixture
def fake_cudnn(gpu):
    if gpu != "fake":
        pytest.skip("the cuDNN stand-in is for the fake GPU (a real GPU uses CuPy's own, where present)")
    cudnn = TorchCudnn()
    FakeCudaBackend.cudnn_module = cudnn
    yield cudnn
    FakeCudaBackend.cudnn_module = None


@pytest.mark.parametrize("kw", [c for c in CASES if c.get("padding") != "same"])
def test_cudnn_path_matches_im2col(fake_cudnn, kw):
    x, w, b = _data(kw.get("groups", 1))
    assert ember.cuda.cudnn_available()
    prev = ember.cuda.set_conv_algorithm("cudnn")
    try:
        fused = _conv_grads(x, w, b, **kw)
        ember.cuda.set_conv_algorithm("im2col")
        plain = _conv_grads(x, w, b, **kw)
    finally:
        ember.cuda.set_conv_algorithm(prev)
    assert fake_cudnn.calls == ["forward", "backward_data", "backward_filter"]
    for a, c in zip(fused, plain):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4)


def test_cudnn_path_is_skipped_where_it_does_not_apply(fake_cudnn):
    x, w, b = _data()
    _conv_grads(x, w, b, padding="same")              # same padding of an odd kernel is symmetric: cuDNN
    assert fake_cudnn.calls[0] == "forward"
    fake_cudnn.calls.clear()
    _conv_grads(x, np.ones((6, 4, 2, 2), np.float32), b, padding="same")   # asymmetric: im2col
    prev = ember.cuda.set_conv_algorithm("im2col")
    try:
        _conv_grads(x, w, b)
    finally:
        ember.cuda.set_conv_algorithm(prev)
    assert fake_cudnn.calls == []
    with pytest.raises(ValueError, match="conv algorithm must be one of"):
        ember.cuda.set_conv_algorithm("winograd")


def test_without_cudnn_auto_means_im2col(gpu):
    if gpu == "fake":
        assert not ember.cuda.cudnn_available()
    x, w, b = _data()
    out = _conv_grads(x, w, b, padding=1)[0]
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=1)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-4, atol=1e-4)
