"""Build the dashboard file from the warehouse: collect, chart, render, write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.markdown import md_table
from tiktok_pipelines.lib.reporting.dashboard import ImageCache, render_dashboard, write_dashboard
from tiktok_pipelines.lib.reporting.dashboard_charts import dashboard_charts
from tiktok_pipelines.lib.reporting.dashboard_data import collect_dashboard
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.schema import (
    creative_archetypes,
    insight_correlations,
    video_ai_analysis,
    video_keyframes,
    videos,
)

INSIGHT_ROWS = 8  # as many as the insights summary shows


@dataclass
class DashboardBuild:
    path: Path
    size_bytes: int
    videos: int
    scored: int
    cohorts: int
    images: int
    keyframe_videos_cut: int
    cache_stats: dict[str, int]
    top_markdown: str
    hook_strip_markdown: str


def build_dashboard(
    wh: Warehouse, path: Path, *, now: datetime, is_demo: bool, read_object: Callable[[str], bytes | None],
    cache_dir: Path, dagster_url: str = "http://127.0.0.1:3000", image_budget_bytes: int = 24 * 2**20,
) -> DashboardBuild:
    images = ImageCache(cache_dir, read_object)
    with wh.engine.connect() as conn:
        insights = read_insights(conn)
        data = collect_dashboard(conn, generated_at=now, is_demo=is_demo, read_image=images, dagster_url=dagster_url,
                                 image_budget_bytes=image_budget_bytes, insights=insights)
        hook_strip = _latest_hook_strip(conn, read_object)
    data["charts"] = dashboard_charts(data)
    for cohort in data["cohorts"]:
        cohort.pop("curves", None)  # drawn into the charts above; the page never reads the raw points
    size = write_dashboard(path, render_dashboard(data))
    pruned = images.prune()
    top = sorted((r for r in data["table"] if r["overall"] is not None), key=lambda r: (-r["overall"], r["id"]))[:5]
    return DashboardBuild(
        path=path, size_bytes=size, videos=len(data["table"]), scored=data["meta"]["scored"], cohorts=len(data["cohorts"]),
        images=len(data["images"]), keyframe_videos_cut=data["image_stats"]["videos_without_keyframes"],
        cache_stats={"hits": images.hits, "encoded": images.misses, "unreadable": images.failures, "pruned": pruned},
        top_markdown=md_table([{"video": r["id"], "overall": r["overall"], "band": r["band"], "hook": r["hook"],
                                "views": r["views"], "caption": (r["caption"] or "")[:60]} for r in top],
                              ["video", "overall", "band", "hook", "views", "caption"]) if top else "_no scored videos yet_",
        hook_strip_markdown=hook_strip,
    )


def read_insights(conn: Connection) -> dict[str, Any]:
    """The strongest reportable associations (ranked as the insights summary ranks them) and the
    archetypes, as the insights asset last wrote them."""
    from tiktok_pipelines.lib.reporting.insights import Correlation, strongest

    stored = [Correlation(**{c: getattr(r, c) for c in Correlation.__dataclass_fields__})
              for r in conn.execute(select(insight_correlations))]
    arch = conn.execute(select(creative_archetypes).order_by(creative_archetypes.c.archetype_id)).all()
    return {
        "correlations": [{"feature": c.feature, "outcome": c.outcome, "n": c.n, "rho": c.rho, "ci_low": c.ci_low,
                          "ci_high": c.ci_high, "note": c.note or ""} for c in strongest(stored, INSIGHT_ROWS)],
        "archetypes": [{"label": r.label, "size": r.size, "median_engagement_rate": r.median_engagement_rate,
                        "median_velocity_24h": r.median_velocity_24h} for r in arch],
    }


def _latest_hook_strip(conn: Connection, read_object: Callable[[str], bytes | None]) -> str:
    """The 0-3 s hook strip of the most recently posted analysed video, as a Markdown image."""
    row = conn.execute(
        select(video_keyframes.c.video_id, video_keyframes.c.hook_strip_key)
        .join(video_ai_analysis, video_ai_analysis.c.video_id == video_keyframes.c.video_id)
        .outerjoin(videos, videos.c.video_id == video_keyframes.c.video_id)
        .where(video_keyframes.c.hook_strip_key.is_not(None))
        .order_by(videos.c.create_time.desc().nulls_last(), video_keyframes.c.video_id.desc()).limit(1)
    ).first()
    if row is None:
        return "_no analysed video yet_"
    data = read_object(row.hook_strip_key)
    if data is None:
        return f"_hook strip of {row.video_id} is no longer stored (retention)_"
    from PIL import UnidentifiedImageError

    from tiktok_pipelines.lib.media.previews import jpeg_markdown

    try:  # small, as the keyframes asset shows it: this lands in the event log every hour
        image = jpeg_markdown(data, alt="hook strip")
    except (UnidentifiedImageError, OSError, ValueError):
        return f"_hook strip of {row.video_id} is not a readable image_"
    return f"Hook strip (0-3 s) of the latest analysed video `{row.video_id}`:\n\n{image}"
