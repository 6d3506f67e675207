"""``ember.viz``: draw a tensor's autograd graph in a notebook, in pure Python (no Graphviz binary).

    loss = model(x).sum()
    ember.viz.draw_graph(loss, params=dict(model.named_parameters()))   # renders as SVG in Jupyter
"""
from .graph import Graph, draw_graph  # noqa: F401

__all__ = ["draw_graph", "Graph"]
