"""``Optimizer``: parameter groups, per-parameter state and PyTorch's ``state_dict`` layout.

Subclasses implement ``step`` by calling their update function from ``_functional`` on raw arrays, so a
step records no graph and allocates no temporaries.
"""
import copy
import warnings
from collections import defaultdict
from itertools import chain

from .. import dtypes as _dt
from .._tensor import Tensor, make
from ..autograd.grad_mode import enable_grad
from ._functional import Workspace, get_foreach_kernel

__all__ = ["Optimizer", "required"]


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``; ``params`` is an iterable of tensors or of dicts (groups)."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._work = Workspace()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, but "
                            f"got {params.type()}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group (a dict with ``"params"`` and optional per-group options) to optimise as well."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error", stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's ``.grad``: to ``None`` (the default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is not None:
                    if set_to_none:
                        p._grad = None
                    else:
                        p._grad.zero_()

    def step(self, closure=None):
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _closure(self, closure):
        self._opt_called = True          # lets a scheduler warn when it is stepped before the optimizer
        if closure is None:
            return None
        with enable_grad():
            return closure()

    @staticmethod
    def _foreach_kernel(group, name):
        """``(params with gradients, their device, the group kernel)`` when ``name`` has a group-at-once kernel
        for the group's device (``_functional.register_foreach_kernel``: the GPU's multi-tensor steps) and the
        group's ``foreach``/``fused`` options allow it; None to go parameter by parameter."""
        params = [p for p in group["params"] if p._grad is not None]
        if not params or group.get("foreach") is False or group.get("fused") is False:
            return None
        dev = params[0]._device
        fn = get_foreach_kernel(name, dev.xp)
        if fn is None or any(p._device is not dev for p in params):
            return None
        return params, dev, fn

    def _state_tensor(self, p, state, key):
        """``state[key]``'s array, creating it (zeros shaped like ``p``) on first use."""
        t = state.get(key)
        if t is None:
            t = state[key] = make(p._device.xp.zeros_like(p._array), p._device)
        return t._array

    def _each_param(self, group):
        """``(p, state, step)`` for each parameter of ``group`` with a gradient, its step count advanced; the
        caller updates ``p`` in place, and its version counter moves on afterwards."""
        for p in group["params"]:
            if p._grad is None:
                continue
            state = self.state[p]
            yield p, state, self._next_step(state)
            p._vc[0] += 1

    @staticmethod
    def _next_step(state):
        """Increment the per-parameter step count (a float32 0-d tensor, as PyTorch keeps it); return it."""
        t = state.get("step")
        if t is None:
            import numpy as np
            t = state["step"] = make(np.zeros((), np.float32))
        t._array += 1
        return float(t._array)

    # ---- state dict (PyTorch's layout) ------------------------------------------------------------------
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, parameters numbered in
        group order; the state tensors are the live ones (copy them to keep a snapshot)."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: v for p, v in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()`` (ember's, or PyTorch's converted to ember tensors). Tensors are cast to
        their parameter's dtype and device (except ``step``); group sizes and state shapes must match."""
        try:
            saved_groups = copy.deepcopy(list(state_dict["param_groups"]))
            saved_state = state_dict["state"]
        except (KeyError, TypeError):
            raise ValueError("optimizer state_dict must be a dict with 'state' and 'param_groups'") from None
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for g, s in zip(self.param_groups, saved_groups):
            if len(g["params"]) != len(s.get("params", ())):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 "optimizer's group")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in self.param_groups)))
        state = defaultdict(dict)
        for key, value in saved_state.items():
            param = id_map.get(key)
            if param is None:
                state[key] = value
                continue
            if not isinstance(value, dict):
                raise ValueError(f"state of parameter {key} must be a dict, got {type(value).__name__}")
            state[param] = {k: _cast_state(param, key, k, v) for k, v in value.items()}
        for g, s in zip(self.param_groups, saved_groups):
            s["params"] = g["params"]
            for key, default in self.defaults.items():     # options newer than the saved dict
                s.setdefault(key, default)
        self.state = state
        self.param_groups = saved_groups

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._work = Workspace()

    def __repr__(self):
        s = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"


def _cast_state(param, index, key, value):
    if key == "step":
        if isinstance(value, Tensor):
            return value.detach().clone().float()
        if isinstance(value, (int, float)):
            import numpy as np
            return make(np.asarray(value, np.float32))
        raise ValueError(f"state 'step' of parameter {index} must be a number or a tensor, got {type(value).__name__}")
    if isinstance(value, Tensor):
        # 0-d values are per-parameter scalars (NAdam's mu_product): cast like PyTorch, whatever the shape
        if value.dim() != 0 and value.shape != param.shape:
            raise ValueError(f"loaded state {key!r} of parameter {index} has shape {list(value.shape)} but the "
                             f"parameter has shape {list(param.shape)}")
        dtype = param.dtype if value.is_floating_point() else value.dtype
        return value.detach().to(device=param.device, dtype=dtype, copy=True)
    if isinstance(value, dict):
        return {k: _cast_state(param, index, k, v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str, _dt.dtype)):
        return value
    raise ValueError(f"unsupported value of type {type(value).__name__} in the state of parameter {index}")


def check_adam_options(lr, betas, eps, weight_decay):
    """The argument checks Adam and its relatives share, with PyTorch's messages."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for i, b in enumerate(betas):
        if not 0.0 <= b < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
