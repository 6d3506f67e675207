"""``ember.autograd.functional``: Jacobians and vector products of a whole function, as
``torch.autograd.functional``. They are built from backward passes (one per output element for ``jacobian``);
``hessian``, ``hvp`` and ``vhp`` need gradients of gradients, which ember does not record, and are refused."""
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


def _no_create_graph(create_graph, fn):
    if create_graph:
        raise NotImplementedError(f"ember.autograd.functional.{fn}: create_graph=True (gradients of gradients) is not "
                                  f"supported")


def _run(func, inputs, fn):
    is_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    inputs = tuple(t.detach().requires_grad_(True) for t in inputs)
    with enable_grad():
        out = func(*inputs)
    out_tuple, outputs = _as_tuple(out, "outputs of the user-provided function", fn)
    return is_tuple, inputs, out_tuple, outputs


def _grads(outputs, inputs, grad_outputs, strict, fn):
    """Gradients of ``outputs`` (with ``grad_outputs``) for each input: zeros where an input is unused."""
    live = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not live:
        got = (None,) * len(inputs)
    else:
        got = grad([o for o, _ in live], inputs, [g for _, g in live], retain_graph=True, allow_unused=True)
    if strict and any(g is None for g in got):
        raise RuntimeError(f"The output of the user-provided function is independent of an input. This is not "
                           f"allowed in strict mode ({fn}).")
    return tuple(g if g is not None else i.new_zeros(i.shape) for g, i in zip(got, inputs))


def _pack(xs, is_tuple):
    return xs if is_tuple else xs[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``; ``v`` may be omitted for a single-element output."""
    _no_create_graph(create_graph, "vjp")
    is_tuple, inputs, out_tuple, outputs = _run(func, inputs, "vjp")
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
    result = _grads(outputs, inputs, vs, strict, "vjp")
    return _pack(tuple(o.detach() for o in outputs), out_tuple), _pack(result, is_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d outputs / d inputs: for one input and one output a tensor of shape ``out.shape + in.shape``; tuples
    (of tuples) of such blocks when ``inputs`` or the outputs are tuples."""
    _no_create_graph(create_graph, "jacobian")
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    is_tuple, inputs, out_tuple, outputs = _run(func, inputs, "jacobian")
    from ..ops.combine import stack
    blocks = []
    for o in outputs:
        rows = []
        flat = o.reshape(-1)
        for k in range(flat.numel()):
            onehot = o.new_zeros(flat.shape)
            onehot[k] = 1
            rows.append(_grads((o,), inputs, (onehot.reshape(o.shape),), strict, "jacobian"))
        per_input = []
        for j, inp in enumerate(inputs):
            if rows:
                per_input.append(stack([r[j] for r in rows]).reshape(tuple(o.shape) + tuple(inp.shape)))
            else:
                per_input.append(inp.new_zeros(tuple(o.shape) + tuple(inp.shape)))
        blocks.append(_pack(tuple(per_input), is_tuple))
    return _pack(tuple(blocks), out_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``, through the full Jacobian (ember has no forward-mode AD)."""
    _no_create_graph(create_graph, "jvp")
    is_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                               "Tensor with a single element.")
        vs = (xs[0].new_ones(xs[0].shape),)
    else:
        _, vs = _as_tuple(v, "v", "jvp")
    with enable_grad():
        out = func(*(x.detach() for x in xs))
    out_tuple, outputs = _as_tuple(out, "outputs of the user-provided function", "jvp")
    jac = jacobian(func, xs if is_tuple else xs[0], strict=strict)
    jac = jac if out_tuple else (jac,)
    result = []
    for o, block in zip(outputs, jac):
        block = block if is_tuple else (block,)
        total = o.detach().new_zeros(o.shape)
        for b, x, w in zip(block, xs, vs):
            total = total + (b.reshape(o.numel(), x.numel()) @ w.reshape(-1).to(b.dtype)).reshape(o.shape)
        result.append(total)
    return _pack(tuple(o.detach() for o in outputs), out_tuple), _pack(tuple(result), out_tuple)


def _second_order(name):
    def refuse(*args, **kwargs):
        raise NotImplementedError(f"ember.autograd.functional.{name} needs gradients of gradients, which ember does "
                                  f"not record (create_graph=True is not supported)")
    refuse.__name__ = name
    return refuse


hessian = _second_order("hessian")
hvp = _second_order("hvp")
vhp = _second_order("vhp")
