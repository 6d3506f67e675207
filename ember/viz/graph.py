"""Walk a tensor's autograd history into nodes and edges, and wrap them in a displayable ``Graph``."""
from .._tensor import Tensor
from .layout import layered_layout
from .svg import render_svg

__all__ = ["Graph", "draw_graph"]


class Graph:
    """An autograd graph: ``nodes`` are ``(kind, label, detail)`` with kind ``'output'``, ``'op'``, ``'param'``
    (a named leaf), ``'leaf'`` or ``'more'`` (the graph was cut at ``max_nodes``); ``edges`` are ``(src, dst)``
    node indices in the direction data flows (inputs to the ops that use them). Displays as SVG in Jupyter."""

    def __init__(self, nodes, edges, truncated=False):
        self.nodes = nodes
        self.edges = edges
        self.truncated = truncated
        self._svg = None

    @property
    def svg(self):
        if self._svg is None:
            self._svg = render_svg(self.nodes, self.edges, layered_layout(len(self.nodes), self.edges))
        return self._svg

    def _repr_svg_(self):
        return self.svg

    def save(self, path):
        """Write the drawing to ``path`` as an SVG file."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.svg)

    def __repr__(self):
        ops = sum(1 for kind, _, _ in self.nodes if kind == "op")
        more = ", truncated" if self.truncated else ""
        return f"<ember.viz.Graph: {len(self.nodes)} nodes ({ops} ops), {len(self.edges)} edges{more}>"


def _shape(t):
    return "(" + ", ".join(str(s) for s in t.shape) + ("," if t.dim() == 1 else "") + ")"


def draw_graph(tensor, params=None, show_shapes=True, max_nodes=500):
    """The autograd graph that produced ``tensor``: its ops (``MulBackward0``...), the leaf tensors they read
    (named from ``params``, a dict or ``named_parameters()`` of name to tensor) and ``tensor`` itself.

    Walks ``grad_fn.next_functions`` breadth first and stops after ``max_nodes`` nodes.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph expects an ember Tensor, got {type(tensor).__name__}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 2:
        raise ValueError(f"max_nodes must be an integer >= 2, got {max_nodes!r}")
    names = {id(t): str(n) for n, t in (dict(params) if params is not None else {}).items()}
    nodes, edges, index = [], [], {}

    def leaf_node(t):
        key = ("leaf", id(t))
        if key not in index:
            index[key] = len(nodes)
            name = names.get(id(t))
            nodes.append(("param" if name is not None else "leaf", name or "leaf", _shape(t) if show_shapes else ""))
        return index[key]

    out = len(nodes)
    nodes.append(("output", "output", _shape(tensor) if show_shapes else ""))
    if tensor.grad_fn is None:
        if tensor.requires_grad:
            edges.append((leaf_node(tensor), out))
        return Graph(nodes, edges)
    queue = [tensor.grad_fn]
    index[("fn", id(tensor.grad_fn))] = len(nodes)
    nodes.append(("op", tensor.grad_fn.name(), ""))
    edges.append((1, out))
    truncated = False
    while queue:
        fn = queue.pop(0)
        dst = index[("fn", id(fn))]
        for nxt, _ in fn.next_functions:
            if nxt is None:
                continue
            var = getattr(nxt, "variable", None)
            key = ("leaf", id(var)) if var is not None else ("fn", id(nxt))
            if key not in index:
                if len(nodes) >= max_nodes:
                    truncated = True
                    continue
                if var is not None:
                    leaf_node(var)
                else:
                    index[key] = len(nodes)
                    nodes.append(("op", nxt.name(), ""))
                    queue.append(nxt)
            edges.append((index[key], dst))
    if truncated:
        nodes.append(("more", "...", f"graph cut at {max_nodes} nodes"))
    return Graph(nodes, edges, truncated)
