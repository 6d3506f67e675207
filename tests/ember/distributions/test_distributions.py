"""``ember.distributions`` against ``torch.distributions``: densities, entropies, moments, KL and their gradients
on every device (tests/ember/harness.py), sample shapes and statistics, validation messages and reprs."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, Op, on_device, op_tests, positive

D = lambda m: m.distributions  # noqa: E731


def _probs(a, i):
    return 1 / (1 + np.exp(-a)) * 0.9 + 0.05


def _normal(m, loc, scale):
    return D(m).Normal(loc, scale.abs() + 0.2)


SPECS = [
    Op("normal_log_prob", lambda m, loc, s, v: _normal(m, loc, s).log_prob(v), [((3,), (3,), (4, 3)), ((), (), (5,))]),
    Op("normal_stats", lambda m, loc, s: [_normal(m, loc, s).entropy(), _normal(m, loc, s).variance,
                                          _normal(m, loc, s).stddev, _normal(m, loc, s).mean], [((2, 3), (3,))]),
    Op("normal_cdf_icdf", lambda m, loc, s, v: [_normal(m, loc, s).cdf(v), _normal(m, loc, s).icdf(v.sigmoid())],
       [((3,), (3,), (3,))]),
    Op("normal_kl", lambda m, a, b, c, d: D(m).kl_divergence(_normal(m, a, b), _normal(m, c, d)),
       [((3,), (3,), (3,), (3,))]),
    Op("categorical_logits", lambda m, x: [D(m).Categorical(logits=x).log_prob(m.tensor([2, 0, 1])),
                                           D(m).Categorical(logits=x).entropy(), D(m).Categorical(logits=x).probs],
       [(3, 4)]),
    Op("categorical_probs", lambda m, p: [D(m).Categorical(probs=p).log_prob(m.tensor([[1], [0]])),
                                          D(m).Categorical(probs=p).entropy(), D(m).Categorical(probs=p).logits],
       [(2, 3)], domain=positive),
    Op("categorical_kl", lambda m, x, y: D(m).kl_divergence(D(m).Categorical(logits=x), D(m).Categorical(logits=y)),
       [((2, 4), (2, 4))]),
    Op("bernoulli_probs", lambda m, p, v: [D(m).Bernoulli(probs=p).log_prob((v > 0).to(p.dtype)),
                                           D(m).Bernoulli(probs=p).entropy(), D(m).Bernoulli(probs=p).variance],
       [((4,), (4,))], domain=lambda a, i: _probs(a, i) if i == 0 else a),
    Op("bernoulli_logits", lambda m, x, v: [D(m).Bernoulli(logits=x).log_prob((v > 0).to(x.dtype)),
                                            D(m).Bernoulli(logits=x).probs], [((4,), (4,))]),
    Op("bernoulli_kl", lambda m, p, q: D(m).kl_divergence(D(m).Bernoulli(probs=p), D(m).Bernoulli(probs=q)),
       [((4,), (4,))], domain=_probs),
    Op("uniform", lambda m, lo, w, v: [D(m).Uniform(lo, lo + w.abs() + 2).log_prob(lo + 1),
                                       D(m).Uniform(lo, lo + w.abs() + 2).entropy(),
                                       D(m).Uniform(lo, lo + w.abs() + 2).variance,
                                       D(m).Uniform(lo, lo + w.abs() + 2).cdf(lo + v.sigmoid())],
       [((3,), (3,), (3,))]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


@pytest.mark.parametrize("device", DEVICES)
def test_samples_have_pytorch_shapes_and_the_right_statistics(device):
    with on_device(device):
        ember.manual_seed(0)
        n = ember.distributions.Normal(ember.tensor([0.0, 5.0]), ember.tensor([1.0, 0.5]))
        s = n.sample((4000,))
        assert s.shape == (4000, 2) and not s.requires_grad
        np.testing.assert_allclose(s.mean(0).cpu().numpy(), [0.0, 5.0], atol=0.06)
        np.testing.assert_allclose(s.std(0).cpu().numpy(), [1.0, 0.5], rtol=0.06)
        c = ember.distributions.Categorical(probs=ember.tensor([[0.1, 0.9, 0.0], [1.0, 0.0, 0.0]]))
        draws = c.sample((2000,))
        assert draws.shape == (2000, 2) and draws.dtype == ember.int64 and c.sample().shape == (2,)
        assert (draws[:, 1] == 0).all() and (draws[:, 0] != 2).all() and 0.85 < (draws[:, 0] == 1).float().mean() < 0.95
        b = ember.distributions.Bernoulli(probs=ember.tensor([0.2, 0.8]))
        bs = b.sample((3000,))
        assert bs.dtype == ember.float32 and set(bs.unique().tolist()) <= {0.0, 1.0}
        np.testing.assert_allclose(bs.mean(0).cpu().numpy(), [0.2, 0.8], atol=0.04)
        u = ember.distributions.Uniform(ember.tensor([-1.0]), ember.tensor([3.0])).sample((1000,))
        assert u.shape == (1000, 1) and u.min() >= -1 and u.max() < 3


def test_rsample_is_differentiable_and_sample_is_not():
    loc = ember.tensor([1.0, 2.0], requires_grad=True)
    scale = ember.tensor([0.5, 2.0], requires_grad=True)
    ember.manual_seed(3)
    x = ember.distributions.Normal(loc, scale).rsample((5,))
    ember.manual_seed(3)
    eps = ember.randn(5, 2)
    x.sum().backward()
    assert loc.grad.tolist() == [5.0, 5.0]
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-6)
    assert not ember.distributions.Normal(loc, scale).sample().requires_grad
    assert ember.distributions.Normal(loc, scale).has_rsample and not ember.distributions.Categorical.has_rsample


def test_policy_gradient_step_as_in_reinforce():
    logits = ember.nn.Linear(4, 2)
    state = ember.ones(3, 4)
    dist = ember.distributions.Categorical(logits=logits(state))
    action = dist.sample()
    loss = -(dist.log_prob(action) * ember.tensor([1.0, -0.5, 2.0])).mean()
    loss.backward()
    assert logits.weight.grad is not None and logits.weight.grad.shape == (2, 4)


CASES = ["D.Normal(m.zeros(2), m.ones(2))", "D.Normal(0.0, 1.0)", "D.Categorical(probs=m.tensor([1.0, 3.0]))",
         "D.Bernoulli(probs=m.tensor([0.3]))", "D.Uniform(0.0, 2.0)"]


@pytest.mark.parametrize("expr", CASES)
def test_repr_and_shapes_match_torch(expr):
    e, t = eval(expr, {"D": ember.distributions, "m": ember}), eval(expr, {"D": torch.distributions, "m": torch})
    assert repr(e) == repr(t).replace("torch.", "ember.")
    assert tuple(e.batch_shape) == tuple(t.batch_shape) and tuple(e.event_shape) == tuple(t.event_shape)
    assert tuple(e.sample((3,)).shape) == tuple(t.sample((3,)).shape)


@pytest.mark.parametrize("expr", ["D.Normal(m.zeros(2), -m.ones(2))", "D.Categorical(probs=m.tensor([0.5, -1.0]))",
                                  "D.Categorical(probs=m.ones(2, 3)).log_prob(m.tensor([0.5, 1.0]))",
                                  "D.Bernoulli(probs=m.tensor([1.5]))", "D.Categorical()", "D.Uniform(1.0, 0.0)",
                                  "D.Normal(0.0, 1.0).log_prob(0.5)"])
def test_validation_errors_match_torch(expr):
    def outcome(m, D):
        try:
            eval(expr, {"D": D, "m": m})
        except ValueError as err:
            return str(err).replace("torch.", "ember.")
        return None
    assert outcome(ember, ember.distributions) == outcome(torch, torch.distributions) is not None
    ember.distributions.Normal(ember.zeros(1), -ember.ones(1), validate_args=False)      # checks can be skipped


def test_kl_for_unregistered_pairs_is_refused():
    with pytest.raises(NotImplementedError):
        ember.distributions.kl_divergence(ember.distributions.Normal(0.0, 1.0),
                                          ember.distributions.Bernoulli(probs=ember.tensor(0.5)))
