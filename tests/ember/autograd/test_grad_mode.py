"""Grad modes as context managers and decorators; detach and requires_grad."""
import pytest

import ember


def _records():
    return (ember.ones(1, requires_grad=True) * 2).requires_grad


def test_no_grad_context_and_nesting():
    assert _records()
    with ember.no_grad():
        assert not _records() and not ember.is_grad_enabled()
        with ember.enable_grad():
            assert _records()
        assert not _records()
    assert _records() and ember.is_grad_enabled()


def test_decorators_with_and_without_parentheses():
    @ember.no_grad()
    def f():
        return _records()

    @ember.no_grad
    def g():
        return _records()

    @ember.enable_grad()
    def h():
        return _records()

    assert f() is False and g() is False
    with ember.no_grad():
        assert h() is True
    assert _records()


def test_decorated_generator_keeps_mode_per_step():
    @ember.no_grad()
    def gen():
        for _ in range(2):
            yield _records()

    it = gen()
    assert next(it) is False
    assert _records()             # the caller's mode between steps
    assert next(it) is False


def test_set_grad_enabled_three_ways():
    with ember.set_grad_enabled(False):
        assert not _records()
    assert _records()
    ember.set_grad_enabled(False)
    try:
        assert not _records()
    finally:
        ember.set_grad_enabled(True)

    @ember.set_grad_enabled(False)
    def f():
        return _records()

    assert ember.is_grad_enabled() and f() is False
    with pytest.raises(TypeError):
        ember.set_grad_enabled("no")


def test_inference_mode():
    with ember.inference_mode():
        assert not _records() and ember.is_inference_mode_enabled()
    with ember.inference_mode(False):
        assert _records()

    @ember.inference_mode()
    def f():
        return _records()

    assert f() is False and not ember.is_inference_mode_enabled()


def test_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with ember.no_grad():
            raise ValueError
    assert ember.is_grad_enabled()


def test_detach_and_requires_grad():
    a = ember.ones(2, requires_grad=True)
    d = (a * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert a.detach().numpy() is not None
    b = (a * 2)
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        b.requires_grad_(False)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        ember.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        ember.zeros(2, dtype=ember.int64, requires_grad=True)
    c = ember.ones(2)
    c.requires_grad = True
    assert c.requires_grad and c.is_leaf
