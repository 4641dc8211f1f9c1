"""Charts as inline SVG, drawn on the server: no script, no library, readable at 360 px (the SVG
scales to its container's width; the viewBox keeps the proportions)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Sized for a phone: 400 units shown ~320 px wide keep 13-unit labels readable (~10 px); the page
# caps a chart's width on a desktop.
WIDTH = 400
HEIGHT = 210
LEFT = 42  # room for the y-axis labels
BOTTOM = 26  # room for the x-axis labels
TOP = 24  # room for the legend
RIGHT = 8
FONT = 13


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[float | None]  # None: no point that day (no questions)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int]) -> Markup:
    """Bars of counts, one per label, with the y axis from 0 to the largest count."""
    top = max([*values, 1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values), 1)
    parts = [_frame(title), *_y_axis([0, top / 2, top], top, lambda v: f"{v:g}")]
    for index, value in enumerate(values):
        bar_h = plot_h * value / top
        x = LEFT + index * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - bar_h:.1f}" width="{step * 0.7:.1f}" '
            f'height="{bar_h:.1f}" fill="#2f6fb0"><title>{escape(labels[index])}：{value}</title></rect>'
        )
    parts += _x_labels(labels, step)
    return Markup("".join(parts) + "</svg>")


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """Rates (0..1) per label as lines in percent, with a legend."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels), 1)
    parts = [_frame(title), *_y_axis([0, 0.5, 1], 1, lambda v: f"{v:.0%}")]
    for number, line in enumerate(series):
        points = [
            (LEFT + index * step + step / 2, TOP + plot_h * (1 - value))
            for index, value in enumerate(line.values)
            if value is not None
        ]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{line.colour}" stroke-width="2"/>')
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{line.colour}"/>' for x, y in points]
        legend_x = LEFT + number * 110
        parts.append(f'<rect x="{legend_x}" y="4" width="11" height="11" fill="{line.colour}"/>')
        parts.append(
            f'<text x="{legend_x + 15}" y="14" font-size="{FONT}" fill="#333">{escape(line.name)}</text>'
        )
    parts += _x_labels(labels, step)
    return Markup("".join(parts) + "</svg>")


def _frame(title: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#999"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#999"/>'
    )


def _y_axis(ticks: Sequence[float], top: float, label: Callable[[float], str]) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for tick in ticks:
        y = TOP + plot_h * (1 - tick / top)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e5e5e5"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="{FONT}" text-anchor="end" fill="#555">'
            f"{escape(label(tick))}</text>"
        )
    return parts


def _x_labels(labels: Sequence[str], step: float) -> list[str]:
    # At most 5 labels fit on a phone; counted back from the last (today), which is always labelled.
    every = max(1, -(-len(labels) // 5))
    last = len(labels) - 1
    return [
        f'<text x="{LEFT + index * step + step / 2:.1f}" y="{HEIGHT - 10}" font-size="{FONT}" '
        f'text-anchor="middle" fill="#555">{escape(text)}</text>'
        for index, text in enumerate(labels)
        if (last - index) % every == 0
    ]


SPARK_WIDTH = 112
SPARK_HEIGHT = 28


def sparkline(title: str, labels: Sequence[str], values: Sequence[int]) -> Markup:
    """A small bar per label (a gap group's questions per day), for a table cell or a phone card; each
    bar's tooltip gives its day and count."""
    top = max([*values, 1])
    step = SPARK_WIDTH / max(len(values), 1)
    parts = [
        f'<svg class="spark" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<line x1="0" y1="{SPARK_HEIGHT - 0.5}" x2="{SPARK_WIDTH}" y2="{SPARK_HEIGHT - 0.5}" stroke="#ccc"/>'
    ]
    for index, value in enumerate(values):
        if not value:
            continue
        # At least 1 unit: one question among twenty stays visible.
        bar_h = max((SPARK_HEIGHT - 2) * value / top, 1.0)
        parts.append(
            f'<rect x="{index * step + step * 0.15:.1f}" y="{SPARK_HEIGHT - 1 - bar_h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{bar_h:.1f}" fill="#c0392b">'
            f"<title>{escape(labels[index])}：{value}</title></rect>"
        )
    return Markup("".join(parts) + "</svg>")
