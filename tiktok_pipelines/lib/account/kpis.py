"""Seed 000's KPIs, computed from the warehouse snapshots with pandas.

Definitions (exactly as the seed states them):
- engagement_rate = (likes + comments + shares) / views; like/comment/share rates likewise;
- views_24h / views_48h = the views 24 h / 48 h before `as_of`;
- velocity_24h = (views - views_24h) / 24, velocity_48h = (views - views_48h) / 48 (views per hour);
- duration buckets <10, 10-20, >20 seconds; posts per day over a rolling 30 days;
- top movers = the highest velocity_24h.
Where a rate has no denominator (0 views) it is None, never inf or NaN. Where the views at a past
moment cannot be known (no snapshot before it), they are None with basis "unknown": nothing is
invented. Between two snapshots the value is interpolated linearly and says so; a snapshot more
than MAX_LOOKBACK before the moment is not used for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from tiktok_pipelines.lib.clock import utc

WINDOWS_H = (24, 48)
EXACT_TOLERANCE = pd.Timedelta(minutes=5)
# A past value is only read off (or interpolated from) a snapshot at most this long before the moment
# asked for; an older one would make a guess look like a measurement, so the value is "unknown".
MAX_LOOKBACK = pd.Timedelta(hours=24)
TOP_MOVERS = 10
SNAPSHOT_COLUMNS = ["video_id", "collected_at", "views", "likes", "comments", "shares"]


@dataclass
class KpiResult:
    videos: pd.DataFrame  # one row per video (video_kpis table)
    hashtags: pd.DataFrame  # one row per hashtag (hashtag_performance table)
    summary: dict  # one row (account_kpi_summary table)


def duration_bucket(seconds: float | None) -> str | None:
    if seconds is None or pd.isna(seconds):
        return None
    if seconds < 10:
        return "<10"
    if seconds <= 20:
        return "10-20"
    return ">20"


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype("float64")
    out = num.astype("float64") / den.where(den > 0)
    return out.astype(object).where(out.notna(), None)


def _views_at(
    snaps: pd.DataFrame, latest: pd.DataFrame, videos: pd.DataFrame, target: pd.Timestamp
) -> tuple[pd.Series, pd.Series]:
    """Views of every video at `target` and how that value was obtained."""
    ids = latest[["video_id"]].copy()
    before = (
        snaps[(snaps["collected_at"] <= target) & (snaps["collected_at"] >= target - MAX_LOOKBACK)]
        .sort_values("collected_at")
        .groupby("video_id", sort=False)
        .tail(1)[["video_id", "collected_at", "views"]]
        .rename(columns={"collected_at": "t0", "views": "v0"})
    )
    after = (
        snaps[snaps["collected_at"] > target]
        .sort_values("collected_at")
        .groupby("video_id", sort=False)
        .head(1)[["video_id", "collected_at", "views"]]
        .rename(columns={"collected_at": "t1", "views": "v1"})
    )
    df = ids.merge(before, on="video_id", how="left").merge(after, on="video_id", how="left")
    df = df.merge(videos[["video_id", "create_time"]], on="video_id", how="left")

    views = pd.Series(np.nan, index=df.index, dtype="float64")
    basis = pd.Series("unknown", index=df.index, dtype=object)

    posted_after = df["create_time"] >= target
    views[posted_after] = 0.0
    basis[posted_after] = "posted_in_window"

    has0 = df["t0"].notna() & ~posted_after
    exact = has0 & ((target - df["t0"]) <= EXACT_TOLERANCE)
    views[exact] = df.loc[exact, "v0"].astype("float64")
    basis[exact] = "snapshot"

    interp = has0 & ~exact & df["t1"].notna()
    if interp.any():
        t0 = df.loc[interp, "t0"]
        t1 = df.loc[interp, "t1"]
        frac = (target - t0) / (t1 - t0)
        v0 = df.loc[interp, "v0"].astype("float64")
        v1 = df.loc[interp, "v1"].astype("float64")
        views[interp] = v0 + (v1 - v0) * frac
        basis[interp] = "interpolated"

    # Only an older snapshot and nothing since: the counts at target are at least v0, but we do not know more.
    stale = has0 & ~exact & df["t1"].isna()
    views[stale] = df.loc[stale, "v0"].astype("float64")
    basis[stale] = "stale_snapshot"

    return views.set_axis(df["video_id"]), basis.set_axis(df["video_id"])


def compute_kpis(videos: pd.DataFrame, snapshots: pd.DataFrame, as_of: datetime, top_n: int = TOP_MOVERS) -> KpiResult:
    """videos: video_id, create_time, duration_s, caption, hashtags (list).
    snapshots: SNAPSHOT_COLUMNS, with collected_at <= as_of (older rows are fine)."""
    as_of_ts = pd.Timestamp(utc(as_of))
    snaps = snapshots[snapshots["collected_at"] <= as_of_ts]
    snaps = snaps[snaps["video_id"].isin(videos["video_id"])]
    latest = snaps.sort_values("collected_at").groupby("video_id", sort=False).tail(1)
    df = latest.merge(videos, on="video_id", how="inner").reset_index(drop=True)

    engaged = df["likes"] + df["comments"] + df["shares"]
    df["engagement_rate"] = _ratio(engaged, df["views"])
    df["like_rate"] = _ratio(df["likes"], df["views"])
    df["comment_rate"] = _ratio(df["comments"], df["views"])
    df["share_rate"] = _ratio(df["shares"], df["views"])
    df["duration_bucket"] = [duration_bucket(d) for d in df["duration_s"]]

    for hours in WINDOWS_H:
        past, basis = _views_at(snaps, latest, videos, as_of_ts - pd.Timedelta(hours=hours))
        past = df["video_id"].map(past).astype("float64")
        df[f"views_{hours}h"] = past
        df[f"views_{hours}h_basis"] = df["video_id"].map(basis)
        df[f"velocity_{hours}h"] = (df["views"].astype("float64") - past) / hours

    movers = df[df["velocity_24h"].notna() & (df["velocity_24h"] > 0)].sort_values(
        ["velocity_24h", "video_id"], ascending=[False, True]
    )
    ranks = {vid: i + 1 for i, vid in enumerate(movers["video_id"].head(top_n))}
    df["top_mover_rank"] = df["video_id"].map(ranks)
    df["is_top_mover"] = df["top_mover_rank"].notna()
    df["as_of"] = as_of_ts
    df = df.rename(columns={"create_time": "posted_at"}).sort_values("video_id").reset_index(drop=True)

    hashtags = _hashtag_performance(df, as_of_ts)
    recent = videos[(videos["create_time"] > as_of_ts - pd.Timedelta(days=30)) & (videos["create_time"] <= as_of_ts)]
    summary = {
        "as_of": as_of_ts.to_pydatetime(),
        "video_count": int(len(df)),
        "total_views": int(df["views"].sum()),
        "total_likes": int(df["likes"].sum()),
        "total_comments": int(df["comments"].sum()),
        "total_shares": int(df["shares"].sum()),
        "median_views": _median(df["views"]),
        "median_engagement_rate": _median(df["engagement_rate"]),
        "avg_velocity_24h": _mean(df["velocity_24h"]),
        "median_velocity_24h": _median(df["velocity_24h"]),
        "posts_per_day_30d": round(len(recent) / 30.0, 4),
    }
    return KpiResult(videos=df, hashtags=hashtags, summary=summary)


def _median(s: pd.Series) -> float | None:
    s = pd.to_numeric(s, errors="coerce").dropna()
    return None if s.empty else float(s.median())


def _mean(s: pd.Series) -> float | None:
    s = pd.to_numeric(s, errors="coerce").dropna()
    return None if s.empty else float(s.mean())


def _hashtag_performance(df: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    cols = ["hashtag", "as_of", "video_count", "total_views", "median_views", "median_engagement_rate",
            "median_velocity_24h", "mean_velocity_24h"]
    exploded = df[["video_id", "hashtags", "views", "engagement_rate", "velocity_24h"]].explode("hashtags")
    exploded = exploded[exploded["hashtags"].notna()]
    if exploded.empty:
        return pd.DataFrame(columns=cols)
    exploded["engagement_rate"] = pd.to_numeric(exploded["engagement_rate"], errors="coerce")
    g = exploded.groupby("hashtags")
    out = pd.DataFrame(
        {
            "video_count": g["video_id"].nunique(),
            "total_views": g["views"].sum().astype("int64"),
            "median_views": g["views"].median().astype("float64"),
            "median_engagement_rate": g["engagement_rate"].median(),
            "median_velocity_24h": g["velocity_24h"].median(),
            "mean_velocity_24h": g["velocity_24h"].mean(),
        }
    ).reset_index(names="hashtag")
    out["as_of"] = as_of
    out = out.sort_values(["total_views", "hashtag"], ascending=[False, True]).reset_index(drop=True)
    return out[cols]
