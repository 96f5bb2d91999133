"""An offline chart of the simulated day: people waiting per unit every 15 minutes, as plain SVG
(no script, no fonts or files fetched: it opens anywhere, also without a network)."""
from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

W, H = 960, 420
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 40, 40


def queue_svg(result: dict[str, Any], colors: dict[str, str], title: str = "") -> str:
    """People waiting (issued, not yet called) per unit over the day, mean over replications."""
    units = result["units"]
    start = result["queue_bins_from"] or "00:00"
    step = int(result["queue_bin_min"])
    h0, m0 = map(int, start.split(":"))
    first = h0 * 60 + m0
    n = max((len(u["queue_by_15min"]) for u in units.values()), default=0)
    top = max((max(u["queue_by_15min"], default=0) for u in units.values()), default=0) or 1
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(k: int) -> float:
        return LEFT + plot_w * k / max(n - 1, 1)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="#fff"/>',
           f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{escape(title or "People waiting per unit")}</text>']
    for frac in (0, 0.25, 0.5, 0.75, 1):
        v = top * frac
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>')
    for k in range(0, n, 4):  # a label every hour
        t = first + k * step
        out.append(f'<text x="{x(k):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">'
                   f'{t // 60:02d}:{t % 60:02d}</text>')
    ranked = sorted(units, key=lambda u: -max(units[u]["queue_by_15min"], default=0))
    for i, unit in enumerate(ranked):
        series = units[unit]["queue_by_15min"]
        color = colors.get(unit, "#555")
        points = " ".join(f"{x(k):.1f},{y(v):.1f}" for k, v in enumerate(series))
        out.append(f'<polyline fill="none" stroke="{escape(color)}" stroke-width="1.6" points="{points}"/>')
        ly = TOP + 14 * i
        if ly < H - BOTTOM:
            out.append(f'<line x1="{W - RIGHT + 12}" x2="{W - RIGHT + 30}" y1="{ly - 4}" y2="{ly - 4}" '
                       f'stroke="{escape(color)}" stroke-width="3"/>')
            peak = max(series, default=0)
            out.append(f'<text x="{W - RIGHT + 36}" y="{ly}">{escape(unit)} ({peak:.0f})</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
