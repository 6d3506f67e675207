"""ember.viz.draw_graph: the autograd graph as nodes/edges and a valid, escaped SVG."""
import xml.etree.ElementTree as ET

import pytest

import ember
import ember.nn as nn
from ember.viz import draw_graph

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg):
    return [t.text for t in ET.fromstring(svg).iter(SVG + "text")]


def test_graph_of_a_small_model_names_parameters_and_ops():
    m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    loss = m(ember.randn(5, 4)).sum()
    g = draw_graph(loss, params=m.named_parameters())
    kinds = [k for k, _, _ in g.nodes]
    labels = [label for _, label, _ in g.nodes]
    assert kinds.count("param") == 4 and kinds.count("output") == 1
    assert labels.count("AddmmBackward0") == 2 and "ReluBackward0" in labels and "SumBackward0" in labels
    assert ("param", "0.weight", "(3, 4)") in g.nodes and ("param", "2.bias", "(2,)") in g.nodes
    names = {i: label for i, (_, label, _) in enumerate(g.nodes)}
    edges = {(names[s], names[d]) for s, d in g.edges}
    assert ("0.weight", "AddmmBackward0") in edges and ("ReluBackward0", "AddmmBackward0") in edges
    assert ("SumBackward0", "output") in edges and len(g.edges) == 8
    svg = g._repr_svg_()
    root = ET.fromstring(svg)                                 # valid XML
    assert root.tag == SVG + "svg" and len(list(root.iter(SVG + "rect"))) == len(g.nodes)
    assert len(list(root.iter(SVG + "path"))) == len(g.edges) + 1        # edges + the arrow head
    assert {"AddmmBackward0", "ReluBackward0", "0.weight", "(3, 4)", "output"} <= set(_texts(svg))
    assert repr(g) == "<ember.viz.Graph: 9 nodes (4 ops), 8 edges>"


def test_shared_inputs_and_multi_output_ops_appear_once():
    a = ember.randn(3, requires_grad=True)
    y = a * a + a.exp()
    g = draw_graph(y)
    assert [k for k, _, _ in g.nodes].count("leaf") == 1
    parts = ember.randn(4, requires_grad=True).split(2)
    g = draw_graph(parts[0] * parts[1])
    assert [label for _, label, _ in g.nodes].count("SplitBackward0") == 1


def test_labels_are_escaped_and_sanitised():
    w = ember.ones(2, requires_grad=True)
    evil = '<script>alert("x")</script>&\x00\x07\ud800'
    svg = draw_graph((w * 2).sum(), params={evil: w}).svg
    ET.fromstring(svg)                                        # still valid XML
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "\x00" not in svg and "\x07" not in svg


def test_leaf_without_history_and_truncation():
    g = draw_graph(ember.ones(3))
    assert g.nodes == [("output", "output", "(3,)")] and g.edges == []
    g = draw_graph(ember.ones(3, requires_grad=True))
    assert [k for k, _, _ in g.nodes] == ["output", "leaf"]
    x = ember.ones(2, requires_grad=True)
    for _ in range(50):
        x = x * 1.01
    g = draw_graph(x, max_nodes=10)
    assert g.truncated and len(g.nodes) == 11 and g.nodes[-1][0] == "more"
    ET.fromstring(g.svg)
    with pytest.raises(TypeError, match="expects an ember Tensor"):
        draw_graph([1, 2])
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(x, max_nodes=1)


def test_deep_graph_renders_without_recursion(tmp_path):
    x = ember.ones(2, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y + 1
    g = draw_graph(y, max_nodes=5000)
    assert len(g.nodes) == 3002
    g.save(tmp_path / "g.svg")
    ET.parse(tmp_path / "g.svg")
