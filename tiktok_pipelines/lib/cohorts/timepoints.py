"""When each (cohort, timepoint) falls due, and what happens when the daemon was down.

Rules (seed 004 took its snapshots by hand and silently lost the ones it missed):
- a timepoint is due at cohort start + its offset; within `tolerance` of that it is on time;
- later than that it is still collected, as "late", with its lateness recorded;
- when a later timepoint is also due already, the earlier one is "missed": it is recorded with how
  late it was, and never collected or back-filled, since counts taken now would be labelled with a
  moment long gone. The last timepoint (h48) has no successor; it closes FINAL_WINDOW after its mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from tiktok_pipelines.lib.clock import utc

TIMEPOINT_HOURS: dict[str, int] = {"h0": 0, "h1": 1, "h6": 6, "h24": 24, "h48": 48}
TIMEPOINTS: tuple[str, ...] = tuple(TIMEPOINT_HOURS)

FINAL_WINDOW = timedelta(hours=24)

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


def window_end(cohort_start: datetime, timepoint: str) -> datetime:
    """Until when a timepoint may still be collected (late): the next timepoint's mark."""
    at = scheduled_at(cohort_start, timepoint)  # validates the timepoint
    i = TIMEPOINTS.index(timepoint)
    return at + FINAL_WINDOW if i == len(TIMEPOINTS) - 1 else scheduled_at(cohort_start, TIMEPOINTS[i + 1])


def timing_at(cohort_start: datetime, timepoint: str, now: datetime, tolerance: timedelta) -> Status:
    """How a collection at `now` counts: on time, late, or too late (missed)."""
    at = scheduled_at(cohort_start, timepoint)
    now = utc(now)
    if now >= window_end(cohort_start, timepoint):
        return "missed"
    return "on_time" if now - at <= tolerance else "late"


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
    return [
        TimepointDecision(cohort_id, tp, scheduled_at(cohort_start, tp), now, timing_at(cohort_start, tp, now, tolerance))
        for tp in due
    ]


def next_due(cohort_start: datetime, handled: Iterable[str]) -> datetime | None:
    """When the cohort next needs attention (None when every timepoint is handled)."""
    done = set(handled)
    pending = [scheduled_at(cohort_start, tp) for tp in TIMEPOINTS if tp not in done]
    return min(pending) if pending else None
