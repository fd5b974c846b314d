"""Per-interval growth and exact-hour values for cohort observations (seed 004's velocity metrics).

Observations are taken when the sensor actually ran, not exactly at h1/h6/...; intervals use the
real collection times, and values at the exact hour marks are interpolated between the two
observations around each mark (never extrapolated: outside the observed span they stay unknown).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from tiktok_pipelines.lib.clock import utc
from tiktok_pipelines.lib.cohorts.timepoints import TIMEPOINT_HOURS

OBSERVATION_COLUMNS = ["cohort_id", "video_id", "timepoint", "collected_at", "views", "likes"]


def interval_metrics(obs: pd.DataFrame) -> pd.DataFrame:
    """Add views_velocity and likes_velocity (per hour since the video's previous observation) and
    views_growth_pct (% change since then; unknown when the previous value was 0). The first
    observation of each video has no interval: its metrics are NaN."""
    missing = [c for c in OBSERVATION_COLUMNS if c not in obs.columns]
    if missing:
        raise ValueError(f"cohort observations lack columns {missing}")
    df = obs.copy()
    df["collected_at"] = pd.to_datetime(df["collected_at"], utc=True)
    df = df.sort_values(["cohort_id", "video_id", "collected_at"]).reset_index(drop=True)
    g = df.groupby(["cohort_id", "video_id"], sort=False)
    hours = g["collected_at"].diff().dt.total_seconds() / 3600.0
    hours = hours.where(hours > 0)
    d_views = g["views"].diff()
    d_likes = g["likes"].diff()
    prev_views = g["views"].shift()
    df["interval_hours"] = hours
    df["views_velocity"] = d_views / hours
    df["likes_velocity"] = d_likes / hours
    df["views_growth_pct"] = (d_views / prev_views.where(prev_views > 0)) * 100.0
    return df


def values_at_hour_marks(obs: pd.DataFrame, cohort_start: datetime, column: str = "views") -> pd.DataFrame:
    """One row per (video, timepoint): `column` at exactly cohort_start + offset, interpolated."""
    start = pd.Timestamp(utc(cohort_start))
    df = obs.copy()
    df["collected_at"] = pd.to_datetime(df["collected_at"], utc=True)
    rows = []
    for video_id, v in df.sort_values("collected_at").groupby("video_id", sort=True):
        x = ((v["collected_at"] - start).dt.total_seconds() / 3600.0).to_numpy()
        y = v[column].astype("float64").to_numpy()
        for tp, mark in TIMEPOINT_HOURS.items():
            inside = len(x) > 0 and x[0] <= mark <= x[-1]
            value = float(np.interp(mark, x, y)) if inside else np.nan
            rows.append({"video_id": video_id, "timepoint": tp, f"{column}_at_mark": value})
    return pd.DataFrame(rows, columns=["video_id", "timepoint", f"{column}_at_mark"])


# --- the ML-ready long table (seed 004's CSV, one row per video per timepoint) -----------------------

# Seed 004 gives its header's first six columns in order; the rest follow its field tables in order
# (engagement, calculated rates, velocity, video metadata, creator). Its "hour_N" labels are kept.
SEED_COLUMNS: tuple[str, ...] = (
    "cohort_id", "video_id", "timepoint", "hours_since_upload", "views", "likes",
    "comments_count", "shares", "saves", "collection_timestamp",
    "engagement_rate", "comment_rate", "share_rate",
    "views_velocity", "likes_velocity", "views_growth_pct",
    "video_url", "upload_timestamp", "caption", "hashtags", "video_duration", "thumbnail_url", "music_id",
    "sound_title", "upload_datetime", "sound_author", "sound_original",
    "creator_username", "creator_display_name", "creator_follower_count", "creator_following_count",
    "creator_total_likes", "creator_total_videos", "creator_verified", "creator_bio",
)
EXTRA_COLUMNS: tuple[str, ...] = (
    "timepoint_key", "scheduled_at", "hours_since_cohort_start", "observation_status", "timing", "lateness_minutes",
    "counts_source", "counts_staleness", "max_staleness_h", "views_at_mark", "likes_at_mark", "views_monotonic",
    "performance_band", "priority", "creator_stats_collected_at",
)
TIMESERIES_COLUMNS: tuple[str, ...] = SEED_COLUMNS + EXTRA_COLUMNS


def seed_label(timepoint: str) -> str:
    return f"hour_{TIMEPOINT_HOURS[timepoint]}"


def _rate(num: pd.Series, den: pd.Series, scale: float) -> pd.Series:
    den = den.astype("float64")
    return (num.astype("float64") / den.where(den > 0)) * scale


def build_cohort_timeseries(
    cohort: dict, members: list[dict], observations: list[dict], creator_stats: dict[str, dict]
) -> pd.DataFrame:
    """The long table for one cohort in TIMESERIES_COLUMNS order, sorted by member priority and time."""
    if not observations:
        return pd.DataFrame(columns=list(TIMESERIES_COLUMNS))
    obs = pd.DataFrame(observations)
    obs["video_id"] = obs["video_id"].astype(str)
    observed = obs[obs["status"] == "observed"][["cohort_id", "video_id", "timepoint", "collected_at", "views", "likes"]]
    observed = observed.astype({"views": "float64", "likes": "float64"})
    if len(observed):
        metrics = interval_metrics(observed)[["video_id", "timepoint", "views_velocity", "likes_velocity", "views_growth_pct"]]
        marks = values_at_hour_marks(observed, cohort["started_at"], "views").merge(
            values_at_hour_marks(observed, cohort["started_at"], "likes"), on=["video_id", "timepoint"]
        )
        mono = observed.sort_values("collected_at").copy()
        mono["views_monotonic"] = mono["views"] >= mono.groupby("video_id")["views"].cummax().fillna(-1)
        obs = obs.merge(metrics, on=["video_id", "timepoint"], how="left").merge(marks, on=["video_id", "timepoint"], how="left")
        obs = obs.merge(mono[["video_id", "timepoint", "views_monotonic"]], on=["video_id", "timepoint"], how="left")
    else:
        for c in ("views_velocity", "likes_velocity", "views_growth_pct", "views_at_mark", "likes_at_mark", "views_monotonic"):
            obs[c] = np.nan
    mem = pd.DataFrame(members)
    mem["video_id"] = mem["video_id"].astype(str)
    df = obs.merge(mem.drop(columns=["cohort_id"]), on="video_id", how="left")
    collected = pd.to_datetime(df["collected_at"], utc=True)
    created = pd.to_datetime(df["create_time"], utc=True)
    out = pd.DataFrame({
        "cohort_id": df["cohort_id"],
        "video_id": df["video_id"],
        "timepoint": df["timepoint"].map(seed_label),
        "hours_since_upload": df["hours_since_upload"],
        "views": df["views"].astype("Int64"),
        "likes": df["likes"].astype("Int64"),
        "comments_count": df["comments"].astype("Int64"),
        "shares": df["shares"].astype("Int64"),
        "saves": df["saves"].astype("Int64"),
        "collection_timestamp": collected.map(lambda t: t.isoformat() if pd.notna(t) else None),
        "engagement_rate": _rate(df["likes"], df["views"], 100.0),  # seed 004: likes / views x 100
        "comment_rate": _rate(df["comments"], df["views"], 1000.0),
        "share_rate": _rate(df["shares"], df["views"], 1000.0),
        "views_velocity": df["views_velocity"],
        "likes_velocity": df["likes_velocity"],
        "views_growth_pct": df["views_growth_pct"],
        "video_url": df["video_url"],
        "upload_timestamp": created.map(lambda t: int(t.timestamp())),
        "caption": df["caption"],
        "hashtags": df["hashtags"].map(lambda tags: ",".join(tags) if isinstance(tags, list) else ""),
        "video_duration": df["duration_s"].astype("Int64"),
        "thumbnail_url": df["thumbnail_url"],
        "music_id": df["music_id"],
        "sound_title": df["sound_title"],
        "upload_datetime": created.map(lambda t: t.isoformat()),
        "sound_author": df["sound_author"],
        "sound_original": df["sound_original"],
    })
    creator_cols = {
        "creator_display_name": "display_name", "creator_follower_count": "follower_count",
        "creator_following_count": "following_count", "creator_total_likes": "likes_count",
        "creator_total_videos": "video_count", "creator_verified": "is_verified", "creator_bio": "bio_description",
        "creator_stats_collected_at": "collected_at",
    }
    out["creator_username"] = df["username"]
    for col, key in creator_cols.items():
        out[col] = df["username"].map(lambda u, k=key: (creator_stats.get(u) or {}).get(k))
    for col in ("creator_follower_count", "creator_following_count", "creator_total_likes", "creator_total_videos"):
        out[col] = out[col].astype("Int64")
    stats_at = out["creator_stats_collected_at"].map(lambda t: t.isoformat() if pd.notna(t) else None)
    out["creator_stats_collected_at"] = stats_at.astype(object).where(stats_at.notna(), None)
    out["timepoint_key"] = df["timepoint"]
    out["scheduled_at"] = pd.to_datetime(df["scheduled_at"], utc=True).map(lambda t: t.isoformat())
    out["hours_since_cohort_start"] = df["hours_since_cohort_start"]
    out["observation_status"] = df["status"]
    out["timing"] = df["timing"]
    out["lateness_minutes"] = df["lateness_s"] / 60.0
    out["counts_source"] = df["source"]
    out["counts_staleness"] = df["counts_staleness"]
    out["max_staleness_h"] = df["max_staleness_h"]
    out["views_at_mark"] = df["views_at_mark"]
    out["likes_at_mark"] = df["likes_at_mark"]
    out["views_monotonic"] = df["views_monotonic"].map(lambda v: None if pd.isna(v) else bool(v))
    out["performance_band"] = df["performance_band"]
    out["priority"] = df["priority"].astype("Int64")
    order = {tp: i for i, tp in enumerate(TIMEPOINT_HOURS)}
    out = out.assign(_tp=df["timepoint"].map(order)).sort_values(["priority", "video_id", "_tp"]).drop(columns="_tp")
    return out[list(TIMESERIES_COLUMNS)].reset_index(drop=True)


def fastest_risers(ts: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Videos with the highest views velocity over their latest observed interval."""
    if ts.empty:
        return ts.head(0)
    observed = ts[ts["observation_status"] == "observed"].dropna(subset=["views_velocity"])
    if observed.empty:
        return observed
    latest = observed.sort_values("hours_since_cohort_start").groupby("video_id").tail(1)
    return latest.sort_values("views_velocity", ascending=False).head(n)
