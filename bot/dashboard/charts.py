"""Small charts drawn as inline SVG on the server: no JavaScript, nothing to fetch,
readable on a phone (they scale with the page width)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#2f6f4f", "#c8553d", "#3d6fc8", "#b08a2e", "#7a4fb0", "#2e9aa0")


def bars(items: Sequence[tuple[str, float]], *, unit: str = "%", scale: float = 100.0,
         width: int = 560, color: str = PALETTE[0]) -> str:
    """Horizontal bars, one per (label, value); value in [0, scale]."""
    if not items:
        return ""
    row, label_w = 30, 170
    height = row * len(items) + 8
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" preserveAspectRatio="xMinYMin meet">']
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        length = max(0.0, min(1.0, value / scale if scale else 0)) * (width - label_w - 60)
        shown = f"{value:.0f}{unit}"
        parts.append(
            f'<text x="0" y="{y + 19}" class="chart-label">{escape(label[:16])}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="20" rx="3" fill="{color}"/>'
            f'<text x="{label_w + length + 6:.1f}" y="{y + 19}" class="chart-value">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def lines(series: dict[str, list[float | None]], labels: Sequence[str], *, width: int = 560,
          height: int = 200, scale: float = 100.0) -> str:
    """One line per series over the same x labels (e.g. weeks); None leaves a gap."""
    if not series or not labels:
        return ""
    left, bottom, top = 36, 24, 10
    plot_w, plot_h = width - left - 26, height - bottom - top
    step = plot_w / max(1, len(labels) - 1)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height + 18 * ((len(series) + 2) // 3)}" role="img">']
    for tick in (0, 50, 100):
        y = top + plot_h * (1 - tick / scale)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="0" y="{y + 4:.1f}" class="chart-value">{tick}%</text>')
    for i, label in enumerate(labels):
        if i % max(1, len(labels) // 6) == 0:
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - 6}" class="chart-value" '
                         f'text-anchor="middle">{escape(label)}</text>')
    for n, (name, values) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        points = [(left + i * step, top + plot_h * (1 - v / scale)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        for x, y in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>')
        lx, ly = left + (n % 3) * (plot_w / 3), height + 14 + 18 * (n // 3)
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="12" height="12" fill="{color}"/>'
                     f'<text x="{lx + 16:.1f}" y="{ly}" class="chart-label">{escape(name[:18])}</text>')
    parts.append("</svg>")
    return "".join(parts)
