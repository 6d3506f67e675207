"""A layered (Sugiyama-style) layout for small DAGs: layers by longest path to the sink, order within a
layer by a few barycentre sweeps. Positions are in layer/slot units; the renderer scales them."""

__all__ = ["layered_layout"]


def layered_layout(n, edges, sweeps=4):
    """``[(layer, slot)]`` per node for ``edges`` ``(src, dst)`` flowing downwards; sinks are on the last layer."""
    consumers = [[] for _ in range(n)]
    producers = [[] for _ in range(n)]
    for s, d in edges:
        consumers[s].append(d)
        producers[d].append(s)
    # depth = longest path to a sink, computed in reverse topological order (iteratively: graphs can be deep)
    depth = [0] * n
    pending = [len(c) for c in consumers]
    ready = [i for i in range(n) if pending[i] == 0]
    seen = 0
    while ready:
        v = ready.pop()
        seen += 1
        for p in producers[v]:
            depth[p] = max(depth[p], depth[v] + 1)
            pending[p] -= 1
            if pending[p] == 0:
                ready.append(p)
    if seen != n:
        raise ValueError("layered_layout needs an acyclic graph")
    top = max(depth) if n else 0
    layers = [[] for _ in range(top + 1)]
    for v in range(n):
        layers[top - depth[v]].append(v)
    pos = {}
    for layer in layers:
        for i, v in enumerate(layer):
            pos[v] = i
    for sweep in range(sweeps):
        order = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        for li in order:
            nbrs = producers if sweep % 2 == 0 else consumers

            def bary(v):
                ns = nbrs[v]
                return sum(pos[u] for u in ns) / len(ns) if ns else pos[v]
            layers[li].sort(key=bary)
            for i, v in enumerate(layers[li]):
                pos[v] = i
    out = [None] * n
    for li, layer in enumerate(layers):
        for i, v in enumerate(layer):
            out[v] = (li, i)
    return out
