"""benchmarks/ember_gpu.py runs end to end: on the fake GPU, with PyTorch on the CPU and small sizes (the real
run is scripts/gpu_check.sh on a GPU machine)."""
import importlib.util
import json
from pathlib import Path

import pytest
import torch

import ember

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def bench(gpu, monkeypatch):
    if gpu != "fake":
        pytest.skip("on a GPU the script itself is the check")
    spec = importlib.util.spec_from_file_location("ember_gpu_bench", ROOT / "benchmarks" / "ember_gpu.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "TORCH_DEVICE", "cpu")
    monkeypatch.setattr(mod, "MATMUL_N", 64)
    monkeypatch.setattr(mod, "ADAM_WIDTH", 32)
    monkeypatch.setattr(mod, "MLP_BATCHES", {"mlp128": 8, "mlp8192": 16})
    monkeypatch.setattr(mod, "CNN_BATCH", 2)
    monkeypatch.setattr(mod, "BLOCK_SECONDS", 0.002)
    torch.set_num_threads(1)
    return mod


def test_every_workload_runs_and_the_table_reports_it(bench):
    results = bench.run(["mlp128", "mlp8192", "matmul", "adam", "cnn"], budget=3.0)
    assert all("error" not in r for r in results.values()), {k: r.get("error") for k, r in results.items()}
    for key, r in results.items():
        assert r["repeats"] >= 5 and r["ember"] > 0 and r["torch"] > 0, key
    assert results["adam"]["params"] == 32 * 32 * 2 + 32 * 12 + 32 * 2 + 12
    assert results["matmul"]["ember_tflops"] > 0 and "unfused_ms" in results["mlp128"]
    assert results["cnn"]["cudnn_available"] is False and "im2col_ms" in results["cnn"]
    text = bench.table(results)
    assert len(text.splitlines()) == 6 and "n/a (CuPy has no cuDNN)" in text
    json.dumps(results, default=float)
    assert ember.cuda.fused_enabled() and ember.cuda.conv_algorithm() == "auto"      # settings restored


def test_the_profile_script_runs_every_workload(gpu, monkeypatch, capsys):
    # benchmarks/ember_gpu_profile.py on the fake GPU: PyTorch on the CPU stands in for CUDA (its profiler then
    # records CPU ops instead of kernels); --calls needs CuPy on a real GPU and is not run here
    if gpu != "fake":
        pytest.skip("on a GPU the script itself is the check")
    from benchmarks import ember_gpu, ember_gpu_profile
    from torch.profiler import ProfilerActivity
    for name, value in (("TORCH_DEVICE", "cpu"), ("ADAM_WIDTH", 32), ("MLP_BATCHES", {"mlp8192": 16}),
                        ("CNN_BATCH", 2)):
        monkeypatch.setattr(ember_gpu, name, value)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: None)
    monkeypatch.setattr(ember_gpu_profile, "ProfilerActivity", type("A", (), {"CUDA": ProfilerActivity.CPU}))
    torch.set_num_threads(1)
    # every op row (the CNN step has ~10): with fewer, which ones make the table depends on their timings
    assert ember_gpu_profile.main(["--only", "mlp8192,adam,cnn", "--steps", "2", "--rows", "30"]) == 0
    out = capsys.readouterr().out
    for key in ("mlp8192", "adam", "cnn"):
        assert f"######## {key}: synchronised step ember" in out and f"--- {key} ember ops" in out
    assert "Optimizer.step#Adam.step" in out and "ember::max_pool2d" in out
