"""``kl_divergence(p, q)`` for pairs of the same family, and ``register_kl`` to add more pairs."""
from ..ops.elementwise import where

__all__ = ["kl_divergence", "register_kl"]

_KL = {}


def register_kl(type_p, type_q):
    """Decorator: ``@register_kl(P, Q)`` makes the function compute ``KL(p || q)`` for those types."""
    def decorator(fn):
        _KL[type_p, type_q] = fn
        return fn
    return decorator


def kl_divergence(p, q):
    for (tp, tq), fn in _KL.items():
        if isinstance(p, tp) and isinstance(q, tq):
            return fn(p, q)
    raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
                              f"{type(q).__name__}")


def _register_builtin():
    from .bernoulli import Bernoulli
    from .categorical import Categorical
    from .normal import Normal
    from .uniform import Uniform

    @register_kl(Normal, Normal)
    def _kl_normal_normal(p, q):
        var_ratio = (p.scale / q.scale).pow(2)
        t1 = ((p.loc - q.loc) / q.scale).pow(2)
        return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())

    @register_kl(Categorical, Categorical)
    def _kl_categorical_categorical(p, q):
        t = p.probs * (p.logits - q.logits)
        t = where(q.probs == 0, float("inf"), t)
        return where(p.probs == 0, 0.0, t).sum(-1)

    @register_kl(Bernoulli, Bernoulli)
    def _kl_bernoulli_bernoulli(p, q):
        from ..ops.nn_ops import softplus
        t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
        t1 = where(q.probs == 0, float("inf"), t1)
        t1 = where(p.probs == 0, 0.0, t1)
        t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
        t2 = where(q.probs == 1, float("inf"), t2)
        t2 = where(p.probs == 1, 0.0, t2)
        return t1 + t2

    @register_kl(Uniform, Uniform)
    def _kl_uniform_uniform(p, q):
        result = ((q.high - q.low) / (p.high - p.low)).log()
        return where((q.low > p.low) | (q.high < p.high), float("inf"), result)


_register_builtin()
