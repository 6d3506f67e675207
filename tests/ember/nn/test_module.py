"""Module: attribute routing, iteration with dotted names, state dicts, modes, dtype moves, hooks, repr."""
import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(ember.ones(4))
        self.register_buffer("counter", ember.zeros(1))
        self.register_buffer("cache", ember.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Block()
        self.b = Block()
        self.b.fc = self.a.fc                 # shared submodule: listed once
        self.head = nn.Linear(4, 2, bias=False)

    def forward(self, x):
        return self.head(self.b(self.a(x)[:, :3]))


def test_assignment_routes_parameters_buffers_and_modules():
    blk = Block()
    assert list(blk._parameters) == ["scale"] and list(blk._modules) == ["fc"]
    assert set(blk._buffers) == {"counter", "cache"}
    assert isinstance(blk.fc, nn.Linear) and blk.counter.shape == (1,)
    blk.plain = 3
    assert blk.plain == 3 and "plain" not in blk._parameters
    with pytest.raises(TypeError, match="cannot assign 'ember.FloatTensor' as parameter 'scale'"):
        blk.scale = ember.ones(4)
    blk.scale = None
    assert blk.scale is None and "scale" in blk._parameters
    with pytest.raises(TypeError, match="as child module 'fc'"):
        blk.fc = 5
    with pytest.raises(TypeError, match="as buffer 'counter'"):
        blk.counter = [1]
    blk.counter = ember.ones(3)
    assert blk.counter.shape == (3,)
    del blk.fc
    assert "fc" not in blk._modules
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'fc'"):
        blk.fc


def test_registration_errors_are_clear():
    m = nn.Module()
    with pytest.raises(KeyError, match='buffer name can.*t contain "."'):
        m.register_buffer("a.b", ember.ones(1))
    with pytest.raises(KeyError, match="empty string"):
        m.register_parameter("", None)
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_buffer("x", ember.ones(1))
    with pytest.raises(TypeError, match="Parameter or None required"):
        m.register_parameter("w", ember.ones(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("sub", 3)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.ones(1))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


class TBlock(torch.nn.Module):                  # the same structures in PyTorch, as the oracle
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 4)
        self.scale = torch.nn.Parameter(torch.ones(4))
        self.register_buffer("counter", torch.zeros(1))
        self.register_buffer("cache", torch.zeros(2), persistent=False)


class TNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = TBlock()
        self.b = TBlock()
        self.b.fc = self.a.fc
        self.head = torch.nn.Linear(4, 2, bias=False)


def _names(pairs):
    return [n for n, _ in pairs]


def test_named_members_use_dotted_names_and_deduplicate_like_pytorch():
    net, tnet = Net(), TNet()
    assert _names(net.named_parameters()) == _names(tnet.named_parameters()) == [
        "a.scale", "a.fc.weight", "a.fc.bias", "b.scale", "head.weight"]
    assert len(list(net.parameters())) == 5
    assert _names(net.named_parameters(remove_duplicate=False)) == _names(tnet.named_parameters(remove_duplicate=False))
    assert _names(net.named_buffers()) == _names(tnet.named_buffers())
    assert _names(net.named_modules()) == _names(tnet.named_modules()) == ["", "a", "a.fc", "b", "head"]
    assert _names(net.named_children()) == _names(tnet.named_children()) == ["a", "b", "head"]
    assert _names(net.named_parameters(recurse=False)) == []
    assert list(net.state_dict()) == list(tnet.state_dict())
    assert net.get_submodule("a.fc") is net.a.fc and net.get_parameter("a.scale") is net.a.scale
    with pytest.raises(AttributeError, match="has no attribute `zz`"):
        net.get_submodule("a.zz")


def test_state_dict_keys_order_and_detachment():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["a.scale", "a.counter", "a.fc.weight", "a.fc.bias", "b.scale", "b.counter", "b.fc.weight",
                        "b.fc.bias", "head.weight"]
    assert not sd["a.scale"].requires_grad and sd["a.scale"].data_ptr() == net.a.scale.data_ptr()
    assert net.state_dict(keep_vars=True)["a.scale"] is net.a.scale


def test_state_dict_layout_matches_pytorch_for_the_same_architecture():
    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.seq = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU())
            self.fc = torch.nn.Linear(8, 3)
    class ENet(nn.Module):
        def __init__(self):
            super().__init__()
            self.seq = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU())
            self.fc = nn.Linear(8, 3)
    t_sd, e_sd = TNet().state_dict(), ENet().state_dict()
    assert list(t_sd) == list(e_sd)
    assert all(tuple(t_sd[k].shape) == tuple(e_sd[k].shape) for k in t_sd)
    assert e_sd["seq.1.num_batches_tracked"].dtype == ember.int64


def test_load_state_dict_copies_values_in_place_and_reports_keys():
    src, dst = Net(), Net()
    weight = dst.a.fc.weight
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == [] and str(result) == "<All keys matched successfully>"
    assert dst.a.fc.weight is weight                      # copied into, not replaced
    np.testing.assert_array_equal(weight.detach().numpy(), src.a.fc.weight.detach().numpy())


def test_load_state_dict_strict_lists_missing_unexpected_and_size_mismatches():
    net = Net()
    sd = net.state_dict()
    del sd["a.scale"]
    sd["extra.weight"] = ember.zeros(1)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    msg = str(err.value)
    assert msg.startswith("Error(s) in loading state_dict for Net:")
    assert 'Missing key(s) in state_dict: "a.scale".' in msg and 'Unexpected key(s) in state_dict: "extra.weight".' in msg
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["a.scale"] and result.unexpected_keys == ["extra.weight"]
    sd = net.state_dict()
    sd["head.weight"] = ember.zeros(3, 3)
    with pytest.raises(RuntimeError, match=r"size mismatch for head.weight: copying a param with shape "
                                           r"ember.Size\(\[3, 3\]\) from checkpoint, the shape in current model is "
                                           r"ember.Size\(\[2, 4\]\)"):
        net.load_state_dict(sd, strict=False)               # shape mismatches fail even when not strict
    sd["head.weight"] = np.zeros((2, 4))
    with pytest.raises(RuntimeError, match="expected ember.Tensor from checkpoint"):
        net.load_state_dict(sd)
    with pytest.raises(TypeError, match="dict-like"):
        net.load_state_dict([1, 2])


def test_load_state_dict_casts_dtype_and_assign_replaces():
    lin = nn.Linear(2, 2)
    sd = {"weight": ember.ones(2, 2, dtype=ember.float64), "bias": ember.zeros(2, dtype=ember.float64)}
    lin.load_state_dict(sd)
    assert lin.weight.dtype == ember.float32 and lin.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    lin.load_state_dict(sd, assign=True)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.dtype == ember.float64 and lin.weight.requires_grad


def test_train_eval_recurse_and_requires_grad():
    net = Net()
    assert net.training and net.a.fc.training
    net.eval()
    assert not net.training and not net.a.fc.training and not net.head.training
    net.train()
    assert net.b.training
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_zero_grad_and_apply():
    net = Net()
    net(ember.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen, tseen = [], []
    net.apply(lambda m: seen.append(type(m).__name__))
    TNet().apply(lambda m: tseen.append(type(m).__name__.removeprefix("T")))
    assert seen == tseen == ["Linear", "Block", "Linear", "Block", "Linear", "Net"]     # children first


def test_to_dtype_keeps_parameter_objects_and_converts_floating_state_only():
    bn = nn.BatchNorm1d(3)
    w = bn.weight
    bn(ember.randn(4, 3)).sum().backward()
    assert bn.double() is bn
    assert bn.weight is w and w.dtype == ember.float64 and w.grad.dtype == ember.float64
    assert bn.running_mean.dtype == ember.float64 and bn.num_batches_tracked.dtype == ember.int64
    bn.to(ember.float32)
    assert w.dtype == ember.float32
    bn.to("cpu")
    with pytest.raises(TypeError, match="floating point dtypes"):
        bn.to(ember.int32)
    with pytest.raises(RuntimeError, match="CUDA backend not available"):
        bn.to("cuda")


def test_forward_hooks_and_missing_forward():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    out = lin(ember.ones(1, 2))
    assert calls == ["pre", "post"]
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy()[None] + 1, rtol=1e-6)
    h1.remove()
    h2.remove()
    assert lin._forward_hooks == {} and lin._forward_pre_hooks == {}
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_deepcopy_preserves_structure_and_sharing():
    net = Net()
    clone = copy.deepcopy(net)
    assert clone.b.fc is clone.a.fc and clone.a.fc is not net.a.fc
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]
    with ember.no_grad():
        clone.head.weight.zero_()
    assert net.head.weight.abs().sum().item() > 0


def test_repr_matches_pytorch_for_nested_models():
    e = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Sequential(nn.Linear(256, 10), nn.LogSoftmax(dim=1)))
    t = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                            torch.nn.Sequential(torch.nn.Linear(256, 10), torch.nn.LogSoftmax(dim=1)))
    assert repr(e) == repr(t)
    assert repr(e).startswith("Sequential(\n  (0): Linear(in_features=784, out_features=256, bias=True)\n")

    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(2, 2)

        def extra_repr(self):
            return "scale=2\nmode=x"
    assert repr(Custom()) == ("Custom(\n  scale=2\n  mode=x\n  (body): Linear(in_features=2, out_features=2, "
                              "bias=True)\n)")


def test_dir_lists_submodules_and_parameters():
    names = dir(Block())
    assert {"fc", "scale", "counter", "forward"} <= set(names)
