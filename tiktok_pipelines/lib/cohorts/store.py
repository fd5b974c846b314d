"""Reads and writes of the cohorts domain. Natural keys everywhere; observations are first-write-wins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import (
    api_quota_usage,
    cohort_members,
    cohort_observations,
    cohort_tasks,
    cohorts,
)

FINAL_STATUSES = frozenset({"done", "missed"})
TASKS_AT_H48 = ("creators", "comments")


def get_cohort(conn: Connection, cohort_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(cohorts).where(cohorts.c.cohort_id == cohort_id)).mappings().first()
    return dict(row) if row else None


def upsert_cohort(conn: Connection, row: dict[str, Any]) -> None:
    upsert(conn, cohorts, [row])


def open_cohorts(conn: Connection) -> list[dict[str, Any]]:
    q = select(
        cohorts.c.cohort_id, cohorts.c.kind, cohorts.c.started_at, cohorts.c.tolerance_s, cohorts.c.selected_at
    ).where(cohorts.c.status == "open")
    return [dict(r) for r in conn.execute(q).mappings()]


def write_members(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    return upsert(conn, cohort_members, rows)


def load_members(conn: Connection, cohort_id: str) -> list[dict[str, Any]]:
    q = select(cohort_members).where(cohort_members.c.cohort_id == cohort_id).order_by(cohort_members.c.priority)
    return [dict(r) for r in conn.execute(q).mappings()]


def load_tasks(conn: Connection, cohort_ids: Iterable[str] | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    q = select(cohort_tasks)
    if cohort_ids is not None:
        ids = list(cohort_ids)
        if not ids:
            return {}
        q = q.where(cohort_tasks.c.cohort_id.in_(ids))
    return {(r["cohort_id"], r["task"]): dict(r) for r in conn.execute(q).mappings()}


def write_task(conn: Connection, row: dict[str, Any]) -> None:
    upsert(conn, cohort_tasks, [row])


def observed_statuses(conn: Connection, cohort_id: str, timepoint: str) -> dict[str, str]:
    q = select(cohort_observations.c.video_id, cohort_observations.c.status).where(
        cohort_observations.c.cohort_id == cohort_id, cohort_observations.c.timepoint == timepoint
    )
    return dict(conn.execute(q).all())


def write_observations(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    # First write wins: an observation is a fact about one moment and is never rewritten.
    return upsert(conn, cohort_observations, rows, update=False)


def load_observations(conn: Connection, cohort_id: str, timepoint: str | None = None) -> list[dict[str, Any]]:
    q = select(cohort_observations).where(cohort_observations.c.cohort_id == cohort_id)
    if timepoint is not None:
        q = q.where(cohort_observations.c.timepoint == timepoint)
    return [dict(r) for r in conn.execute(q).mappings()]


def close_cohort_if_done(conn: Connection, cohort_id: str, expected_tasks: Sequence[str]) -> bool:
    n = conn.execute(
        select(func.count()).select_from(cohort_tasks).where(
            cohort_tasks.c.cohort_id == cohort_id,
            cohort_tasks.c.task.in_(list(expected_tasks)),
            cohort_tasks.c.status.in_(list(FINAL_STATUSES)),
        )
    ).scalar_one()
    if n < len(expected_tasks):
        return False
    conn.execute(update(cohorts).where(cohorts.c.cohort_id == cohort_id).values(status="complete"))
    return True


# --- shared Research API quota ---------------------------------------------------------------------


def quota_state(conn: Connection, api: str, day: date) -> tuple[int, bool]:
    row = conn.execute(
        select(api_quota_usage.c.requests_used, api_quota_usage.c.exhausted).where(
            api_quota_usage.c.api == api, api_quota_usage.c.day == day.isoformat()
        )
    ).first()
    return (int(row[0]), bool(row[1])) if row else (0, False)


def add_quota_spent(conn: Connection, api: str, day: date, spent: int, exhausted: bool, at: datetime) -> None:
    """Add what one run spent to the day's total (runs add, never overwrite each other's counts)."""
    prev_used, prev_exhausted = quota_state(conn, api, day)
    upsert(
        conn,
        api_quota_usage,
        [{"api": api, "day": day.isoformat(), "requests_used": prev_used + spent,
          "exhausted": prev_exhausted or exhausted, "updated_at": at}],
    )
