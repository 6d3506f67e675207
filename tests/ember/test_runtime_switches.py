"""The device and reproducibility boilerplate of PyTorch programs: ``accelerator``, ``backends``,
``use_deterministic_algorithms``, thread and precision settings, ``compile`` and module constants."""
import math

import pytest
import torch

import ember
import ember.backends.cudnn as cudnn


def test_tutorial_device_line_picks_what_is_there():
    device = ember.accelerator.current_accelerator().type if ember.accelerator.is_available() else "cpu"
    assert device == ("cuda" if ember.cuda.is_available() else "cpu")
    assert ember.accelerator.device_count() == ember.cuda.device_count()
    if not ember.accelerator.is_available():
        assert ember.accelerator.current_accelerator() is None
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available."):
            ember.accelerator.current_device_index()
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available."):
            ember.accelerator.synchronize()


def test_backends_flags_and_availability():
    assert ember.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert not ember.backends.mps.is_built()
    old = cudnn.deterministic, cudnn.benchmark
    try:
        cudnn.deterministic, cudnn.benchmark = True, False
        assert ember.backends.cudnn.deterministic and not ember.backends.cudnn.benchmark
    finally:
        cudnn.deterministic, cudnn.benchmark = old
    assert cudnn.is_available() == (ember.cuda.is_available() and ember.cuda.cudnn_available())
    if not cudnn.is_available():
        assert cudnn.version() is None
    ember.backends.cuda.matmul.allow_tf32 = False
    assert ember.backends.cuda.matmul.allow_tf32 is False


def test_use_deterministic_algorithms_round_trips():
    assert not ember.are_deterministic_algorithms_enabled()
    ember.use_deterministic_algorithms(True, warn_only=True)
    try:
        assert ember.are_deterministic_algorithms_enabled()
        assert ember.is_deterministic_algorithms_warn_only_enabled()
    finally:
        ember.use_deterministic_algorithms(False)
    assert not ember.are_deterministic_algorithms_enabled()
    with pytest.raises(TypeError, match="must be bool"):
        ember.use_deterministic_algorithms("yes")


def test_thread_count_and_matmul_precision():
    n = ember.get_num_threads()
    assert isinstance(n, int) and n >= 1
    ember.set_num_threads(1)
    try:
        pytest.importorskip("threadpoolctl")
        assert ember.get_num_threads() == 1
    finally:
        ember.set_num_threads(n)
    with pytest.raises(RuntimeError, match="positive integer"):
        ember.set_num_threads(0)
    assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    ember.set_float32_matmul_precision("high")
    try:
        assert ember.get_float32_matmul_precision() == "high"
    finally:
        ember.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="Invalid precision"):
        ember.set_float32_matmul_precision("low")


def test_compile_runs_eagerly_with_the_same_results():
    model = ember.nn.Linear(3, 2)
    assert ember.compile(model) is model
    assert ember.compile(model, mode="max-autotune")(ember.ones(1, 3)).shape == (1, 2)

    @ember.compile
    def f(x):
        return x * 2

    @ember.compile(fullgraph=True)
    def g(x):
        return x + 1

    assert f(ember.ones(2)).tolist() == [2.0, 2.0] and g(ember.ones(1)).tolist() == [2.0]
    with pytest.raises(RuntimeError, match="must be a callable"):
        ember.compile(3)


def test_constants_and_memory_formats():
    assert (ember.pi, ember.e, ember.inf) == (torch.pi, torch.e, torch.inf) == (math.pi, math.e, math.inf)
    assert math.isnan(ember.nan) and ember.newaxis is None
    assert ember.ones(2, 3)[:, ember.newaxis].shape == (2, 1, 3)
    assert repr(ember.channels_last) == "ember.channels_last" and repr(torch.channels_last) == "torch.channels_last"
    x = ember.arange(24.0).reshape(1, 2, 3, 4)
    for fmt in (ember.channels_last, ember.contiguous_format, ember.preserve_format):
        assert x.to(memory_format=fmt).tolist() == x.tolist()
        assert x.contiguous(memory_format=fmt).tolist() == x.tolist()
        assert x.clone(memory_format=fmt).tolist() == x.tolist()


def test_version_module():
    assert ember.version.__version__ == ember.__version__
    assert ember.version.cuda is None or isinstance(ember.version.cuda, str)
    if not ember.cuda.is_available():
        assert ember.version.cuda is None
