"""The layered layout: sinks at the bottom, every edge pointing down, fewer crossings after sweeps."""
import pytest

from ember.viz.layout import layered_layout


def _crossings(edges, pos):
    c = 0
    for i, (a, b) in enumerate(edges):
        for c2, d in edges[i + 1:]:
            if pos[a][0] == pos[c2][0] and pos[b][0] == pos[d][0]:
                if (pos[a][1] - pos[c2][1]) * (pos[b][1] - pos[d][1]) < 0:
                    c += 1
    return c


def test_layers_follow_longest_paths():
    edges = [(1, 0), (2, 1), (3, 1), (3, 0)]
    pos = layered_layout(4, edges)
    assert pos[0][0] == 2 and pos[1][0] == 1 and pos[2][0] == 0 and pos[3][0] == 0
    assert all(pos[s][0] < pos[d][0] for s, d in edges)


def test_barycentre_sweeps_remove_crossings():
    # two independent chains drawn crossed in the initial order
    edges = [(2, 0), (3, 1), (4, 3), (5, 2)]
    pos = layered_layout(6, edges)
    assert _crossings(edges, pos) == 0


def test_cycles_are_refused():
    with pytest.raises(ValueError, match="acyclic"):
        layered_layout(2, [(0, 1), (1, 0)])
