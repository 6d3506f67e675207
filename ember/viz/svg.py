"""Render a laid-out graph as a self-contained SVG document; every label is escaped (names come from users)."""
import html
import itertools
import re

__all__ = ["render_svg"]

_FILL = {"output": "#d1e7dd", "op": "#e9ecef", "param": "#cfe2ff", "leaf": "#fff3cd", "more": "#ffffff"}
_CHAR_W, _BOX_H, _GAP_X, _GAP_Y, _PAD = 7.2, 34, 24, 40, 12
_ids = itertools.count()
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text, limit=48):
    """Printable, XML-safe, length-limited text (escaping happens at output)."""
    text = str(text).encode("utf-8", "replace").decode("utf-8")
    text = _BAD_XML.sub("?", text)
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _esc(text):
    return html.escape(text, quote=True)


def render_svg(nodes, edges, positions):
    """``nodes`` as ``(kind, label, detail)``, ``edges`` as ``(src, dst)``, ``positions`` as ``(layer, slot)``."""
    labels = [(_clean(label), _clean(detail)) for _, label, detail in nodes]
    widths = [max(len(a), len(b)) * _CHAR_W + 2 * _PAD for a, b in labels]
    rows = {}
    for v, (layer, slot) in enumerate(positions):
        rows.setdefault(layer, []).append((slot, v))
    row_w = {layer: sum(widths[v] for _, v in r) + _GAP_X * (len(r) - 1) for layer, r in rows.items()}
    total_w = max(row_w.values(), default=0) + 2 * _PAD
    x, y = [0.0] * len(nodes), [0.0] * len(nodes)
    for layer, r in rows.items():
        cur = (total_w - row_w[layer]) / 2
        for _, v in sorted(r):
            x[v] = cur + widths[v] / 2
            y[v] = _PAD + layer * (_BOX_H + _GAP_Y)
            cur += widths[v] + _GAP_X
    total_h = _PAD * 2 + (max(rows, default=0) + 1) * (_BOX_H + _GAP_Y) - _GAP_Y
    marker = f"ember-arrow-{next(_ids)}"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
           f'viewBox="0 0 {total_w:.0f} {total_h:.0f}" font-family="monospace" font-size="12">',
           f'<defs><marker id="{marker}" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" '
           'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>']
    for s, d in edges:
        x1, y1, x2, y2 = x[s], y[s] + _BOX_H, x[d], y[d]
        ym = (y1 + y2) / 2
        out.append(f'<path d="M{x1:.1f},{y1:.1f} C{x1:.1f},{ym:.1f} {x2:.1f},{ym:.1f} {x2:.1f},{y2:.1f}" '
                   f'fill="none" stroke="#555" marker-end="url(#{marker})"/>')
    for v, (kind, _, _) in enumerate(nodes):
        label, detail = labels[v]
        left, top = x[v] - widths[v] / 2, y[v]
        out.append(f'<g class="ember-{kind}"><title>{_esc(label + (" " + detail if detail else ""))}</title>'
                   f'<rect x="{left:.1f}" y="{top:.1f}" width="{widths[v]:.1f}" height="{_BOX_H}" rx="4" '
                   f'fill="{_FILL.get(kind, "#ffffff")}" stroke="#333"/>')
        if detail:
            out.append(f'<text x="{x[v]:.1f}" y="{top + 14:.1f}" text-anchor="middle">{_esc(label)}</text>'
                       f'<text x="{x[v]:.1f}" y="{top + 28:.1f}" text-anchor="middle" fill="#555">{_esc(detail)}'
                       '</text></g>')
        else:
            out.append(f'<text x="{x[v]:.1f}" y="{top + 21:.1f}" text-anchor="middle">{_esc(label)}</text></g>')
    out.append("</svg>")
    return "\n".join(out)
