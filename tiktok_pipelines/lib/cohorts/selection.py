"""Choosing a cohort's members: the newest matching videos, in the configured performance mix.

The prototype took "the 100 newest of 200 trending" and got whatever mix that gave. Here each band
of views (PERFORMANCE_BANDS) gets its share of the cohort, newest first inside the band; a band that
runs short leaves its places to the newest remaining videos of any band, so a cohort is never
smaller than it could be. Ties break by video id, so the same candidates always give the same cohort.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tiktok_pipelines.lib.clock import utc
from tiktok_pipelines.lib.cohorts.programs import PERFORMANCE_BANDS, performance_band


@dataclass(frozen=True)
class Candidate:
    video_id: str
    create_time: datetime
    views: int | None
    username: str | None = None


@dataclass(frozen=True)
class Selection:
    members: list[tuple[Candidate, str | None]]  # (candidate, band), priority order: most views first
    candidates_seen: int
    eligible: int
    mix_achieved: dict[str, int]


def band_quotas(size: int, mix: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of `size` places over the bands (sums to size exactly)."""
    total = sum(mix.values())
    raw = {b: size * mix.get(b, 0.0) / total for b, _ in PERFORMANCE_BANDS}
    quotas = {b: math.floor(v) for b, v in raw.items()}
    short = size - sum(quotas.values())
    for b in sorted(raw, key=lambda b: (-(raw[b] - quotas[b]), b))[:short]:
        quotas[b] += 1
    return quotas


def select_members(
    candidates: Sequence[Candidate],
    *,
    size: int,
    mix: dict[str, float],
    start: datetime,
    freshness_min_h: float,
    freshness_max_h: float,
) -> Selection:
    start = utc(start)
    oldest, newest = start - timedelta(hours=freshness_max_h), start - timedelta(hours=freshness_min_h)
    unique: dict[str, Candidate] = {}
    for c in candidates:  # a video listed twice keeps its highest count, whatever the page order
        kept = unique.get(c.video_id)
        if kept is None or (c.views or -1, utc(c.create_time)) > (kept.views or -1, utc(kept.create_time)):
            unique[c.video_id] = c
    eligible = [c for c in unique.values() if oldest <= utc(c.create_time) <= newest]
    newest_first = sorted(eligible, key=lambda c: (-utc(c.create_time).timestamp(), c.video_id))
    quotas = band_quotas(size, mix)
    chosen: dict[str, tuple[Candidate, str | None]] = {}
    for c in newest_first:
        band = performance_band(c.views)
        if band is not None and quotas.get(band, 0) > 0:
            quotas[band] -= 1
            chosen[c.video_id] = (c, band)
    for c in newest_first:  # fill what short bands left over
        if len(chosen) >= size:
            break
        if c.video_id not in chosen:
            chosen[c.video_id] = (c, performance_band(c.views))
    members = sorted(chosen.values(), key=lambda cb: (-(cb[0].views or 0), cb[0].video_id))
    achieved: dict[str, int] = {b: 0 for b, _ in PERFORMANCE_BANDS}
    for _, band in members:
        if band is not None:
            achieved[band] += 1
    return Selection(members=members, candidates_seen=len(unique), eligible=len(eligible), mix_achieved=achieved)
