"""Building a cohort: the cohort row and its member rows, for public and own cohorts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tiktok_pipelines.lib.captions import extract_hashtags
from tiktok_pipelines.lib.clock import utc
from tiktok_pipelines.lib.cohorts.programs import OWN_PROGRAM, CohortProgram
from tiktok_pipelines.lib.cohorts.selection import Candidate, Selection, select_members
from tiktok_pipelines.lib.tiktok.research import ResearchVideo

OWN_TOLERANCE = timedelta(minutes=15)


def video_url(username: str | None, video_id: str) -> str | None:
    return f"https://www.tiktok.com/@{username}/video/{video_id}" if username else None


def own_cohort_id(video_id: str) -> str:
    return f"{OWN_PROGRAM}-{video_id}"


@dataclass(frozen=True)
class PublicCohortPlan:
    cohort: dict[str, Any]
    members: list[dict[str, Any]]
    selection: Selection


def selection_window(program: CohortProgram, start: datetime) -> tuple[datetime, datetime]:
    start = utc(start)
    return start - timedelta(hours=program.freshness_max_h), start - timedelta(hours=program.freshness_min_h)


def plan_public_cohort(
    cohort_id: str, program: CohortProgram, start: datetime, found: list[ResearchVideo], *,
    selected_at: datetime, source: str, is_demo: bool,
) -> PublicCohortPlan:
    by_id: dict[str, ResearchVideo] = {}
    for v in found:  # the same choice as select_members for a video listed twice: its highest count
        kept = by_id.get(str(v.video_id))
        if kept is None or (v.views or -1) > (kept.views or -1):
            by_id[str(v.video_id)] = v
    selection = select_members(
        [Candidate(str(v.video_id), v.create_time, v.views, v.username) for v in found],
        size=program.size, mix=program.performance_mix, start=start,
        freshness_min_h=program.freshness_min_h, freshness_max_h=program.freshness_max_h,
    )
    members = []
    for priority, (cand, band) in enumerate(selection.members, 1):
        v = by_id[cand.video_id]
        members.append({
            "cohort_id": cohort_id, "video_id": cand.video_id, "priority": priority, "performance_band": band,
            "selection_views": v.views, "username": v.username, "create_time": v.create_time,
            "caption": v.description, "hashtags": list(v.hashtags) or extract_hashtags(v.description or ""),
            "duration_s": v.duration_s, "region_code": v.region_code,
            "music_id": str(v.music_id) if v.music_id is not None else None,
            # The Research API has no sound title/author or cover; NULL rather than invented.
            "sound_title": None, "sound_author": None, "sound_original": None,
            "video_url": video_url(v.username, cand.video_id), "thumbnail_url": None,
        })
    cohort = {
        "cohort_id": cohort_id, "program": program.name, "kind": "public", "source": source, "is_demo": is_demo,
        "started_at": utc(start), "selected_at": utc(selected_at),
        "tolerance_s": int(program.tolerance_minutes * 60), "query": program.query, "size_requested": program.size,
        "freshness_min_h": program.freshness_min_h, "freshness_max_h": program.freshness_max_h,
        "performance_mix": program.performance_mix, "mix_achieved": selection.mix_achieved,
        "candidates_seen": selection.candidates_seen, "member_count": len(members),
        "status": "open" if members else "empty",
        "notes": None if members else f"no video matched the query in the freshness window ({selection.candidates_seen} seen)",
    }
    return PublicCohortPlan(cohort, members, selection)


def plan_own_cohort(video: Any, username: str | None, *, selected_at: datetime, is_demo: bool) -> tuple[dict, dict]:
    """One own upload = one cohort, tracked from its true upload time (h0 = create_time)."""
    cid = own_cohort_id(video.video_id)
    cohort = {
        "cohort_id": cid, "program": OWN_PROGRAM, "kind": "own", "source": "display_api", "is_demo": is_demo,
        "started_at": utc(video.create_time), "selected_at": utc(selected_at),
        "tolerance_s": int(OWN_TOLERANCE.total_seconds()), "query": None, "size_requested": 1,
        "freshness_min_h": None, "freshness_max_h": None, "performance_mix": None, "mix_achieved": None,
        "candidates_seen": 1, "member_count": 1, "status": "open", "notes": None,
    }
    member = {
        "cohort_id": cid, "video_id": video.video_id, "priority": 1, "performance_band": None,
        "selection_views": video.counts.views if video.counts else None, "username": username,
        "create_time": utc(video.create_time), "caption": video.caption,
        "hashtags": extract_hashtags(video.caption or ""), "duration_s": video.duration_s, "region_code": None,
        "music_id": None, "sound_title": None, "sound_author": None, "sound_original": None,
        "video_url": video.share_url or video_url(username, video.video_id), "thumbnail_url": video.cover_image_url,
    }
    return cohort, member
