"""``ember.autograd.functional``: Jacobians and vector products of a whole function, as
``torch.autograd.functional``. They are built from backward passes (one per output element for ``jacobian``);
``hessian``, ``hvp`` and ``vhp`` differentiate a gradient recorded with ``create_graph=True``
(``autograd/higher_order.py``). With ``create_graph=True`` the results keep their graph to the inputs."""
from .engine import grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jacobian", "jvp", "hessian", "hvp", "vhp"]


def _as_tuple(x, arg, fn):
    from .._tensor import Tensor
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"The {arg} given to {fn} must be either a Tensor or a tuple of Tensors but the value at "
                            f"index {i} has type {type(t)}.")
    return is_tuple, xs


def _prepare(inputs, create_graph):
    """Inputs to differentiate: with ``create_graph`` a view that keeps the path to the caller's tensors (so
    the results can be differentiated with respect to them), else fresh leaves."""
    return tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(True)
                 for t in inputs)


def _finish(ts, create_graph):
    return tuple(t if create_graph else t.detach() for t in ts)


def _run(func, inputs, fn, create_graph=False):
    is_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    inputs = _prepare(inputs, create_graph)
    with enable_grad():
        out = func(*inputs)
    out_tuple, outputs = _as_tuple(out, "outputs of the user-provided function", fn)
    return is_tuple, inputs, out_tuple, outputs


def _grads(outputs, inputs, grad_outputs, strict, fn, create_graph=False):
    """Gradients of ``outputs`` (with ``grad_outputs``) for each input: zeros where an input is unused."""
    live = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not live:
        got = (None,) * len(inputs)
    else:
        got = grad([o for o, _ in live], inputs, [g for _, g in live], retain_graph=True, allow_unused=True,
                   create_graph=create_graph)
    if strict and any(g is None for g in got):
        raise RuntimeError(f"The output of the user-provided function is independent of an input. This is not "
                           f"allowed in strict mode ({fn}).")
    return tuple(g if g is not None else i.new_zeros(i.shape) for g, i in zip(got, inputs))


def _input_vectors(v, xs, fn):
    """``v`` as a tuple, one per input; None only for a single one-element input (then it is 1)."""
    if v is not None:
        return _as_tuple(v, "v", fn)[1]
    if len(xs) != 1 or xs[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                           "Tensor with a single element.")
    return (xs[0].new_ones(xs[0].shape),)


def _pack(xs, is_tuple):
    return xs if is_tuple else xs[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``; ``v`` may be omitted for a single-element output."""
    is_tuple, inputs, out_tuple, outputs = _run(func, inputs, "vjp", create_graph)
    if v is None:
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single Tensor "
                               "with a single element.")
        vs = (outputs[0].new_ones(outputs[0].shape),)
    else:
        _, vs = _as_tuple(v, "v", "vjp")
        for o, w in zip(outputs, vs):
            if o.shape != w.shape:
                raise RuntimeError(f"Mismatch in shape: v has shape {tuple(w.shape)} but the output of the function "
                                   f"has shape {tuple(o.shape)}.")
    result = _grads(outputs, inputs, vs, strict, "vjp", create_graph)
    return _pack(_finish(outputs, create_graph), out_tuple), _pack(_finish(result, create_graph), is_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d outputs / d inputs: for one input and one output a tensor of shape ``out.shape + in.shape``; tuples
    (of tuples) of such blocks when ``inputs`` or the outputs are tuples."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    is_tuple, inputs, out_tuple, outputs = _run(func, inputs, "jacobian", create_graph)
    from ..ops.combine import stack
    blocks = []
    for o in outputs:
        rows = []
        flat = o.reshape(-1)
        for k in range(flat.numel()):
            onehot = o.new_zeros(flat.shape)
            onehot[k] = 1
            rows.append(_grads((o,), inputs, (onehot.reshape(o.shape),), strict, "jacobian", create_graph))
        per_input = []
        for j, inp in enumerate(inputs):
            if rows:
                per_input.append(stack([r[j] for r in rows]).reshape(tuple(o.shape) + tuple(inp.shape)))
            else:
                per_input.append(inp.new_zeros(tuple(o.shape) + tuple(inp.shape)))
        blocks.append(_pack(_finish(per_input, create_graph), is_tuple))
    return _pack(tuple(blocks), out_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``, through the full Jacobian (ember has no forward-mode AD)."""
    is_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
    vs = _input_vectors(v, xs, "jvp")
    with enable_grad():
        out = func(*(x.detach() for x in xs))
    out_tuple, outputs = _as_tuple(out, "outputs of the user-provided function", "jvp")
    jac = jacobian(func, xs if is_tuple else xs[0], create_graph=create_graph, strict=strict)
    jac = jac if out_tuple else (jac,)
    result = []
    for o, block in zip(outputs, jac):
        block = block if is_tuple else (block,)
        total = o.detach().new_zeros(o.shape)
        for b, x, w in zip(block, xs, vs):
            total = total + (b.reshape(o.numel(), x.numel()) @ w.reshape(-1).to(b.dtype)).reshape(o.shape)
        result.append(total)
    return _pack(tuple(o.detach() for o in outputs), out_tuple), _pack(_finish(result, create_graph), out_tuple)


def _scalar_output(func, inputs, fn, create_graph):
    is_tuple, xs, out_tuple, outputs = _run(func, inputs, fn, create_graph)
    if out_tuple or len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(f"The function given to {fn} should return a single Tensor with a single element, "
                           f"got {len(outputs)} output(s) of shape {tuple(outputs[0].shape) if outputs else ()}.")
    return is_tuple, xs, outputs[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar ``func``: for one input a tensor of shape ``in.shape + in.shape``, for a
    tuple of inputs a tuple of tuples of blocks (block ``[i][j]`` is d2 f / d in_i d in_j)."""
    is_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*inner):
        _, ins, out = _scalar_output(func, inner if is_tuple else inner[0], "hessian", True)
        return _pack(_grads((out,), ins, (out.new_ones(out.shape),), strict, "hessian", True), is_tuple)
    return jacobian(gradient, xs if is_tuple else xs[0], create_graph=create_graph, strict=strict)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``, from one recorded gradient and one more backward pass."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)``; the Hessian of a twice-differentiable function is symmetric, so this is ``vhp``'s
    computation."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, fn):
    is_tuple, xs, out = _scalar_output(func, inputs, fn, create_graph)
    vs = _input_vectors(v, xs, fn)
    if len(vs) != len(xs) or any(a.shape != b.shape for a, b in zip(vs, xs)):
        raise RuntimeError(f"v has shapes {[tuple(a.shape) for a in vs]} but the inputs have shapes "
                           f"{[tuple(b.shape) for b in xs]}; they must match")
    first = _grads((out,), xs, (out.new_ones(out.shape),), strict, fn, True)
    second = _grads(first, xs, vs, strict, fn, create_graph)
    return _finish((out,), create_graph)[0], _pack(_finish(second, create_graph), is_tuple)
