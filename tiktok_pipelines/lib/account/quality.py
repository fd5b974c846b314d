"""Data-quality queries behind the account asset checks (plain SQL, both backends)."""

from __future__ import annotations

import math

from sqlalchemy import text
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.warehouse.schema import video_kpis

COUNT_COLUMNS = ("views", "likes", "comments", "shares", "saves")


def negative_count_rows(conn: Connection, limit: int = 20) -> tuple[int, list[dict]]:
    cond = " OR ".join(f"{c} < 0" for c in COUNT_COLUMNS)
    total = conn.execute(text(f"SELECT COUNT(*) FROM video_snapshots WHERE {cond}")).scalar_one()
    rows = conn.execute(
        text(f"SELECT video_id, collected_at, views, likes, comments, shares FROM video_snapshots WHERE {cond} LIMIT :n"),
        {"n": limit},
    ).mappings().all()
    return int(total), [dict(r) for r in rows]


def views_decreases(conn: Connection, limit: int = 20) -> tuple[int, list[dict]]:
    """Snapshots whose views are lower than the video's previous snapshot (TikTok does remove
    invalid views, so this warns rather than fails)."""
    base = """
        SELECT video_id, collected_at, views, prev_views, prev_collected_at FROM (
            SELECT video_id, collected_at, views,
                   LAG(views) OVER (PARTITION BY video_id ORDER BY collected_at) AS prev_views,
                   LAG(collected_at) OVER (PARTITION BY video_id ORDER BY collected_at) AS prev_collected_at
            FROM video_snapshots
        ) s WHERE prev_views IS NOT NULL AND views < prev_views
    """
    total = conn.execute(text(f"SELECT COUNT(*) FROM ({base}) d")).scalar_one()
    rows = conn.execute(text(f"{base} ORDER BY video_id, collected_at LIMIT :n"), {"n": limit}).mappings().all()
    return int(total), [dict(r) for r in rows]


FLOAT_KPIS = tuple(c.name for c in video_kpis.columns if c.type.python_type is float)


def non_finite_kpis(conn: Connection, limit: int = 20) -> tuple[int, list[dict]]:
    """KPI cells that are NaN or infinite (NULL means 'unknown' and is fine)."""
    rows = conn.execute(text(f"SELECT video_id, {', '.join(FLOAT_KPIS)} FROM video_kpis")).mappings().all()
    bad = []
    for r in rows:
        cols = [c for c in FLOAT_KPIS if r[c] is not None and not math.isfinite(float(r[c]))]
        if cols:
            bad.append({"video_id": r["video_id"], "columns": ", ".join(cols)})
    return len(bad), bad[:limit]
