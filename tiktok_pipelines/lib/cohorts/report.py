"""Building a cohort's time series (warehouse table, CSV, Parquet, chart) and the sound trends."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, select

from tiktok_pipelines.lib.charts import Series, line_chart_svg, svg_markdown
from tiktok_pipelines.lib.cohorts import store
from tiktok_pipelines.lib.cohorts.sounds import compute_sound_trends
from tiktok_pipelines.lib.cohorts.timeseries import build_cohort_timeseries, fastest_risers
from tiktok_pipelines.lib.files import write_atomic
from tiktok_pipelines.lib.markdown import md_table
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import (
    cohort_members,
    cohort_observations,
    cohort_timeseries,
    creator_snapshots,
    creators,
    sound_trends,
)

CSV_NAME = "cohort_timeseries.csv"
PARQUET_NAME = "cohort_timeseries.parquet"
CHART_LINES = 12


@dataclass
class TimeseriesReport:
    cohort_id: str
    rows: int
    videos: int
    timepoints_observed: int
    csv_path: Path
    parquet_path: Path
    growth_chart_md: str
    fastest_risers_md: str
    median_views_latest: float
    median_velocity_latest: float
    non_monotonic: int
    non_monotonic_examples: list[str]


def _creator_stats(conn, cohort_id: str) -> dict[str, dict]:  # noqa: ANN001
    q = (
        select(creator_snapshots, creators.c.display_name, creators.c.bio_description)
        .join(creators, creators.c.username == creator_snapshots.c.username)
        .where(creator_snapshots.c.cohort_id == cohort_id)
        .order_by(creator_snapshots.c.collected_at)
    )
    return {r["username"]: dict(r) for r in conn.execute(q).mappings()}


def _none_if_nan(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    return v.item() if hasattr(v, "item") else v


def build_and_export(wh: Warehouse, cohort_id: str, exports_dir: Path) -> TimeseriesReport:
    with wh.begin() as conn:
        cohort = store.get_cohort(conn, cohort_id)
        if cohort is None:
            raise ValueError(f"cohort {cohort_id!r} does not exist")
        members = store.load_members(conn, cohort_id)
        observations = store.load_observations(conn, cohort_id)
        creator_stats = _creator_stats(conn, cohort_id)
    ts = build_cohort_timeseries(cohort, members, observations, creator_stats)
    records = [{k: _none_if_nan(v) for k, v in row.items()} for row in ts.to_dict(orient="records")]
    with wh.begin() as conn:
        upsert(conn, cohort_timeseries, [{
            "cohort_id": cohort_id, "video_id": r["video_id"], "timepoint": r["timepoint_key"], "row": r,
            "views": r["views"], "views_velocity": r["views_velocity"], "likes_velocity": r["likes_velocity"],
            "views_growth_pct": r["views_growth_pct"], "views_at_mark": r["views_at_mark"],
            "likes_at_mark": r["likes_at_mark"], "views_monotonic": r["views_monotonic"]
        } for r in records])
    out_dir = exports_dir / cohort_id
    csv_path, parquet_path = out_dir / CSV_NAME, out_dir / PARQUET_NAME
    write_atomic(csv_path, lambda p: ts.to_csv(p, index=False))
    write_atomic(parquet_path, lambda p: ts.to_parquet(p, index=False))

    observed = ts[ts["observation_status"] == "observed"]
    chart = growth_chart(observed, cohort_id)
    risers = fastest_risers(ts, 10)
    risers_md = md_table(
        [{k: _none_if_nan(v) for k, v in r.items()} for r in risers.to_dict(orient="records")],
        ["video_id", "creator_username", "timepoint", "views", "views_velocity", "views_growth_pct", "performance_band"],
    )
    latest = observed.sort_values("hours_since_cohort_start").groupby("video_id").tail(1)
    falls = ts[ts["views_monotonic"] == False]  # noqa: E712 - pandas element-wise comparison
    return TimeseriesReport(
        cohort_id=cohort_id,
        rows=len(ts),
        videos=ts["video_id"].nunique(),
        timepoints_observed=observed["timepoint_key"].nunique(),
        csv_path=csv_path,
        parquet_path=parquet_path,
        growth_chart_md=chart,
        fastest_risers_md=risers_md,
        median_views_latest=float(latest["views"].astype("float64").median()) if len(latest) else 0.0,
        median_velocity_latest=float(latest["views_velocity"].astype("float64").median()) if latest["views_velocity"].notna().any() else 0.0,
        non_monotonic=len(falls),
        non_monotonic_examples=[f"{r.video_id}@{r.timepoint_key}" for r in falls.head(5).itertuples()],
    )


def growth_chart(observed: pd.DataFrame, cohort_id: str) -> str:
    """Views over hours since cohort start: the top videos by latest views, plus the cohort median."""
    if observed.empty:
        return svg_markdown(line_chart_svg([], title=f"{cohort_id}: growth curves", x_label="hours since cohort start",
                                           y_label="views"), "growth curves")
    latest = observed.sort_values("hours_since_cohort_start").groupby("video_id").tail(1)
    top = latest.sort_values("views", ascending=False).head(CHART_LINES)["video_id"].tolist()
    series = []
    for vid in top:
        v = observed[observed["video_id"] == vid].sort_values("hours_since_cohort_start")
        series.append(Series(f"{vid[-6:]} {v['creator_username'].iloc[0] or ''}", v["hours_since_cohort_start"].tolist(),
                             v["views"].astype("float64").tolist()))
    med = observed.groupby("timepoint_key").agg(x=("hours_since_cohort_start", "median"), y=("views", "median")).sort_values("x")
    series.insert(0, Series("median (all)", med["x"].tolist(), med["y"].astype("float64").tolist(), emphasis=True))
    svg = line_chart_svg(series, title=f"{cohort_id}: views over the first 48 h (top {len(top)} + median)",
                         x_label="hours since cohort start", y_label="views", log_y=True)
    return svg_markdown(svg, "growth curves")


def rebuild_sound_trends(wh: Warehouse) -> list[dict]:
    """Recompute the whole table from every cohort's members (small: one row per sound and day)."""
    with wh.begin() as conn:
        members = [dict(r) for r in conn.execute(select(
            cohort_members.c.cohort_id, cohort_members.c.video_id, cohort_members.c.music_id,
            cohort_members.c.create_time, cohort_members.c.sound_title,
        )).mappings()]
        latest: dict[str, int] = {}
        q = (select(cohort_observations.c.video_id, cohort_observations.c.views)
             .where(cohort_observations.c.status == "observed").order_by(cohort_observations.c.collected_at))
        for vid, views in conn.execute(q):
            if views is not None:
                latest[vid] = views
    rows = compute_sound_trends(members, latest)
    with wh.begin() as conn:
        conn.execute(delete(sound_trends))
        upsert(conn, sound_trends, rows)
    return rows
