"""When each (cohort, timepoint) falls due, and what happens when the daemon was down.

Rules (seed 004 took its snapshots by hand and silently lost the ones it missed):
- a timepoint is due at cohort start + its offset; within `tolerance` of that it is on time;
- later than that it is still collected, as "late", with its lateness recorded;
- when a later timepoint is also due already, the earlier one is "missed": it is recorded with how
  late it was, and never collected or back-filled, since counts taken now would be labelled with a
  moment long gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from tiktok_pipelines.lib.clock import utc

TIMEPOINT_HOURS: dict[str, int] = {"h0": 0, "h1": 1, "h6": 6, "h24": 24, "h48": 48}
TIMEPOINTS: tuple[str, ...] = tuple(TIMEPOINT_HOURS)

Status = Literal["on_time", "late", "missed"]


@dataclass(frozen=True)
class TimepointDecision:
    cohort_id: str
    timepoint: str
    scheduled_at: datetime
    decided_at: datetime
    status: Status

    @property
    def lateness(self) -> timedelta:
        return self.decided_at - self.scheduled_at

    @property
    def collect(self) -> bool:
        return self.status != "missed"


def scheduled_at(cohort_start: datetime, timepoint: str) -> datetime:
    try:
        return utc(cohort_start) + timedelta(hours=TIMEPOINT_HOURS[timepoint])
    except KeyError:
        raise ValueError(f"unknown timepoint {timepoint!r}; expected one of {', '.join(TIMEPOINTS)}") from None


def plan_cohort(
    cohort_id: str,
    cohort_start: datetime,
    now: datetime,
    handled: Iterable[str],
    tolerance: timedelta = timedelta(minutes=15),
) -> list[TimepointDecision]:
    """Decisions for the timepoints that are due and not yet handled (collected or recorded missed)."""
    if tolerance < timedelta(0):
        raise ValueError("tolerance must not be negative")
    now = utc(now)
    done = set(handled)
    unknown = done - set(TIMEPOINTS)
    if unknown:
        raise ValueError(f"unknown timepoints already handled: {sorted(unknown)}")
    due = [tp for tp in TIMEPOINTS if tp not in done and scheduled_at(cohort_start, tp) <= now]
    decisions = []
    for i, tp in enumerate(due):
        at = scheduled_at(cohort_start, tp)
        if i < len(due) - 1:
            status: Status = "missed"
        else:
            status = "on_time" if now - at <= tolerance else "late"
        decisions.append(TimepointDecision(cohort_id, tp, at, now, status))
    return decisions


def next_due(cohort_start: datetime, handled: Iterable[str]) -> datetime | None:
    """When the cohort next needs attention (None when every timepoint is handled)."""
    done = set(handled)
    pending = [scheduled_at(cohort_start, tp) for tp in TIMEPOINTS if tp not in done]
    return min(pending) if pending else None
