"""The backward engine: runs graph nodes in dependency order, without recursion.

1. Count, for every node reachable from the roots, how many edges point at it (iterative DFS).
2. With ``inputs`` given, prune to the nodes that lead to them and recount.
3. Pop ready nodes (all their gradients summed) off a stack, run tensor hooks, check the versions of
   what they saved, call ``backward`` and hand each result to its edge: a node's buffer, or a leaf.
4. Leaves get their summed gradient once, after their hooks: stolen when the producing node promised
   a fresh array (``Node._fresh``), else copied, so ``.grad`` never aliases another array.
"""
import numpy as _np

from .. import _tensor as _T
from ..backend import device_of, writeable
from .grad_mode import state as _grad_state
from .node import FREED

__all__ = ["backward", "grad", "run_backward", "set_backward_hook"]

_FREED_MSG = ("Trying to backward through the graph a second time (or directly access saved tensors after "
              "they have already been freed). Saved intermediate values of the graph are freed when you call "
              ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
              "graph a second time or if you need to access saved tensors after calling backward.")


def _tensor_cls():
    return _T.Tensor, _T.make


def _as_tuple(x):
    if x is None:
        return None
    Tensor, _ = _tensor_cls()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _root_grads(tensors, grad_tensors, what="tensors"):
    """Validate roots and their seed gradients; returns (edges, arrays, fresh flags)."""
    Tensor, edge = _T.Tensor, _T.edge
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(grad_tensors)} gradients for {len(tensors)} {what}; pass one per output")
    edges, arrays, fresh = [], [], []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not isinstance(t, Tensor):
            raise TypeError(f"element {i} of {what} is a {type(t).__name__}, not a Tensor")
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        arr = t._array
        xp = t._device.xp
        if g is None:
            if arr.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            ga, is_fresh = xp.ones(arr.shape, arr.dtype), True
        else:
            if isinstance(g, Tensor):
                if g._device is not t._device:
                    raise RuntimeError(f"gradient for output {i} is on {g._device} but the output is on "
                                       f"{t._device}")
                ga = g._array
            else:
                ga = xp.asarray(g)
            if ga.shape != arr.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"ember.Size({list(ga.shape)}) and output[{i}] has a shape of "
                                   f"ember.Size({list(arr.shape)}).")
            is_fresh = False
            if ga.dtype != arr.dtype:
                ga, is_fresh = ga.astype(arr.dtype), True
        edges.append(edge(t))
        arrays.append(ga)
        fresh.append(is_fresh)
    return edges, arrays, fresh


def backward_scalar(t, retain_graph):
    """Fast path of ``t.backward()``: a scalar output seeded with one, no options."""
    if not t._requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    arr = t._array
    if arr.size != 1:
        raise RuntimeError("grad can be implicitly created only for scalar outputs")
    xp = t._device.xp
    # a GPU seed is filled by a kernel: xp.array(1) would copy from the host and wait for the forward pass
    seed = xp.ones(arr.shape, arr.dtype) if arr.ndim or xp is not _np else xp.array(1, arr.dtype)
    run_backward((_T.edge(t),), (seed,), (True,), bool(retain_graph))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the sum of gradients of ``tensors`` w.r.t. graph leaves, accumulating into ``.grad``.

    ``create_graph=True`` records the backward pass itself, so ``.grad`` can be differentiated again
    (``autograd.higher_order``).
    """
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    targets = None
    if inputs is not None:
        targets = _as_tuple(inputs)
        if not targets:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    edges, arrays, fresh = _root_grads(tensors, grad_tensors)
    if create_graph:
        from .higher_order import run_backward_graph
        run_backward_graph(edges, _seed_tensors(tensors, grad_tensors, arrays), retain_graph, targets)
        return
    run_backward(edges, arrays, fresh, retain_graph, targets, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``."""
    Tensor, make = _tensor_cls()
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if is_grads_batched:
        raise NotImplementedError("ember.autograd.grad: is_grads_batched is not supported")
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"inputs[{i}] is a {type(t).__name__}, not a Tensor")
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    edges, arrays, fresh = _root_grads(outputs, grad_outputs, "outputs")
    if create_graph:
        from .higher_order import run_backward_graph
        got = run_backward_graph(edges, _seed_tensors(outputs, grad_outputs, arrays), retain_graph, inputs,
                                 accumulate=False)
    else:
        got = run_backward(edges, arrays, fresh, retain_graph, inputs, accumulate=False)
    result = []
    for t, g in zip(inputs, got):
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = t._device.xp.zeros_like(t._array)
        if g is not None and not isinstance(g, Tensor):
            g = make(g, t._device)
        result.append(g)
    return tuple(result)


def _seed_tensors(outputs, grad_outputs, arrays):
    """The seeds of a recorded backward pass: a given gradient Tensor stays itself (``v`` of a
    Hessian-vector product may require grad), anything else becomes a constant Tensor."""
    Tensor, make = _tensor_cls()
    given = grad_outputs or (None,) * len(outputs)
    return [g if isinstance(g, Tensor) and g._array is a else make(a, t._device)
            for t, g, a in zip(outputs, given, arrays)]


def _node_of(e):
    k = e._kind
    return e if k == 1 else (e.node if k == 3 else None)


def _count_deps(roots):
    deps = {}
    stack = []
    for n in roots:
        if n not in deps:
            deps[n] = 0
            stack.append(n)
    order = []
    while stack:
        n = stack.pop()
        order.append(n)
        for e in n._next:
            if e is None or e._kind == 2:
                continue
            if e._kind == 3:
                e = e.node
            c = deps.get(e)
            if c is None:
                deps[e] = 1
                stack.append(e)
            else:
                deps[e] = c + 1
    return deps, order


def _prune(deps, roots, leaf_targets, node_targets):
    """Nodes whose backward must run to reach the targets, with their dependency counts recomputed."""
    indeg = dict(deps)
    topo, stack = [], [n for n in roots if indeg[n] == 0]
    stack = list(dict.fromkeys(stack))
    while stack:
        n = stack.pop()
        topo.append(n)
        for e in n._next:
            m = None if e is None else _node_of(e)
            if m is not None:
                indeg[m] -= 1
                if indeg[m] == 0:
                    stack.append(m)
    needed = set()
    for n in reversed(topo):
        for e in n._next:
            if e is None:
                continue
            if (e._kind == 2 and id(e) in leaf_targets) or (e._kind != 2 and _node_of(e) in needed) or \
                    (e._kind != 2 and _node_of(e) in node_targets):
                needed.add(n)
                break
    active = needed | set(node_targets)
    new_deps = {n: 0 for n in topo if n in active}
    for n in needed:
        for e in n._next:
            m = None if e is None else _node_of(e)
            if m is not None and m in new_deps:
                new_deps[m] += 1
    return new_deps, needed


def _plan(root_nodes, targets):
    """Dependency counts of the nodes to run and, with ``targets``, which nodes lead to them and where each
    target's gradient is captured: ``(deps, needed, leaf_targets, node_targets)`` (the last three None
    without targets). Shared by both engines."""
    deps, _ = _count_deps(root_nodes)
    if targets is None:
        return deps, None, None, None
    leaf_targets, node_targets = {}, {}
    for i, t in enumerate(targets):
        if t.grad_fn is None:
            leaf_targets.setdefault(id(t), []).append(i)
        else:
            node_targets.setdefault(t.grad_fn, []).append((t._output_nr, i))
    deps, needed = _prune(deps, root_nodes, leaf_targets, node_targets)
    return deps, needed, leaf_targets, node_targets


def run_backward(edges, arrays, fresh, retain_graph, targets=None, accumulate=True):
    """Run the graph from root ``edges`` seeded with ``arrays``; see the module docstring.

    With ``targets``, returns the gradient array (or None) for each target tensor, and accumulates
    into ``.grad`` only if ``accumulate`` (``backward(inputs=...)``).
    """
    make = _T.make
    buffers = {}
    leaf_grads = {}
    root_nodes = []
    for e, g, f in zip(edges, arrays, fresh):
        if e._kind == 2:
            old = leaf_grads.get(e)
            leaf_grads[e] = (g, f) if old is None else (old[0] + g, True)
            continue
        n = _node_of(e)
        root_nodes.append(n)
        _buffer_add(buffers, n, 0 if e._kind == 1 else e.nr, g)
    deps, needed, leaf_targets, node_targets = _plan(root_nodes, targets)
    captured = [None] * (len(targets) if targets is not None else 0)

    prev_enabled = _grad_state.enabled
    _grad_state.enabled = False          # backward formulas never record a graph
    try:
        ready = [n for n in dict.fromkeys(root_nodes) if deps.get(n) == 0]
        while ready:
            node = ready.pop()
            buf = buffers.pop(node, None)
            if node._thooks is not None and buf is not None:
                buf = _tensor_hooks(node, buf, make)
            if node_targets is not None and node in node_targets:
                for nr, i in node_targets[node]:
                    captured[i] = buf if node._n_out == 1 else (buf[nr] if buf is not None else None)
                if node not in needed:
                    continue
            v = node._versions
            if v is not None:
                if v is FREED:
                    raise RuntimeError(_FREED_MSG)
                if v:
                    _check_versions(node, v)
            if buf is None or (node._n_out > 1 and all(b is None for b in buf)):
                grads = (None,) * len(node._next)
            else:
                if _hook[0] is None and not _anomaly[0]:
                    grads = node.backward(buf) if node._n_out == 1 else node.backward(*buf)
                else:
                    grads = _observed_backward(node, buf)
                if not retain_graph and v is not None:
                    node._release()
            is_fresh = node._fresh
            for e, g in zip(node._next, grads):
                if e is None:
                    continue
                k = e._kind
                if k == 2:
                    if g is not None:
                        old = leaf_grads.get(e)
                        leaf_grads[e] = (g, is_fresh) if old is None else (old[0] + g, True)
                    continue
                m = e if k == 1 else e.node
                if m not in deps:
                    continue         # pruned: leads to no requested input
                if g is not None:
                    _buffer_add(buffers, m, 0 if k == 1 else e.nr, g)
                d = deps[m] - 1
                deps[m] = d
                if d == 0:
                    ready.append(m)
    finally:
        _grad_state.enabled = prev_enabled

    for leaf, (g, f) in leaf_grads.items():
        if leaf._hooks:
            g, f = _leaf_hooks(leaf, g, f, make)
        if leaf_targets is not None:
            idx = leaf_targets.get(id(leaf))
            if idx is None:
                continue
            for i in idx:
                captured[i] = g
            if not accumulate:
                continue
        _accumulate(leaf, g, f, make)
    return captured


_hook = [None]
_sync = [None]


def set_backward_hook(hook, synchronize=None):
    """Install ``hook(node, seconds)``, called after each node's backward (for the profiler); None removes it.

    ``synchronize()``, if given, runs before and after each timed backward so that asynchronous device work
    (CuPy) is inside the measured time. Returns the previous hook so callers can restore it.
    """
    prev, _hook[0] = _hook[0], hook
    _sync[0] = synchronize if hook is not None else None
    return prev


_anomaly = [False]          # anomaly detection (ember.autograd.set_detect_anomaly): NaN gradients raise


def _observed_backward(node, buf):
    """A node's backward under the profiler's hook and/or anomaly detection."""
    if _hook[0] is not None:
        grads = _timed_backward(node, buf)
    else:
        grads = node.backward(buf) if node._n_out == 1 else node.backward(*buf)
    if _anomaly[0]:
        from ..backend import xp_of
        for i, g in enumerate(grads):
            if g is not None and g.dtype.kind == "f" and bool(xp_of(g).isnan(g).any()):
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
    return grads


def _timed_backward(node, buf):
    import time
    sync = _sync[0]
    if sync is not None:
        sync()
    t0 = time.perf_counter()
    grads = node.backward(buf) if node._n_out == 1 else node.backward(*buf)
    if sync is not None:
        sync()
    _hook[0](node, time.perf_counter() - t0)
    return grads


def _buffer_add(buffers, n, nr, g):
    """Sum gradient ``g`` for output ``nr`` of node ``n`` into its buffer (a list for multi-output nodes)."""
    if n._n_out == 1:
        old = buffers.get(n)
        buffers[n] = g if old is None else old + g
    else:
        buf = buffers.get(n)
        if buf is None:
            buf = buffers[n] = [None] * n._n_out
        buf[nr] = g if buf[nr] is None else buf[nr] + g


def _check_versions(node, v):
    for i in range(0, len(v), 3):
        counter, expected, arr = v[i], v[i + 1], v[i + 2]
        if counter[0] != expected:
            from ..dtypes import _BY_NP
            short = _BY_NP[arr.dtype]._short
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: [{short} [{', '.join(map(str, arr.shape))}]] is at version {counter[0]}; expected "
                f"version {expected} instead. Hint: it was saved by {node.name()}; clone() it before the "
                f"in-place change, or make the change out of place.")


def _call_hook(fn, g, make, dev, what):
    r = fn(make(g, dev))
    if r is None:
        return g, False
    arr = getattr(r, "_array", None)
    if arr is None:
        raise TypeError(f"a hook on {what} returned a {type(r).__name__}; return a Tensor or None")
    if arr.shape != g.shape:
        raise RuntimeError(f"hook on {what} returned a gradient of shape {list(arr.shape)}, expected "
                           f"{list(g.shape)}")
    return arr, True


def _tensor_hooks(node, buf, make):
    single = node._n_out == 1
    for nr, (hooks, retain) in list(node._thooks.items()):
        g = buf if single else buf[nr]
        if g is None:
            continue
        t = retain() if retain is not None else None
        dev = t._device if t is not None else device_of(g)
        for fn in list(hooks.values()):
            g, _ = _call_hook(fn, g, make, dev, node.name())
        if t is not None:
            t._grad = make(g.copy(), dev) if t._grad is None else make(t._grad._array + g, dev)
        if single:
            buf = g
        else:
            buf[nr] = g
    return buf


def _leaf_hooks(leaf, g, fresh, make):
    for fn in list(leaf._hooks.values()):
        g, replaced = _call_hook(fn, g, make, leaf._device, "a leaf tensor")
        if replaced:
            fresh = False
    return g, fresh


def _accumulate(leaf, g, fresh, make):
    arr = leaf._array
    if g.shape != arr.shape:
        raise RuntimeError(f"internal error: gradient of shape {list(g.shape)} for a leaf of shape "
                           f"{list(arr.shape)}")
    if g.dtype != arr.dtype:
        g, fresh = g.astype(arr.dtype), True
    old = leaf._grad
    if old is None:
        if not fresh or not g.flags.c_contiguous or not writeable(g):
            g = g.copy()
        leaf._grad = make(g, leaf._device)
        return
    oa = old._array
    if writeable(oa) and oa.shape == g.shape and oa.dtype == g.dtype:
        leaf._device.xp.add(oa, g, out=oa)     # in place, as PyTorch does outside create_graph
        old._vc[0] += 1
    else:
        leaf._grad = make(oa + g, leaf._device)
