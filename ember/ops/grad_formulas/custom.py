"""``ember.autograd.Function``: its ``backward`` is user code on Tensors, so with recording on it is already
differentiable wherever it uses ember ops (PyTorch's rule too)."""
__all__ = ["custom_function"]


def custom_function(node, grads):
    import ember as E
    grads = grads if isinstance(grads, tuple) else (grads,)
    args = []
    for g, meta in zip(grads, node._out_meta):
        if g is None and meta is not None and getattr(node, "_materialize", True):
            shape, dt, dev = meta
            g = E.zeros(shape, dtype=_dtype(dt), device=dev)
        args.append(g)
    out = []
    for r, meta in node._checked_result(node._forward_cls.backward(node, *args)):
        if r is not None:
            shape, dt = meta
            if tuple(r.shape) != tuple(shape):
                r = r.sum_to_size(shape)
            r = r if r._array.dtype == dt else r.to(_dtype(dt))
        out.append(r)
    return tuple(out)


def _dtype(np_dtype):
    from ...dtypes import _BY_NP
    return _BY_NP[np_dtype]
