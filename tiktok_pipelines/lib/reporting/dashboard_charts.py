"""The dashboard's charts, drawn from its own data (so a chart never disagrees with the table)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiktok_pipelines.lib.charts import Point, Series, line_chart_svg, scatter_svg

BAND_COLORS = {"pass": "#15803d", "revise": "#d97706", "reshoot": "#b91c1c"}
CURVES_PER_COHORT = 8


def dashboard_charts(data: Mapping[str, Any]) -> dict[str, str]:
    """SVG strings keyed "cohort:<id>" (growth curves) and by creative-vs-performance chart name."""
    charts: dict[str, str] = {}
    for c in data.get("cohorts", []):
        charts[f"cohort:{c['id']}"] = cohort_growth_svg(c)
    scored = [r for r in data.get("table", []) if r.get("overall") is not None and r.get("v24") is not None]
    if scored:
        charts["overall_vs_velocity"] = scatter_svg(
            [Point(r["overall"], r["v24"], r["band"], f"{r['id']}: {r['overall']}, {r['v24']:.0f} views/h") for r in scored],
            title="Overall score vs 24 h velocity", x_label="overall score (0-100)", y_label="views per hour, last 24 h",
            log_y=True, colors=BAND_COLORS)
        charts["hook_vs_engagement"] = scatter_svg(
            [Point(r["hook"], r["er"], r["band"], f"{r['id']}: hook {r['hook']}, {100 * r['er']:.2f}%")
             for r in scored if r.get("er") is not None],
            title="Hook score vs engagement rate", x_label="hook score (0-10)", y_label="engagement rate",
            colors=BAND_COLORS)
    return charts


def cohort_growth_svg(cohort: Mapping[str, Any]) -> str:
    curves = [c for c in cohort.get("curves", []) if c["points"]]
    top = sorted(curves, key=lambda c: c["points"][-1][1], reverse=True)[:CURVES_PER_COHORT]
    series = [Series(c["video"][-8:], [p[0] for p in c["points"]], [p[1] for p in c["points"]]) for c in top]
    medians = [s for s in cohort.get("summary", []) if s.get("median_views") is not None]
    if medians:
        series.insert(0, Series("median (all)", [s["median_hours"] for s in medians], [float(s["median_views"]) for s in medians],
                                emphasis=True))
    return line_chart_svg(series, title=f"{cohort['id']}: views over the first 48 h", x_label="hours since cohort start",
                          y_label="views", log_y=True, width=640, height=300)

