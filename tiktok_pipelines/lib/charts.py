"""Small dependency-free SVG charts for Dagster metadata and the dashboard.

Dagster renders Markdown metadata, including images given as data URIs, so a chart is an SVG string
turned into `![title](data:image/svg+xml;base64,...)`. No matplotlib: nothing heavy at import time.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be123c", "#4d7c0f", "#7c3aed", "#b45309")


@dataclass(frozen=True)
class Series:
    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    emphasis: bool = False


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 2.5, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def _fmt(v: float) -> str:
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(v) >= div:
            return f"{v / div:.3g}{suffix}"
    return f"{v:.3g}"


class _Plot:
    """The frame every chart shares: title, plot area, linear or log y scale, ticks and axis labels."""

    def __init__(self, title: str, width: int, height: int, margins: tuple[int, int, int, int]) -> None:
        self.width, self.height = width, height
        self.left, self.right, self.top, self.bottom = margins
        self.out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
                    f'font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>',
                    f'<text x="{self.left}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>']

    def no_data(self) -> str:
        self.out.append(f'<text x="{self.width / 2}" y="{self.height / 2}" text-anchor="middle" fill="#666">no data yet</text></svg>')
        return "".join(self.out)

    def scale(self, xs: Sequence[float], ys: Sequence[float], log_y: bool) -> None:
        self.log_y = log_y
        x0, x1 = min(xs), max(xs)
        y0, y1 = min(map(self.ty, ys)), max(map(self.ty, ys))
        self.x0, self.x1 = (x0 - 1, x1 + 1) if x1 == x0 else (x0, x1)
        self.y0, self.y1 = (y0 - 1, y1 + 1) if y1 == y0 else (y0, y1)
        self.pw, self.ph = self.width - self.left - self.right, self.height - self.top - self.bottom

    def ty(self, v: float) -> float:
        return math.log10(v) if self.log_y else v

    def sx(self, v: float) -> float:
        return self.left + (v - self.x0) / (self.x1 - self.x0) * self.pw

    def sy(self, v: float) -> float:
        return self.top + self.ph - (self.ty(v) - self.y0) / (self.y1 - self.y0) * self.ph

    def axes(self, x_label: str, y_label: str, *, x_tick_marks: bool = True) -> None:
        left, top, pw, ph, out = self.left, self.top, self.pw, self.ph, self.out
        out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#ccc"/>')
        for t in _ticks(self.x0, self.x1):
            mark = f'<line x1="{self.sx(t):.1f}" y1="{top + ph}" x2="{self.sx(t):.1f}" y2="{top + ph + 4}" stroke="#999"/>'
            out.append((mark if x_tick_marks else "") +
                       f'<text x="{self.sx(t):.1f}" y="{top + ph + 16}" text-anchor="middle">{_fmt(t)}</text>')
        y_ticks = [10**e for e in range(math.floor(self.y0), math.ceil(self.y1) + 1)] if self.log_y else _ticks(self.y0, self.y1)
        for t in y_ticks:
            if self.y0 - 1e-9 <= self.ty(t) <= self.y1 + 1e-9:
                out.append(f'<line x1="{left}" y1="{self.sy(t):.1f}" x2="{left + pw}" y2="{self.sy(t):.1f}" stroke="#eee"/>'
                           f'<text x="{left - 6}" y="{self.sy(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
        out.append(f'<text x="{left + pw / 2}" y="{self.height - 8}" text-anchor="middle">{escape(x_label)}</text>')
        out.append(f'<text x="14" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 {top + ph / 2})">'
                   f'{escape(y_label)}{" (log)" if self.log_y else ""}</text>')

    def legend_entry(self, i: int, label: str, color: str, *, line_width: float | None = None, max_chars: int = 22) -> None:
        """A line sample (line_width given) or a dot, then the label, in the right margin."""
        ly, x = self.top + 14 * i + 6, self.width - self.right
        if line_width is not None:
            mark, text_x = f'<line x1="{x + 10}" y1="{ly}" x2="{x + 26}" y2="{ly}" stroke="{color}" stroke-width="{line_width}"/>', x + 30
        else:
            mark, text_x = f'<circle cx="{x + 16}" cy="{ly}" r="4" fill="{color}"/>', x + 24
        self.out.append(f'{mark}<text x="{text_x}" y="{ly + 4}">{escape(label[:max_chars])}</text>')

    def done(self) -> str:
        self.out.append("</svg>")
        return "".join(self.out)


def line_chart_svg(
    series: Sequence[Series], *, title: str, x_label: str, y_label: str, log_y: bool = False,
    width: int = 720, height: int = 360, legend_max: int = 10,
) -> str:
    """Lines over a shared x axis. With log_y, non-positive values are dropped (log of 0 is undefined)."""
    pts = [
        [(float(x), float(y)) for x, y in zip(s.xs, s.ys, strict=False)
         if y is not None and x is not None and math.isfinite(float(y)) and math.isfinite(float(x)) and (not log_y or y > 0)]
        for s in series
    ]
    all_pts = [p for ps in pts for p in ps]
    plot = _Plot(title, width, height, (64, 16 + (150 if series else 0), 32, 44))
    if not all_pts:
        return plot.no_data()
    plot.scale([p[0] for p in all_pts], [p[1] for p in all_pts], log_y)
    plot.axes(x_label, y_label)
    for i, (s, ps) in enumerate(zip(series, pts, strict=True)):
        if not ps:
            continue
        color = "#111" if s.emphasis else PALETTE[i % len(PALETTE)]
        path = " ".join(f"{'M' if j == 0 else 'L'}{plot.sx(x):.1f},{plot.sy(y):.1f}" for j, (x, y) in enumerate(sorted(ps)))
        wdt = 3 if s.emphasis else 1.5
        plot.out.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="{wdt}" opacity="0.9"/>')
        if i < legend_max:
            plot.legend_entry(i, s.label, color, line_width=wdt)
    return plot.done()


def svg_markdown(svg: str, alt: str) -> str:
    """The SVG as a Markdown image (renders in Dagster's metadata panel and in HTML reports)."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"![{escape(alt)}](data:image/svg+xml;base64,{data})"


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    group: str = ""
    label: str = ""


def scatter_svg(
    points: Sequence[Point], *, title: str, x_label: str, y_label: str, log_y: bool = False,
    colors: dict[str, str] | None = None, width: int = 480, height: int = 320,
) -> str:
    """Points coloured by group (legend in group order of first appearance). With log_y, y <= 0 (and any
    non-finite point) is left out and the count is said in the title, never silently."""
    kept = [p for p in points if math.isfinite(p.x) and math.isfinite(p.y) and (not log_y or p.y > 0)]
    dropped = len(points) - len(kept)
    plot = _Plot(title + (f" ({dropped} at 0 omitted)" if dropped else ""), width, height, (64, 96, 32, 44))
    if not kept:
        return plot.no_data()
    plot.scale([p.x for p in kept], [p.y for p in kept], log_y)
    plot.axes(x_label, y_label, x_tick_marks=False)
    groups = list(dict.fromkeys(p.group for p in kept))
    palette = {g: (colors or {}).get(g, PALETTE[i % len(PALETTE)]) for i, g in enumerate(groups)}
    for p in kept:
        tip = f"<title>{escape(p.label)}</title>" if p.label else ""
        plot.out.append(f'<circle cx="{plot.sx(p.x):.1f}" cy="{plot.sy(p.y):.1f}" r="4" fill="{palette[p.group]}" opacity="0.75">{tip}</circle>')
    for i, g in enumerate(groups):
        if g:
            plot.legend_entry(i, g, palette[g], max_chars=14)
    return plot.done()


def bar_chart_svg(
    labels: Sequence[str], values: Sequence[float], *, title: str, x_label: str = "", y_label: str = "",
    width: int = 320, height: int = 180, color: str = PALETTE[0],
) -> str:
    """Vertical bars, one per label, from 0 (negative values draw below the zero line)."""
    vals = [float(v) if v is not None and math.isfinite(float(v)) else 0.0 for v in values]
    left, right, top, bottom = 40, 8, 26, 34 if x_label else 22
    plot = _Plot(title, width, height, (left, right, top, bottom))
    if not vals:
        return plot.no_data()
    out = plot.out
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
    return plot.done()


def histogram_counts(values: Sequence[float], bins: Sequence[float]) -> list[int]:
    """Counts per integer value when bins are the values themselves (scores 0..10); NaN/None ignored."""
    counts = dict.fromkeys(bins, 0)
    for v in values:
        if v is None or not math.isfinite(float(v)):
            continue
        if v in counts:
            counts[v] += 1
    return [counts[b] for b in bins]
