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
