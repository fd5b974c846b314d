"""Reads and writes of the account domain. Every write is an upsert on a natural key."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import and_, func, select, union, update
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.account.kpis import MAX_LOOKBACK, SNAPSHOT_COLUMNS, WINDOWS_H
from tiktok_pipelines.lib.captions import extract_hashtags
from tiktok_pipelines.lib.clock import utc
from tiktok_pipelines.lib.tiktok.display import DisplayVideo, VideoCountsRecord
from tiktok_pipelines.lib.tiktok.http import FailureRecord
from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import (
    account_kpi_summary,
    account_snapshots,
    accounts,
    api_failures,
    hashtag_performance,
    video_kpis,
    video_snapshots,
    videos,
)


def upsert_account(conn: Connection, user: dict, *, source: str, is_demo: bool, collected_at: datetime) -> str:
    account_id = str(user["open_id"])
    upsert(
        conn,
        accounts,
        [
            {
                "account_id": account_id,
                "username": user.get("username"),
                "display_name": user.get("display_name"),
                "bio_description": user.get("bio_description"),
                "is_verified": user.get("is_verified"),
                "source": source,
                "is_demo": is_demo,
                "updated_at": collected_at,
            }
        ],
    )
    stats = {k: user.get(k) for k in ("follower_count", "following_count", "likes_count", "video_count")}
    if any(v is not None for v in stats.values()):
        upsert(conn, account_snapshots, [{"account_id": account_id, "collected_at": collected_at, **stats}], update=False)
    return account_id


def known_video_ids(conn: Connection, account_id: str | None = None) -> set[str]:
    q = select(videos.c.video_id)
    if account_id is not None:
        q = q.where(videos.c.account_id == account_id)
    return {r[0] for r in conn.execute(q)}


def upsert_videos(
    conn: Connection,
    listed: Sequence[DisplayVideo],
    *,
    account_id: str,
    source: str,
    is_demo: bool,
    seen_at: datetime,
) -> int:
    """Upsert video metadata. first_seen_at is kept from the first write; the rest is refreshed."""
    if not listed:
        return 0
    existing = dict(
        conn.execute(
            select(videos.c.video_id, videos.c.first_seen_at).where(videos.c.video_id.in_([v.video_id for v in listed]))
        ).all()
    )
    rows = [
        {
            "video_id": v.video_id,
            "account_id": account_id,
            "source": source,
            "is_demo": is_demo,
            "create_time": v.create_time,
            "title": v.title,
            "caption": v.caption,
            "hashtags": extract_hashtags(v.caption),
            "duration_s": v.duration_s,
            "width": v.width,
            "height": v.height,
            "share_url": v.share_url,
            "embed_link": v.embed_link,
            "cover_image_url": v.cover_image_url,
            "cover_url_fetched_at": seen_at,
            "first_seen_at": existing.get(v.video_id, seen_at),
            "last_seen_at": seen_at,
            "is_available": True,
        }
        for v in listed
    ]
    return upsert(conn, videos, rows)


def append_snapshots(
    conn: Connection, counts: Iterable[VideoCountsRecord], *, collected_at: datetime, source: str
) -> int:
    """Append-only: (video_id, collected_at) already present keeps its first observation."""
    rows = [
        {
            "video_id": c.video_id,
            "collected_at": collected_at,
            "views": c.views,
            "likes": c.likes,
            "comments": c.comments,
            "shares": c.shares,
            "saves": None,
            "source": source,
        }
        for c in counts
    ]
    return upsert(conn, video_snapshots, rows, update=False)


def mark_availability(conn: Connection, account_id: str, returned_ids: set[str], seen_at: datetime) -> int:
    """Videos the API stopped returning (deleted or made private) are flagged, never deleted."""
    ids = known_video_ids(conn, account_id)
    missing = ids - returned_ids
    if missing:
        conn.execute(update(videos).where(videos.c.video_id.in_(sorted(missing))).values(is_available=False))
    if returned_ids:
        conn.execute(
            update(videos)
            .where(and_(videos.c.video_id.in_(sorted(returned_ids)), videos.c.account_id == account_id))
            .values(is_available=True, last_seen_at=seen_at)
        )
    return len(missing)


def record_failures(conn: Connection, failures: Sequence[FailureRecord]) -> int:
    rows = [
        {
            "occurred_at": f.occurred_at,
            "endpoint": f.endpoint,
            "attempt": f.attempt,
            "error_code": f.error_code,
            "http_status": f.http_status,
            "log_id": f.log_id,
            "message": f.message,
            "retried": f.retried,
        }
        for f in failures
    ]
    return upsert(conn, api_failures, rows, update=False)


def current_account_id(conn: Connection) -> str | None:
    row = conn.execute(select(accounts.c.account_id).order_by(accounts.c.updated_at.desc()).limit(1)).first()
    return None if row is None else row[0]


def load_videos_frame(conn: Connection, account_id: str | None = None) -> pd.DataFrame:
    cols = [videos.c.video_id, videos.c.create_time, videos.c.duration_s, videos.c.caption, videos.c.hashtags,
            videos.c.is_demo]
    q = select(*cols)
    if account_id is not None:
        q = q.where(videos.c.account_id == account_id)
    rows = conn.execute(q).all()
    df = pd.DataFrame(rows, columns=[c.name for c in cols])
    df["create_time"] = pd.to_datetime(df["create_time"], utc=True)
    df["hashtags"] = [list(h or []) for h in df["hashtags"]]
    return df


def load_kpi_snapshots(conn: Connection, as_of: datetime) -> pd.DataFrame:
    """Only the snapshots the KPIs need: each video's latest at or before as_of, and for every window
    (24 h, 48 h) the last snapshot at or before as_of - window (looking back at most MAX_LOOKBACK) and
    the first one after it. A handful of rows per video instead of every hourly snapshot."""
    s = video_snapshots.c
    as_of = utc(as_of)

    def pick(fn, *conds):  # noqa: ANN001, ANN202
        return select(s.video_id, fn(s.collected_at).label("t")).where(*conds).group_by(s.video_id)

    parts = [pick(func.max, s.collected_at <= as_of)]
    for hours in WINDOWS_H:
        target = as_of - timedelta(hours=hours)
        parts.append(pick(func.max, s.collected_at <= target, s.collected_at >= target - MAX_LOOKBACK.to_pytimedelta()))
        parts.append(pick(func.min, s.collected_at > target, s.collected_at <= as_of))
    keys = union(*parts).subquery()
    q = select(s.video_id, s.collected_at, s.views, s.likes, s.comments, s.shares).join(
        keys, and_(s.video_id == keys.c.video_id, s.collected_at == keys.c.t)
    )
    df = pd.DataFrame(conn.execute(q).all(), columns=SNAPSHOT_COLUMNS)
    df["collected_at"] = pd.to_datetime(df["collected_at"], utc=True)
    for c in ("views", "likes", "comments", "shares"):
        df[c] = df[c].astype("int64")
    return df


def _py(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()  # numpy scalar -> python
    return value


KPI_COLUMNS = [c.name for c in video_kpis.columns]
HASHTAG_COLUMNS = [c.name for c in hashtag_performance.columns]


def write_kpis(conn: Connection, kpi_videos: pd.DataFrame, hashtags: pd.DataFrame, summary: dict, is_demo: bool) -> None:
    """Replace the KPI tables with this computation (they describe one as_of), keep the summary history."""
    rows = [{c: _py(r[c]) for c in KPI_COLUMNS} for r in kpi_videos[KPI_COLUMNS].to_dict("records")]
    conn.execute(video_kpis.delete())
    if rows:
        conn.execute(video_kpis.insert(), rows)
    tag_rows = [{c: _py(r[c]) for c in HASHTAG_COLUMNS} for r in hashtags[HASHTAG_COLUMNS].to_dict("records")]
    conn.execute(hashtag_performance.delete())
    if tag_rows:
        conn.execute(hashtag_performance.insert(), tag_rows)
    upsert(conn, account_kpi_summary, [{**{k: _py(v) for k, v in summary.items()}, "is_demo": is_demo}])


def latest_collected_at(conn: Connection) -> datetime | None:
    value = conn.execute(select(func.max(video_snapshots.c.collected_at))).scalar_one_or_none()
    return None if value is None else utc(value)


@dataclass
class ExportInputs:
    kpis: pd.DataFrame
    videos: pd.DataFrame
    hashtags: pd.DataFrame
    account: dict
    summary: dict
    is_demo: bool
    as_of: datetime


def load_export_inputs(conn: Connection) -> ExportInputs:
    """What the exports need, read back from the warehouse so files always match the tables."""
    kpi_df = pd.DataFrame(conn.execute(select(video_kpis)).mappings().all(), columns=KPI_COLUMNS)
    if kpi_df.empty:
        raise ValueError("video_kpis is empty: materialize video_kpis first")
    for c in ("as_of", "collected_at", "posted_at"):
        kpi_df[c] = pd.to_datetime(kpi_df[c], utc=True)
    account_id = current_account_id(conn)
    vids = load_videos_frame(conn, account_id)
    kpi_df = kpi_df.merge(vids[["video_id", "hashtags", "caption"]], on="video_id", how="left")
    kpi_df["hashtags"] = [h if isinstance(h, list) else [] for h in kpi_df["hashtags"]]
    tags = pd.DataFrame(conn.execute(select(hashtag_performance)).mappings().all(), columns=HASHTAG_COLUMNS)
    tags = tags.sort_values(["total_views", "hashtag"], ascending=[False, True]).reset_index(drop=True)
    as_of = utc(kpi_df["as_of"].max().to_pydatetime())
    summary_row = conn.execute(
        select(account_kpi_summary).where(account_kpi_summary.c.as_of == as_of)
    ).mappings().first()
    acct = conn.execute(select(accounts).where(accounts.c.account_id == account_id)).mappings().first()
    account = {k: acct[k] for k in ("account_id", "username", "display_name", "source", "is_demo")} if acct else {}
    summary = dict(summary_row) if summary_row else {}
    return ExportInputs(
        kpis=kpi_df,
        videos=vids,
        hashtags=tags,
        account=account,
        summary=summary,
        is_demo=bool(account.get("is_demo", False)),
        as_of=as_of,
    )
