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
