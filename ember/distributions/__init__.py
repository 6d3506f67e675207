"""``ember.distributions``: the probability distributions PyTorch programs use most (policy gradients, VAEs,
Bayesian toys), with PyTorch's names, shapes, validation and formulas::

    dist = ember.distributions.Categorical(logits=policy(state))
    action = dist.sample()
    loss = -(dist.log_prob(action) * advantage).mean()

``Normal`` and ``Uniform`` have reparameterised ``rsample``. Samples follow ember's random streams, so they
differ from PyTorch's for the same seed (their distributions are the same).
"""
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .normal import Normal
from .uniform import Uniform

__all__ = ["Distribution", "Normal", "Categorical", "Bernoulli", "Uniform", "kl_divergence", "register_kl"]
