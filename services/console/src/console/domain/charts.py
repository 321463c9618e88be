"""Charts as inline SVG, drawn on the server: no script, nothing to load, prints as it shows."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 560
BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 190
VALUE_WIDTH = 90


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str


def bar_chart(title: str, bars: list[Bar]) -> Markup:
    """Horizontal bars scaled to the largest value, each labelled with its shown value."""
    height = GAP + len(bars) * (BAR_HEIGHT + GAP)
    track = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max((b.value for b in bars), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}"'
        f' height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = GAP + i * (BAR_HEIGHT + GAP)
        length = 0 if bar.value <= 0 else max(round(track * bar.value / top), 2)
        mid = y + BAR_HEIGHT / 2
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{mid}" text-anchor="end"'
            f' dominant-baseline="middle">{escape(bar.label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" rx="3"'
            f' class="bar"><title>{escape(bar.label)}: {escape(bar.shown)}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{mid}" dominant-baseline="middle"'
            f' class="value">{escape(bar.shown)}</text>'
        )
    parts.append("</svg>")
    # Every text placed in the SVG above went through escape(); the numbers are ours.
    return Markup("".join(parts))  # noqa: S704
