"""What the timepoint sensor launches on a tick: pure planning over the cohort task table.

- a timepoint (or the h48 group: counts, creators, comments) that is due and not handled is
  launched once (`collect`); Dagster's run keys make repeated ticks harmless;
- one whose window has closed unhandled is launched to be recorded as `missed`;
- one stopped by the daily quota (`partial`) waits for its `retry_after` and is then `resume`d,
  once per reset, while its window is open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tiktok_pipelines.lib.clock import utc
from tiktok_pipelines.lib.cohorts.store import FINAL_STATUSES, TASKS_AT_H48
from tiktok_pipelines.lib.cohorts.timepoints import TIMEPOINTS, plan_cohort, window_end


@dataclass(frozen=True)
class Launch:
    cohort_id: str
    timepoint: str
    reason: str  # collect | missed | resume
    run_key: str
    scheduled_at: datetime
    lateness: timedelta


def _group(timepoint: str) -> tuple[str, ...]:
    return (timepoint, *TASKS_AT_H48) if timepoint == "h48" else (timepoint,)


def plan_launches(
    cohorts: Iterable[dict[str, Any]], tasks: dict[tuple[str, str], dict[str, Any]], now: datetime
) -> list[Launch]:
    now = utc(now)
    launches: list[Launch] = []
    for c in cohorts:
        cid, start = c["cohort_id"], utc(c["started_at"])
        handled: set[str] = set()
        resume_marks: dict[str, datetime] = {}
        for tp in TIMEPOINTS:
            rows = [tasks.get((cid, t)) for t in _group(tp)]
            if all(r is not None and r["status"] in FINAL_STATUSES for r in rows):
                handled.add(tp)
                continue
            partial = [r for r in rows if r is not None and r["status"] == "partial"]
            if not partial or now >= window_end(start, tp):
                continue
            waits = [utc(r["retry_after"]) for r in partial if r["retry_after"] is not None]
            resume_at = max(waits) if waits else utc(min(r["first_attempt_at"] or now for r in partial))
            if resume_at > now:
                handled.add(tp)  # stopped by the quota: nothing to do before the reset
            else:
                resume_marks[tp] = resume_at
        tolerance = timedelta(seconds=c["tolerance_s"])
        for d in plan_cohort(cid, start, now, handled, tolerance):
            if d.status == "missed":
                reason, key = "missed", f"{cid}:{d.timepoint}:missed"
            elif d.timepoint in resume_marks:
                reason, key = "resume", f"{cid}:{d.timepoint}:resume:{resume_marks[d.timepoint]:%Y%m%dT%H%M}"
            else:
                reason, key = "collect", f"{cid}:{d.timepoint}:collect"
            launches.append(Launch(cid, d.timepoint, reason, key, d.scheduled_at, d.lateness))
    return launches
