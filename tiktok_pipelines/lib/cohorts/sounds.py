"""Sound trends: how many tracked videos use each sound, day by day.

TikTok exposes no "trending" flag for sounds. Seed 004's inference: a sound used by 5+ videos of
the tracked sample is likely trending. We keep that rule and always show the count behind it, so a
reader can judge a borderline call (and the sample it was made on).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd


LIKELY_TRENDING_MIN_VIDEOS = 5


def compute_sound_trends(
    members: Iterable[dict[str, Any]], latest_views: dict[str, int], min_videos: int = LIKELY_TRENDING_MIN_VIDEOS,
) -> list[dict[str, Any]]:
    """One row per (sound, upload day) with the cumulative count of distinct tracked videos."""
    df = pd.DataFrame(list(members), columns=["cohort_id", "video_id", "music_id", "create_time", "sound_title"])
    df = df.dropna(subset=["music_id"])
    if df.empty:
        return []
    df["day"] = pd.to_datetime(df["create_time"], utc=True).dt.strftime("%Y-%m-%d")
    rows: list[dict[str, Any]] = []
    for music_id, g in df.groupby("music_id", sort=True):
        per_video = g.sort_values("day").drop_duplicates("video_id")  # a video in two cohorts counts once
        title = next((t for t in g["sound_title"] if isinstance(t, str) and t), None)
        seen_cohorts: set[str] = set()
        total = 0
        for day, d in per_video.groupby("day", sort=True):
            total += len(d)
            seen_cohorts |= set(g[g["video_id"].isin(d["video_id"])]["cohort_id"])
            ids = per_video[per_video["day"] <= day]["video_id"]
            views = [latest_views[v] for v in ids if v in latest_views]
            trending = total >= min_videos
            rows.append({
                "music_id": str(music_id), "as_of_date": day, "videos_tracked": total, "new_videos": len(d),
                "cohorts": len(seen_cohorts), "sound_title": title,
                "latest_total_views": int(sum(views)) if views else None, "likely_trending": trending,
                "basis": f"{total} tracked video{'s' if total != 1 else ''} use this sound "
                         f"({'>=' if trending else '<'} {min_videos}: seed 004's 'likely trending' rule)",
            })
    return rows
