"""The backward engine: accumulation, retain_graph, hooks, autograd.grad, version checks, errors."""
import numpy as np
import pytest
import torch

import ember
from ember.autograd.node import AccumulateGrad


def _pair(values, requires_grad=True):
    return (ember.tensor(values, requires_grad=requires_grad),
            torch.tensor(values, requires_grad=requires_grad))


def test_gradients_accumulate_across_backward_calls():
    a, ta = _pair([1.0, 2.0, 3.0])
    for lib_a in (a, ta):
        (lib_a * lib_a).sum().backward()
        (lib_a * 3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_allclose(a.grad.numpy(), [5.0, 7.0, 9.0])


def test_leaf_used_twice_sums_both_paths():
    a = ember.tensor([2.0], requires_grad=True)
    (a * a + a).sum().backward()
    assert a.grad.tolist() == [5.0]


def test_leaf_grads_are_private_writable_arrays():
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3, requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.mul_(2)
    assert b.grad.tolist() == [1.0, 1.0, 1.0] and a.grad.tolist() == [2.0, 2.0, 2.0]


def test_backward_twice_without_retain_graph_says_what_to_do():
    a = ember.ones(3, requires_grad=True)
    y = (a * a).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    a, ta = _pair([1.0, -2.0])
    for x in (a, ta):
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6)


def test_graph_without_saved_tensors_can_run_twice_like_torch():
    a = ember.ones(2, requires_grad=True)
    y = (a + 1).sum()
    y.backward()
    y.backward()
    assert a.grad.tolist() == [2.0, 2.0]


def test_non_scalar_backward_needs_gradient():
    a = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (a * 2).backward()
    (a * 2).backward(ember.tensor([1.0, 0.0, -1.0]))
    assert a.grad.tolist() == [2.0, 0.0, -2.0]


def test_gradient_shape_mismatch_names_both_shapes():
    a = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad_output\[0\] has a shape of ember.Size\(\[2\]\).*"
                                           r"output\[0\] has a shape of ember.Size\(\[3\]\)"):
        (a * 2).backward(ember.ones(2))


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        ember.ones(2).sum().backward()


def test_create_graph_gives_a_grad_with_a_graph_and_plain_backward_none():
    a = ember.ones(2, requires_grad=True)
    (a * a).sum().backward(create_graph=True)
    assert a.grad.grad_fn is not None and a.grad.tolist() == [2.0, 2.0]      # more in test_double_backward.py
    b = ember.ones(2, requires_grad=True)
    (b * b).sum().backward()
    assert b.grad.grad_fn is None and not b.grad.requires_grad


def test_grad_fn_names_and_next_functions():
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, requires_grad=True)
    y = a * b + a
    assert y.grad_fn.name() == "AddBackward0"
    (mul, _), (acc, _) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0"
    assert isinstance(acc, AccumulateGrad) and acc.variable is a
    assert [f.variable for f, _ in mul.next_functions] == [a, b]
    assert (ember.ones(2) * 2).grad_fn is None and a.is_leaf and not y.is_leaf


def test_only_needed_gradients_are_computed():
    a = ember.ones(2, requires_grad=True)
    c = ember.ones(2)
    y = (a * c).sum()
    assert y.grad_fn.next_functions[0][0].next_functions[1] == (None, 0)
    y.backward()
    assert c.grad is None and a.grad is not None


def test_deep_graph_needs_no_recursion():
    a = ember.tensor(1.0, requires_grad=True)
    y = a
    for _ in range(20000):
        y = y * 1.0
    y.backward()
    assert a.grad.item() == 1.0


def test_grad_dtype_matches_leaf_after_promotion():
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, dtype=ember.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype is ember.float32 and b.grad.dtype is ember.float64


# ---- hooks -----------------------------------------------------------------------------------------------

def test_leaf_hook_can_replace_gradient_and_be_removed():
    a = ember.ones(2, requires_grad=True)
    seen = []
    h = a.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    (a * 3).sum().backward()
    assert seen == [[3.0, 3.0]] and a.grad.tolist() == [30.0, 30.0]
    h.remove()
    a.grad = None
    (a * 3).sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


def test_non_leaf_hook_changes_what_flows_down():
    a, ta = _pair([1.0, 2.0])
    for x in (a, ta):
        h = x * 2
        h.register_hook(lambda g: g * -1)
        (h * h).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())


def test_retain_grad_keeps_non_leaf_gradient():
    a, ta = _pair([1.0, 2.0])
    hs = []
    for x in (a, ta):
        h = x * 2
        h.retain_grad()
        (h * h).sum().backward()
        hs.append(h)
    np.testing.assert_allclose(hs[0].grad.numpy(), hs[1].grad.numpy())
    assert hs[0].retains_grad


def test_hook_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ember.ones(2).register_hook(lambda g: g)


# ---- autograd.grad and backward(inputs=...) --------------------------------------------------------------

def test_autograd_grad_leaves_dot_grad_alone():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = ember.tensor([3.0, 4.0], requires_grad=True)
    y = (a * b).sum()
    ga, gb = ember.autograd.grad(y, [a, b])
    assert ga.tolist() == [3.0, 4.0] and gb.tolist() == [1.0, 2.0]
    assert a.grad is None and b.grad is None


def test_autograd_grad_of_non_leaf_and_grad_outputs():
    a, ta = _pair([1.0, 2.0, 3.0])
    outs = []
    for lib, x in ((ember, a), (torch, ta)):
        h = x.exp()
        y = h * x
        outs.append(lib.autograd.grad(y, [h, x], grad_outputs=lib.tensor([1.0, -1.0, 0.5]))[0])
    np.testing.assert_allclose(outs[0].numpy(), outs[1].numpy())


def test_autograd_grad_unused_inputs():
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, requires_grad=True)
    y = (a * 2).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph.*allow_unused=True"):
        ember.autograd.grad(y, [a, b], retain_graph=True)
    ga, gb = ember.autograd.grad(y, [a, b], allow_unused=True)
    assert gb is None and ga.tolist() == [2.0, 2.0]


def test_backward_inputs_restricts_accumulation():
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad is not None and b.grad is None


def test_split_outputs_partly_used():
    a, ta = _pair([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    for x in (a, ta):
        p, q, r = x.split(1)
        (p * 2 + r).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())


# ---- in-place operations and version counters ----------------------------------------------------------

def test_modified_saved_tensor_raises_pytorch_error():
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3)
    y = a * b
    b.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: \[Float \[3\]\] is at version 1; "
                                           r"expected version 0"):
        y.sum().backward()


def test_saved_output_modified_in_place():
    a = ember.ones(3, requires_grad=True)
    y = a.exp()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        y.sum().backward()


def test_detach_shares_version_counter():
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3)
    y = a * b
    b.detach().zero_()
    assert b._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_leaf_requiring_grad():
    a = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        a.add_(1)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        a[0] = 2.0
    with ember.no_grad():
        a.add_(1)
    assert a.tolist() == [2.0, 2.0, 2.0]


def test_inplace_on_view_of_leaf():
    a = ember.ones(3, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        a[0].mul_(2)


@pytest.mark.parametrize("step", [
    lambda h, w: h.add_(w), lambda h, w: h.mul_(w), lambda h, w: h.sub_(w, alpha=2), lambda h, w: h.div_(w + 3),
    lambda h, w: h.clamp_(-0.5, 0.5), lambda h, w: h.masked_fill_(w > 0, 0.0), lambda h, w: h.copy_(w * 2),
    lambda h, w: h.exp_(), lambda h, w: h.relu_(), lambda h, w: h.fill_(1.5), lambda h, w: h.zero_(),
    lambda h, w: h.__setitem__((slice(None), 0), w[:, 1]), lambda h, w: h.pow_(2)])
def test_inplace_in_graph_matches_torch(step):
    rng = np.random.default_rng(0)
    x0, w0 = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(x0, requires_grad=True)
        w = lib.tensor(w0, requires_grad=True)
        h = x * 1.5
        step(h, w)
        assert h.grad_fn is not None
        (h * h).sum().backward()
        grads.append((x.grad.numpy().copy(), None if w.grad is None else w.grad.numpy().copy(), h.detach().numpy()))
    for e, t in zip(*grads):
        if t is None:
            assert e is None or not e.any()
        else:
            np.testing.assert_allclose(e, t, rtol=1e-6, atol=1e-8)


def test_setitem_makes_a_plain_tensor_part_of_the_graph():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    z = ember.zeros(3)
    z[1:] = w * 3
    assert z.requires_grad and z.grad_fn.name() == "CopySlices"
    z.sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_inplace_casting_rule():
    t = ember.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        t.add_(1.5)
    with pytest.raises(RuntimeError, match="can't be cast"):
        t /= 2
    t.add_(3)
    assert t.tolist() == [4, 5]


def test_inplace_on_expanded_tensor():
    t = ember.ones(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        t.add_(1)


def test_inplace_broadcast_shape_error():
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        ember.ones(3).add_(ember.ones(2, 3))


@pytest.mark.parametrize("make_loss", [
    lambda a, b: (a + b).sum(), lambda a, b: (a.reshape(2, 2) * 1 + b.reshape(2, 2)).sum(),
    lambda a, b: ember.cat([a, b]).sum(), lambda a, b: ember.stack([a, b]).t().sum(),
    lambda a, b: (a.expand(3, 4) + b).sum(), lambda a, b: (a.clone() + b[[0, 1, 2, 3]]).sum()])
def test_leaf_grads_never_alias_each_other(make_loss):
    a = ember.ones(4, requires_grad=True)
    b = ember.ones(4, requires_grad=True)
    make_loss(a, b).backward()
    ga, gb = a.grad.numpy(), b.grad.numpy()
    assert ga.flags.writeable and gb.flags.writeable and not np.may_share_memory(ga, gb)
    before = gb.copy()
    a.grad.mul_(7)
    assert np.array_equal(b.grad.numpy(), before)


def test_setitem_value_gradient_is_not_a_view():
    v = ember.ones(2, requires_grad=True)
    w = ember.ones(3, requires_grad=True)
    z = w * 1
    z[1:] = v
    z.sum().backward()
    v.grad.mul_(5)
    assert w.grad.tolist() == [1.0, 0.0, 0.0] and v.grad.tolist() == [5.0, 5.0]


def test_backward_hook_sees_every_node():
    from ember.autograd.engine import set_backward_hook
    seen = []
    prev = set_backward_hook(lambda node, seconds: seen.append((node.name(), seconds >= 0)))
    try:
        a = ember.ones(3, requires_grad=True)
        (a.exp() * 2).sum().backward()
    finally:
        set_backward_hook(prev)
    assert seen == [("SumBackward0", True), ("MulBackward0", True), ("ExpBackward0", True)]


def test_backward_hook_synchronize_brackets_each_timed_node():
    # a GPU backend passes its device sync so queued work lands inside the measured time
    from ember.autograd.engine import set_backward_hook
    log = []
    prev = set_backward_hook(lambda node, seconds: log.append(node.name()), synchronize=lambda: log.append("sync"))
    try:
        a = ember.ones(3, requires_grad=True)
        (a * 2).sum().backward()
    finally:
        set_backward_hook(prev)
    assert log == ["sync", "sync", "SumBackward0", "sync", "sync", "MulBackward0"]
    log.clear()
    (ember.ones(2, requires_grad=True) * 3).sum().backward()     # hook removed: the sync goes with it
    assert log == []


@pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled", "ignore:Error detected in",
                            "ignore::RuntimeWarning")
def test_anomaly_detection_names_the_op_that_made_nan():
    for m in (ember, torch):
        x = m.tensor([0.0, 1.0], requires_grad=True)
        with m.autograd.detect_anomaly():
            assert m.is_anomaly_enabled()
            with pytest.raises(RuntimeError, match=r"Function 'DivBackward0' returned nan values in its 1th output."):
                (x / x).sum().backward()
        assert not m.is_anomaly_enabled()
        (x / x).sum().backward()                    # off: NaN flows into .grad silently, as in PyTorch
        assert np.isnan(x.grad.detach().numpy()[0])
    ember.autograd.set_detect_anomaly(True)
    try:
        y = ember.tensor([4.0], requires_grad=True)
        y.sqrt().sum().backward()                   # finite gradients pass
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            ember.tensor([-1.0], requires_grad=True).sqrt().sum().backward()
    finally:
        ember.autograd.set_detect_anomaly(False)
    with ember.autograd.set_detect_anomaly(True):
        assert ember.is_anomaly_enabled()
    assert not ember.is_anomaly_enabled()
