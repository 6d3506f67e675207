"""ember.save / ember.load: round trips, map_location, and hostile or damaged files (never executes anything)."""
import io
import json
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from ember.serialization import MAGIC, UnsafeFileError


def _roundtrip(obj, **kw):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **kw)


def _raw(obj):
    buf = io.BytesIO()
    ember.save(obj, buf)
    return buf.getvalue()


def _with_header(data, edit):
    """Rebuild a saved file after ``edit(header_dict)`` (data region unchanged)."""
    hlen = int.from_bytes(data[8:16], "little")
    header = json.loads(data[16:16 + hlen])
    edit(header)
    start = -(-(16 + hlen) // 64) * 64
    new = json.dumps(header).encode()
    new_start = -(-(16 + len(new)) // 64) * 64
    return MAGIC + len(new).to_bytes(8, "little") + new + b"\0" * (new_start - 16 - len(new)) + data[start:]


def _load_bytes(data, **kw):
    return ember.load(io.BytesIO(data), **kw)


@pytest.mark.parametrize("dtype", [ember.float16, ember.float32, ember.float64, ember.int8, ember.int16, ember.int32,
                                   ember.int64, ember.uint8, ember.bool])
def test_every_dtype_round_trips(dtype):
    t = (ember.arange(-6, 6).reshape(3, 4) % 3).to(dtype)
    out = _roundtrip(t)
    assert out.dtype == dtype and out.shape == (3, 4) and (out == t).all()
    np.testing.assert_array_equal(out.numpy(), t.numpy())
    assert out.numpy().flags.writeable and not np.shares_memory(out.numpy(), t.numpy())


def test_shapes_non_contiguous_and_requires_grad():
    for t in [ember.tensor(3.5), ember.zeros(0, 3), ember.arange(12.0).reshape(3, 4).T, ember.ones(2, 1, 3)[:, 0]]:
        out = _roundtrip(t)
        assert out.shape == t.shape and (out.numpy() == t.numpy()).all()
    w = ember.ones(3, requires_grad=True)
    assert _roundtrip(w).requires_grad and not _roundtrip(w * 2).requires_grad      # non-leaves are detached


def test_nested_containers_and_plain_values():
    obj = {"epoch": 7, "lr": 1e-3, "name": "mlp", "done": False, "nothing": None, "nan": float("nan"),
           "shape": (3, 4), "hist": [1.5, 2.5], 3: "int key", (1, "a"): "tuple key",
           "dtype": ember.float64, "device": ember.device("cpu"), "tensors": [ember.ones(2), {"x": ember.zeros(1)}]}
    out = _roundtrip(obj)
    assert list(out) == list(obj)
    for k in ("epoch", "lr", "name", "done", "nothing", "shape", "hist", 3, (1, "a"), "dtype", "device"):
        assert out[k] == obj[k] and type(out[k]) is type(obj[k]), k
    assert np.isnan(out["nan"]) and out["tensors"][1]["x"].tolist() == [0.0]
    od = _roundtrip(OrderedDict([("b", 1), ("a", 2)]))
    assert isinstance(od, OrderedDict) and list(od) == ["b", "a"]


def test_shared_tensors_stay_shared_and_parameters_stay_parameters():
    w = nn.Parameter(ember.ones(2))
    out = _roundtrip({"a": w, "b": w, "c": [w]})
    assert out["a"] is out["b"] is out["c"][0] and isinstance(out["a"], nn.Parameter) and out["a"].requires_grad


def test_model_and_optimizer_checkpoint_to_a_path(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    opt = ember.optim.Adam(model.parameters(), lr=0.01)
    model(ember.randn(4, 1, 4, 4)).sum().backward()
    opt.step()
    path = tmp_path / "ckpt.ember"
    ember.save({"model": model.state_dict(), "opt": opt.state_dict()}, path)
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]            # the temporary file is gone
    ck = ember.load(str(path))
    clone = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    clone.load_state_dict(ck["model"])
    for (n, a), (_, b) in zip(model.state_dict().items(), clone.state_dict().items()):
        assert (a == b).all(), n
    opt2 = ember.optim.Adam(clone.parameters())
    opt2.load_state_dict(ck["opt"])
    assert opt2.state_dict()["state"][0]["step"].item() == 1.0 and opt2.param_groups[0]["lr"] == 0.01


def test_map_location():
    t = ember.ones(2)
    assert _roundtrip(t, map_location="cpu").device == ember.device("cpu")
    assert _roundtrip(t, map_location={"cuda:0": "cpu"}).device == ember.device("cpu")
    seen = []
    out = _roundtrip(t, map_location=lambda tensor, loc: seen.append(loc) or tensor * 2)
    assert seen == ["cpu"] and out.tolist() == [2.0, 2.0]
    cuda_file = _with_header(_raw(t), lambda h: h["tensors"][0].update(device="cuda:0"))
    with pytest.raises(RuntimeError, match="saved on cuda:0.*map_location='cpu'"):
        _load_bytes(cuda_file)
    assert _load_bytes(cuda_file, map_location="cpu").tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="CUDA backend not available"):
        _roundtrip(t, map_location="cuda")


def test_unsupported_objects_are_refused_at_save_time():
    with pytest.raises(TypeError, match="cannot save an object of type ndarray"):
        ember.save({"a": np.ones(2)}, io.BytesIO())
    with pytest.raises(TypeError, match="dict keys must be"):
        ember.save({ember.ones(1): 1}, io.BytesIO())
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        ember.save(loop, io.BytesIO())
    with pytest.raises(TypeError, match="does not use pickle"):
        ember.save(1, io.BytesIO(), pickle_module=pickle)
    # torch.save(model) is a common habit: the message says what to save instead
    with pytest.raises(TypeError, match=r"cannot save an object of type Linear; .* save its weights instead: "
                                        r"ember.save\(model.state_dict\(\), path\)"):
        ember.save(ember.nn.Linear(1, 1), io.BytesIO())


# ---- hostile and damaged files ------------------------------------------------------------------------

class Boom:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


MARKER = "/tmp/ember-pickle-was-executed"


def test_pickle_payload_is_refused_and_never_executed(tmp_path):
    if os.path.exists(MARKER):
        os.remove(MARKER)
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"weight": Boom()}))
    with pytest.raises(UnsafeFileError, match="never unpickles"):
        ember.load(path)
    assert not os.path.exists(MARKER)
    torch.save({"w": torch.ones(2)}, tmp_path / "torch.pt")
    with pytest.raises(UnsafeFileError, match="PyTorch \\(zip\\) checkpoint"):
        ember.load(tmp_path / "torch.pt")


def test_truncated_files_raise_clearly():
    data = _raw({"w": ember.ones(1000)})
    for cut in [0, 5, 12, 16, 40, len(data) - 1, len(data) - 3999]:
        with pytest.raises(UnsafeFileError):
            _load_bytes(data[:cut])


@pytest.mark.parametrize("edit,msg", [
    (lambda h: h["tensors"][0].update(offset=10 ** 9), "outside the data region"),
    (lambda h: h["tensors"][0].update(offset=-8), "invalid offset"),
    (lambda h: h["tensors"][0].update(shape=[2 ** 40, 2 ** 40], nbytes=2 ** 82), "outside the data region"),
    (lambda h: h["tensors"][0].update(shape=[3, 5]), "does not match its declared"),
    (lambda h: h["tensors"][0].update(shape=[-4, -1]), "invalid shape"),
    (lambda h: h["tensors"][0].update(shape=[True, 4]), "invalid shape"),
    (lambda h: h["tensors"][0].update(dtype="object"), "unsupported dtype"),
    (lambda h: h["tensors"][0].update(device="tpu"), "invalid device"),
    (lambda h: h["tensors"][0].update(requires_grad="yes"), "invalid device/requires_grad"),
    (lambda h: h.update(root={"t": "tensor", "i": 5}), "reference to tensor 5"),
    (lambda h: h.update(root={"t": "eval", "code": "__import__('os')"}), "unknown node type 'eval'"),
    (lambda h: h.update(root={"t": "dict", "items": [[{"t": "tensor", "i": 0}, 1]]}), "dict keys must be"),
    (lambda h: h.update(root=[1, 2]), "unexpected list"),
    (lambda h: h.update(version=99), "unsupported header"),
    (lambda h: h.pop("tensors"), "lacks its tensor table"),
])
def test_hostile_headers_are_rejected(edit, msg):
    data = _with_header(_raw(ember.ones(4, 4)), edit)
    with pytest.raises(UnsafeFileError, match=msg):
        _load_bytes(data)


def test_hostile_framing_and_nesting():
    data = _raw(ember.ones(2))
    with pytest.raises(UnsafeFileError, match="header length"):
        _load_bytes(data[:8] + (2 ** 63).to_bytes(8, "little") + data[16:])
    with pytest.raises(UnsafeFileError, match="not valid JSON"):
        _load_bytes(MAGIC + (5).to_bytes(8, "little") + b"{oops" + b"\0" * 64)
    with pytest.raises(UnsafeFileError, match="bad magic"):
        _load_bytes(b"GIF89a" + b"\0" * 100)
    deep = {"t": "list", "items": []}
    for _ in range(150):
        deep = {"t": "list", "items": [deep]}
    with pytest.raises(UnsafeFileError, match="nested deeper"):
        _load_bytes(_with_header(data, lambda h: h.update(root=deep)))
    very_deep = "[" * 100000 + "]" * 100000
    raw = very_deep.encode()
    with pytest.raises(UnsafeFileError):
        _load_bytes(MAGIC + len(raw).to_bytes(8, "little") + raw)


def test_random_corruption_never_escapes_as_an_unexpected_error():
    data = bytearray(_raw({"a": ember.arange(50.0), "b": [1, "x", ember.ones(3, dtype=ember.int32)]}))
    rng = np.random.default_rng(0)
    outcomes = set()
    for _ in range(400):
        mutated = bytearray(data)
        for pos in rng.integers(0, len(data), rng.integers(1, 4)):
            mutated[pos] = rng.integers(0, 256)
        try:
            _load_bytes(bytes(mutated))
            outcomes.add("loaded")
        except UnsafeFileError:
            outcomes.add("rejected")
    assert outcomes == {"loaded", "rejected"}


def test_load_argument_errors():
    with pytest.raises(TypeError, match="wrap bytes in io.BytesIO"):
        ember.load(b"EMBER")
    with pytest.raises(TypeError, match="never unpickles"):
        ember.load(io.BytesIO(_raw(1)), pickle_module=pickle)
    assert ember.load(io.BytesIO(_raw(1)), weights_only=True) == 1
