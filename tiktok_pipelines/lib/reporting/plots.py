"""Small dependency-free SVG bar charts and scatter plots for reporting metadata.

Same approach as `tiktok_pipelines.lib.charts`: an SVG string, shown through `charts.svg_markdown` as a
data-URI Markdown image (Dagster's metadata panel renders it). No matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from tiktok_pipelines.lib.charts import PALETTE, _fmt, _ticks


def _frame(title: str, width: int, height: int) -> list[str]:
    return [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">'
             '<rect width="100%" height="100%" fill="white"/>'),
            f'<text x="8" y="16" font-size="12" font-weight="bold">{escape(title)}</text>']


def _no_data(out: list[str], width: int, height: int) -> str:
    out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#666">no data yet</text></svg>')
    return "".join(out)


def bar_chart_svg(
    labels: Sequence[str], values: Sequence[float], *, title: str, x_label: str = "", y_label: str = "",
    width: int = 320, height: int = 180, color: str = PALETTE[0],
) -> str:
    """Vertical bars, one per label, from 0 (negative values draw below the zero line)."""
    vals = [float(v) if v is not None and math.isfinite(float(v)) else 0.0 for v in values]
    out = _frame(title, width, height)
    if not vals:
        return _no_data(out, width, height)
    left, right, top, bottom = 40, 8, 26, 34 if x_label else 22
    pw, ph = width - left - right, height - top - bottom
    lo, hi = min(0.0, *vals), max(0.0, *vals)
    if hi == lo:
        hi = lo + 1
    ticks = _ticks(lo, hi, 4)

    def sy(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph

    for t in ticks:
        out.append(f'<line x1="{left}" y1="{sy(t):.1f}" x2="{left + pw}" y2="{sy(t):.1f}" stroke="#eee"/>'
                   f'<text x="{left - 4}" y="{sy(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    slot = pw / len(vals)
    label_every = max(1, math.ceil(len(vals) * 28 / pw))  # keep axis labels from overlapping
    for i, (lab, v) in enumerate(zip(labels, vals, strict=True)):
        x = left + i * slot + slot * 0.1
        y0, y1 = sorted((sy(0.0), sy(v)))
        out.append(f'<rect x="{x:.1f}" y="{y0:.1f}" width="{slot * 0.8:.1f}" height="{max(y1 - y0, 0.5):.1f}" '
                   f'fill="{color}"><title>{escape(str(lab))}: {_fmt(v)}</title></rect>')
        if i % label_every == 0:
            out.append(f'<text x="{x + slot * 0.4:.1f}" y="{top + ph + 13}" text-anchor="middle">'
                       f'{escape(str(lab))}</text>')
    out.append(f'<line x1="{left}" y1="{sy(0.0):.1f}" x2="{left + pw}" y2="{sy(0.0):.1f}" stroke="#999"/>')
    if x_label:
        out.append(f'<text x="{left + pw / 2}" y="{height - 4}" text-anchor="middle" fill="#444">'
                   f'{escape(x_label)}</text>')
    if y_label:
        out.append(f'<text x="10" y="{top + ph / 2}" text-anchor="middle" fill="#444" '
                   f'transform="rotate(-90 10 {top + ph / 2})">{escape(y_label)}</text>')
    out.append("</svg>")
    return "".join(out)


def histogram_counts(values: Sequence[float], bins: Sequence[float]) -> list[int]:
    """Counts per integer value when bins are the values themselves (scores 0..10); NaN/None ignored."""
    counts = dict.fromkeys(bins, 0)
    for v in values:
        if v is None or not math.isfinite(float(v)):
            continue
        if v in counts:
            counts[v] += 1
    return [counts[b] for b in bins]
