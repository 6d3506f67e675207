"""Gradients of gradients (``create_graph=True``, ember/autograd/higher_order.py): the engine's behaviour and the
workloads that need it (a physics-informed network, Hessian-vector products, a custom Function), against
PyTorch in float64. Per-op second derivatives are checked for every op spec by tests/ember/harness.py's
test_gradgrad."""
import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(7)
X, W1, B1, W2 = (RNG.standard_normal(s) for s in ((6, 2), (16, 2), (16,), (1, 16)))


def _pinn(m):
    """u(x, t) = MLP(x, t); residual u_t - 0.1 u_xx (a heat equation); loss = mean residual^2 + u_x^2 at 0."""
    xt = m.tensor(X, requires_grad=True)
    params = [m.tensor(a, requires_grad=True) for a in (W1, B1, W2)]
    u = m.nn.functional.linear(m.tanh(m.nn.functional.linear(xt, params[0], params[1])), params[2])
    du, = m.autograd.grad(u.sum(), xt, create_graph=True)
    u_x, u_t = du[:, 0], du[:, 1]
    u_xx = m.autograd.grad(u_x.sum(), xt, create_graph=True)[0][:, 0]
    loss = ((u_t - 0.1 * u_xx) ** 2).mean() + (u_x[0] ** 2)
    loss.backward()
    return [loss.detach()] + [p.grad for p in params]


def test_a_physics_informed_networks_loss_and_gradients_match_pytorch():
    for e, t in zip(_pinn(ember), _pinn(torch)):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)


def test_hessian_vector_product_of_a_training_loss_matches_pytorch():
    x, y = RNG.standard_normal((8, 3)), RNG.integers(0, 4, 8)
    w0, v0 = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    out = []
    for m in (ember, torch):
        w = m.tensor(w0, requires_grad=True)
        loss = m.nn.functional.cross_entropy(m.tensor(x) @ w.T, m.tensor(y))
        g, = m.autograd.grad(loss, w, create_graph=True)
        hv, = m.autograd.grad((g * m.tensor(v0)).sum(), w)
        out.append(hv.numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-10, atol=1e-12)


def test_backward_with_create_graph_leaves_a_grad_that_can_be_differentiated():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    np.testing.assert_allclose(x.grad.detach().numpy(), [3.0, 12.0])
    g = x.grad
    x.grad = None
    g.sum().backward()                   # d/dx sum(3 x^2) = 6 x
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_create_graph_accumulates_out_of_place_and_keeps_the_graph_by_default():
    x = ember.tensor([1.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(create_graph=True)
    first = x.grad
    y.backward(create_graph=True)        # retain_graph defaults to create_graph: the graph is still there
    assert x.grad is not first           # PyTorch: never in place under create_graph (first keeps its value)
    np.testing.assert_allclose(first.detach().numpy(), [2.0, 6.0])
    np.testing.assert_allclose(x.grad.detach().numpy(), [4.0, 12.0])


def test_a_seed_gradient_that_requires_grad_is_part_of_the_graph():
    x = ember.tensor([0.5, -1.0], requires_grad=True)
    v = ember.tensor([2.0, 3.0], requires_grad=True)
    g, = ember.autograd.grad(ember.sin(x), x, grad_outputs=v, create_graph=True)      # v * cos(x)
    dv, = ember.autograd.grad(g.sum(), v)
    np.testing.assert_allclose(dv.numpy(), np.cos([0.5, -1.0]))


def test_an_op_without_a_second_derivative_says_which_and_what_to_do():
    class Opaque(ember.autograd.Node):
        __slots__ = ()

        def backward(self, g):
            return (g,)
    x = ember.tensor([1.0], requires_grad=True)
    y = x * 1.0
    node = Opaque.__new__(Opaque)
    node._next, node._versions, node._thooks = (ember._tensor.edge(y),), None, None
    z = ember._tensor.make(y._array.copy())
    z.grad_fn, z._requires_grad = node, True
    with pytest.raises(NotImplementedError, match="cannot differentiate the backward of Opaque"):
        ember.autograd.grad(z.sum(), x, create_graph=True)
    assert ember.autograd.grad(z.sum(), x)[0].tolist() == [1.0]     # without create_graph it still works


class Cube(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 3 * x ** 2


class OnceCube(Cube):
    @staticmethod
    @ember.autograd.function.once_differentiable
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 3 * x ** 2


def test_a_custom_functions_backward_written_in_ember_ops_is_differentiable():
    x = ember.tensor([2.0, -1.0], requires_grad=True)
    g, = ember.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    h, = ember.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [12.0, -6.0])


def test_once_differentiable_gives_the_first_derivative_and_refuses_the_second():
    x = ember.tensor([2.0], requires_grad=True)
    v = ember.tensor([1.0], requires_grad=True)          # a gradient flowing in that requires grad (as PyTorch)
    g, = ember.autograd.grad(OnceCube.apply(x), x, grad_outputs=v, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [12.0])
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()
    g, = ember.autograd.grad(OnceCube.apply(x).sum(), x)      # an ordinary backward is unaffected
    assert g.tolist() == [12.0]


def test_hooks_see_and_may_replace_recorded_gradients():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    seen = []
    y.register_hook(lambda g: seen.append(g.requires_grad) or g * 2)
    g, = ember.autograd.grad(y.sum(), x, create_graph=True)      # 2 * 2x
    np.testing.assert_allclose(g.detach().numpy(), [4.0, 8.0])
    assert g.requires_grad and seen == [False]     # the seed is a constant; what flows below it has a graph


@pytest.mark.parametrize("fn", ["hessian", "hvp", "vhp"])
def test_functional_second_order_helpers_match_pytorch(fn):
    a, x0, v0 = RNG.standard_normal((3, 3)), RNG.standard_normal(3), RNG.standard_normal(3)
    results = []
    for m in (ember, torch):
        def f(x):
            return (m.tanh(m.tensor(a) @ x) ** 2).sum() + (x ** 4).sum()
        F = m.autograd.functional
        r = F.hessian(f, m.tensor(x0)) if fn == "hessian" else getattr(F, fn)(f, m.tensor(x0), m.tensor(v0))[1]
        results.append(r.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)


def test_float32_and_the_fake_gpu_record_too():
    from tests.ember.fake_cuda import installed
    with installed():
        for device in ("cpu", "cuda"):
            x = ember.tensor([0.3, 0.7], device=device, requires_grad=True)
            g, = ember.autograd.grad(ember.exp(x * 2).sum(), x, create_graph=True)
            h, = ember.autograd.grad(g.sum(), x)
            assert h.device.type == device and h.dtype == ember.float32
            np.testing.assert_allclose(h.cpu().numpy(), 4 * np.exp(2 * np.array([0.3, 0.7])), rtol=1e-6)


def test_gradgradcheck_passes_for_true_second_derivatives_and_catches_a_wrong_one():
    x = ember.tensor(RNG.standard_normal(4), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: (ember.tanh(t) * t ** 2).sum(), (x,))

    class WrongSecond(ember.autograd.Function):       # first derivative right, its derivative wrong
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t ** 3

        @staticmethod
        def backward(ctx, g):
            t, = ctx.saved_tensors
            return g * 3 * t.detach() ** 2 + (t - t.detach()) * 0.5
    assert ember.autograd.gradcheck(WrongSecond.apply, (x,))
    with pytest.raises(ember.autograd.GradcheckError):
        ember.autograd.gradgradcheck(WrongSecond.apply, (x,))


def test_anomaly_detection_names_the_node_in_a_recorded_backward_too():
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    with ember.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="MulBackward0.* returned nan values"):
            ember.autograd.grad(ember.sqrt(x * 0).sum(), x, create_graph=True)


def test_casts_dropout_and_rrelu_are_differentiable_twice():
    x0 = RNG.standard_normal(5)
    for m in (ember, torch):
        m.manual_seed(0)
    out = []
    for m in (ember, torch):
        x = m.tensor(x0, dtype=m.float32, requires_grad=True)
        y = (x.double() ** 3).sum()                           # a cast inside the twice-differentiated part
        g, = m.autograd.grad(y, x, create_graph=True)
        h, = m.autograd.grad(g.sum(), x)
        out.append((g.detach().numpy(), h.numpy(), h.dtype))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-6)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-6)
    assert str(out[0][2]) == "ember.float32"
    x = ember.tensor(x0, requires_grad=True)
    for f in (lambda t: ember.nn.functional.dropout(t ** 2, 0.5), lambda t: ember.nn.functional.rrelu(t ** 2 - 1,
                                                                                                      training=True)):
        y = f(x)
        g, = ember.autograd.grad(y.sum(), x, create_graph=True)
        h, = ember.autograd.grad(g.sum(), x)
        mask = (g.detach() / (2 * x.detach())).numpy()       # the per-element factor the sample chose
        np.testing.assert_allclose(h.numpy(), 2 * mask, rtol=1e-12)


WITHOUT_SECOND_DERIVATIVE = {"CtcLossBackward0"}     # PyTorch has none either (docs/EMBER.md lists the rest)


def test_every_op_node_has_a_second_derivative_formula():
    """A new op must come with its formula in ember/ops/grad_formulas/ (or be listed here and in docs/EMBER.md)."""
    import importlib
    import pkgutil
    from ember.autograd import higher_order
    from ember.autograd.function import BackwardCFunction
    for mod in pkgutil.walk_packages(ember.__path__, "ember."):
        if not mod.name.startswith(("ember.ops.grad_formulas", "ember.cuda._cupy")):
            importlib.import_module(mod.name)
    assert higher_order.has_formula(ember.ones(1, requires_grad=True).exp().grad_fn)     # loads the formulas
    missing, seen, stack = [], set(), list(ember.autograd.Node.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        stack += cls.__subclasses__()
        abstract = cls.__name__.startswith("_") and cls.__subclasses__()      # a base like _Unary or _Binary
        ours = cls.__module__.startswith("ember.")                             # tests define nodes of their own
        if ours and not (abstract or issubclass(cls, BackwardCFunction) or higher_order.has_own_formula(cls)
                         or cls.__name__ in WITHOUT_SECOND_DERIVATIVE):
            missing.append(f"{cls.__module__}.{cls.__qualname__}")
    assert len(seen) > 200 and not missing, f"node classes without a create_graph formula: {missing}"
