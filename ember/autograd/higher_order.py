"""Backward passes that are graphs themselves (``create_graph=True``): gradients of gradients.

The ordinary engine (``engine.run_backward``) runs each node's ``backward`` on raw arrays with recording off,
which is as fast as a backward pass gets but leaves nothing to differentiate. With ``create_graph=True`` this
engine walks the same graph in the same order, but each node's gradient is computed by a *formula* written
with ember's own differentiable ops on Tensors, with recording on, so the result carries a graph back to the
inputs and to the node's saved values: a physics-informed network's second derivative, a gradient penalty,
a Hessian-vector product. The formulas live in ``ember/ops/grad_formulas/`` (registered with ``formula``);
a node without one raises ``NotImplementedError`` naming it, rather than returning a gradient that silently
has no graph.

A formula is ``fn(node, grad) -> tuple`` aligned with ``node._next`` (``grad`` a Tensor, or a tuple of
Tensors/None for multi-output nodes). It rebuilds what the node saved as Tensors joined to the graph with
``saved`` (an input: gradients reaching it flow on to whatever produced that input) and ``output`` (the
node's own result: they flow into the node itself, as for ``tanh``'s ``1 - out**2``).
"""
from .. import _tensor as _T
from ..backend import device_of
from .grad_mode import state as _grad_state
from .node import FREED

__all__ = ["formula", "saved", "output", "run_backward_graph", "has_formula", "has_own_formula"]

_FORMULAS = {}
_loaded = [False]


def formula(*classes):
    """Register ``fn(node, grad)`` as the differentiable backward of each node class (exact classes only: a
    subclass often computes a different gradient, as ``SubBackward0`` does from ``AddBackward0``)."""
    def register(fn):
        for cls in classes:
            _FORMULAS[cls] = fn
        return fn
    return register


def _formula_of(node):
    if not _loaded[0]:
        from ..ops import grad_formulas  # noqa: F401  (registers them; imported on first use only)
        _loaded[0] = True
    fn = _FORMULAS.get(type(node))
    if fn is None:
        from .function import BackwardCFunction
        if isinstance(node, BackwardCFunction):
            from ..ops.grad_formulas.custom import custom_function
            return custom_function
        raise NotImplementedError(
            f"create_graph=True: ember cannot differentiate the backward of {node.name()} yet (gradients of "
            f"gradients exist for elementwise arithmetic and math, matmul and linear, reductions, shape and "
            f"indexing ops, common activations and losses: docs/EMBER.md lists them). Compute this part "
            f"without create_graph, or with ember.autograd.Function and a backward written in ember ops.")
    return fn


def has_own_formula(cls):
    """Whether node class ``cls`` already has a formula registered (exact class)."""
    return cls in _FORMULAS


def has_formula(node):
    """Whether ``node`` can run under ``create_graph=True``."""
    try:
        _formula_of(node)
    except NotImplementedError:
        return False
    return True


def saved(node, i, array, dtype=None):
    """Input ``i`` of ``node`` as a Tensor holding ``array`` (what the node saved of it), joined to the graph
    where the node's edge ``i`` leads. ``dtype``: the input's own dtype when ``array`` is a promoted copy
    (the Tensor is then a cast of it, so gradients reach the input in its dtype)."""
    if array is None or not hasattr(array, "shape"):
        return array                                   # a Python scalar operand
    e = node._next[i] if i < len(node._next) else None
    dev = device_of(array)
    if e is None:
        return _T.make(array, dev)
    base = array if dtype is None or array.dtype == dtype else array.astype(dtype)
    if e._kind == 2:                                   # a leaf: route through it, never make a second leaf
        t = e if e._array.shape == base.shape and e._array.dtype == base.dtype else e.reshape(base.shape)
    else:
        t = _T.make(base, dev)
        t.grad_fn = e if e._kind == 1 else e.node
        t._output_nr = 0 if e._kind == 1 else e.nr
        t._requires_grad = True
    return t if base is array else t.to(_dtype(array.dtype))


def output(node, array, nr=0):
    """Output ``nr`` of ``node`` as a Tensor holding ``array``: gradients reaching it flow into ``node``."""
    t = _T.make(array, device_of(array))
    t.grad_fn = node
    t._output_nr = nr
    t._requires_grad = True
    return t


def _dtype(np_dtype):
    from ..dtypes import _BY_NP
    return _BY_NP[np_dtype]


def run_backward_graph(edges, grads, retain_graph, targets=None, accumulate=True):
    """``engine.run_backward`` with Tensor gradients and recording on; same arguments, Tensors returned."""
    # the array engine's bookkeeping works unchanged on Tensors (``+`` records)
    from .engine import _FREED_MSG, _anomaly, _buffer_add, _check_versions, _node_of, _plan
    buffers, leaf_grads, root_nodes = {}, {}, []
    for e, g in zip(edges, grads):
        if e._kind == 2:
            leaf_grads[e] = g if e not in leaf_grads else leaf_grads[e] + g
            continue
        n = _node_of(e)
        root_nodes.append(n)
        _buffer_add(buffers, n, 0 if e._kind == 1 else e.nr, g)
    deps, needed, leaf_targets, node_targets = _plan(root_nodes, targets)
    captured = [None] * (len(targets) if targets is not None else 0)

    prev = _grad_state.enabled
    _grad_state.enabled = True            # the formulas record: that is the point
    try:
        ready = [n for n in dict.fromkeys(root_nodes) if deps.get(n) == 0]
        while ready:
            node = ready.pop()
            buf = buffers.pop(node, None)
            if node._thooks is not None and buf is not None:
                buf = _tensor_hooks(node, buf)
            if node_targets is not None and node in node_targets:
                for nr, i in node_targets[node]:
                    captured[i] = buf if node._n_out == 1 else (buf[nr] if buf is not None else None)
                if node not in needed:
                    continue
            v = node._versions
            if v is FREED:
                raise RuntimeError(_FREED_MSG)
            if v:
                _check_versions(node, v)
            if buf is None or (node._n_out > 1 and all(b is None for b in buf)):
                grads_out = (None,) * len(node._next)
            else:
                grads_out = _formula_of(node)(node, buf if node._n_out == 1 else tuple(buf))
                if _anomaly[0]:
                    _check_nan(node, grads_out)
                if not retain_graph and v is not None:
                    node._release()
            for e, g in zip(node._next, grads_out):
                if e is None:
                    continue
                if e._kind == 2:
                    if g is not None:
                        leaf_grads[e] = g if e not in leaf_grads else leaf_grads[e] + g
                    continue
                m = _node_of(e)
                if m not in deps:
                    continue
                if g is not None:
                    _buffer_add(buffers, m, 0 if e._kind == 1 else e.nr, g)
                deps[m] -= 1
                if deps[m] == 0:
                    ready.append(m)

        for leaf, g in leaf_grads.items():
            for fn in list((leaf._hooks or {}).values()):
                r = fn(g)
                g = g if r is None else r
            if leaf_targets is not None:
                idx = leaf_targets.get(id(leaf))
                if idx is None:
                    continue
                for i in idx:
                    captured[i] = g
                if not accumulate:
                    continue
            if g.dtype != leaf.dtype:
                g = g.to(leaf.dtype)
            # out of place, as PyTorch does under create_graph: .grad keeps its graph to the inputs
            leaf._grad = g if leaf._grad is None else leaf._grad + g
    finally:
        _grad_state.enabled = prev
    return captured


def _check_nan(node, grads):
    """Anomaly detection (``autograd.set_detect_anomaly``), as the array engine does it."""
    for i, g in enumerate(grads):
        if g is not None and g.dtype.is_floating_point and bool(g.isnan().any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _tensor_hooks(node, buf):
    single = node._n_out == 1
    for nr, (hooks, retain) in list(node._thooks.items()):
        g = buf if single else buf[nr]
        if g is None:
            continue
        for fn in list(hooks.values()):
            r = fn(g)
            g = g if r is None else r
        t = retain() if retain is not None else None
        if t is not None:
            t._grad = g if t._grad is None else t._grad + g
        if single:
            buf = g
        else:
            buf[nr] = g
    return buf
