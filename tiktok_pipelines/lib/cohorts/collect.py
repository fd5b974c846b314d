"""Collecting one (cohort, task): a timepoint's counts, or the h48 creator stats and top comments.

The rules every task follows:
- a task already `done` or `missed` is left alone, so re-running a partition changes nothing;
- past its window (the next timepoint's mark) a task is recorded `missed`, with how late, and its
  members get explicit `missed` observations instead of counts taken at the wrong moment;
- members are worked through in priority order (most views first), so when the Research API
  quota runs low the best-known videos are the ones kept; the rest stay pending (`partial`, with
  the UTC reset time) and are resumed by the sensor while the window is still open;
- network calls happen outside database transactions; what was fetched is written even when a
  later call fails, and the failure is then raised for Dagster to retry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from tiktok_pipelines.lib.clock import Clock, utc
from tiktok_pipelines.lib.cohorts import store
from tiktok_pipelines.lib.cohorts.sources import CountsSource, MemberRef
from tiktok_pipelines.lib.cohorts.timepoints import TIMEPOINTS, scheduled_at, timing_at, window_end
from tiktok_pipelines.lib.privacy import redact_pii
from tiktok_pipelines.lib.tiktok.errors import QuotaExhausted, TikTokError
from tiktok_pipelines.lib.tiktok.research import ResearchUser
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import creator_snapshots, creators, video_comments

ALL_TASKS: tuple[str, ...] = (*TIMEPOINTS, *store.TASKS_AT_H48)


class CohortNotReady(RuntimeError):
    """The cohort has no members yet (or does not exist): nothing can be collected for it."""


class NotDueYet(RuntimeError):
    """A timepoint was launched before its mark: counts taken now would be labelled wrongly."""


@dataclass
class TaskOutcome:
    cohort_id: str
    task: str
    status: str  # done | partial | missed
    timing: str | None
    scheduled_at: datetime
    lateness_s: float | None
    items_total: int
    items_done: int
    items_missing: int
    items_pending: int = 0
    requests: int = 0
    retry_after: datetime | None = None
    already_handled: bool = False
    detail: str = ""
    error: Exception | None = field(default=None, repr=False)


def _ready_cohort(conn: Any, cohort_id: str) -> dict[str, Any]:
    cohort = store.get_cohort(conn, cohort_id)
    if cohort is None:
        raise CohortNotReady(f"cohort {cohort_id!r} does not exist: materialize cohort_members for it first")
    if cohort["status"] not in ("open", "complete"):
        raise CohortNotReady(f"cohort {cohort_id!r} is {cohort['status']!r}: it has no members to track")
    return cohort


def _from_task(row: dict[str, Any]) -> TaskOutcome:
    return TaskOutcome(
        cohort_id=row["cohort_id"], task=row["task"], status=row["status"], timing=row["timing"],
        scheduled_at=row["scheduled_at"], lateness_s=row["lateness_s"], items_total=row["items_total"],
        items_done=row["items_done"], items_missing=row["items_missing"], retry_after=row["retry_after"],
        already_handled=True, detail=row["detail"] or "",
    )


def _save_task(conn: Any, outcome: TaskOutcome, window_ends_at: datetime, first_attempt_at: datetime | None,
               now: datetime, run_id: str | None, requests_before: int) -> None:
    store.write_task(conn, {
        "cohort_id": outcome.cohort_id, "task": outcome.task, "scheduled_at": outcome.scheduled_at,
        "window_ends_at": window_ends_at, "status": outcome.status, "timing": outcome.timing,
        "first_attempt_at": first_attempt_at, "completed_at": now if outcome.status != "partial" else None,
        "lateness_s": outcome.lateness_s, "items_total": outcome.items_total, "items_done": outcome.items_done,
        "items_missing": outcome.items_missing, "retry_after": outcome.retry_after,
        "requests_used": requests_before + outcome.requests, "detail": outcome.detail[:2000], "run_id": run_id,
    })
    store.close_cohort_if_done(conn, outcome.cohort_id, ALL_TASKS)


def _begin(wh: Warehouse, cohort_id: str, task: str, anchor_tp: str, clock: Clock):  # noqa: ANN202
    """Shared preamble: the existing task row, the members, and when this task is due and closes."""
    with wh.begin() as conn:
        cohort = _ready_cohort(conn, cohort_id)
        existing = store.load_tasks(conn, [cohort_id]).get((cohort_id, task))
        members = store.load_members(conn, cohort_id)
    start = utc(cohort["started_at"])
    now = utc(clock.now())
    due = scheduled_at(start, anchor_tp)
    if existing is None and now < due:
        raise NotDueYet(f"{cohort_id} {task} is due at {due:%Y-%m-%d %H:%M} UTC; it is {now:%Y-%m-%d %H:%M} UTC")
    tolerance = timedelta(seconds=cohort["tolerance_s"])
    return existing, members, start, now, due, window_end(start, anchor_tp), tolerance


# --- timepoints --------------------------------------------------------------------------------------


def collect_timepoint(
    wh: Warehouse, cohort_id: str, timepoint: str, source: CountsSource, clock: Clock, run_id: str | None = None
) -> TaskOutcome:
    existing, members, start, now, due, closes, tolerance = _begin(wh, cohort_id, timepoint, timepoint, clock)
    if existing is not None and existing["status"] in store.FINAL_STATUSES:
        return _from_task(existing)
    with wh.begin() as conn:
        seen = store.observed_statuses(conn, cohort_id, timepoint)
    todo = [m for m in members if m["video_id"] not in seen]
    first_attempt = existing["first_attempt_at"] if existing else now
    requests_before = existing["requests_used"] if existing else 0
    timing = timing_at(start, timepoint, now, tolerance)
    base = {"cohort_id": cohort_id, "timepoint": timepoint, "scheduled_at": due, "source": source.name,
            "counts_staleness": source.staleness, "max_staleness_h": source.max_staleness_h}
    empty_counts = {"views": None, "likes": None, "comments": None, "shares": None, "saves": None, "stats_exact": None,
                    "collected_at": None, "hours_since_upload": None, "hours_since_cohort_start": None}
    rows: list[dict[str, Any]] = []
    outcome = TaskOutcome(cohort_id, timepoint, "done", timing, due, None, len(members), 0, 0)

    if timing == "missed":
        late = (now - due).total_seconds()
        rows = [{**base, **empty_counts, "video_id": m["video_id"], "status": "missed", "timing": "missed",
                 "lateness_s": late} for m in todo]
        observed_before = sum(1 for s in seen.values() if s == "observed")
        outcome.status = "done" if observed_before else "missed"
        outcome.timing = existing["timing"] if existing and observed_before else "missed"
        outcome.lateness_s = (utc(first_attempt) - due).total_seconds() if observed_before else late
        outcome.detail = (
            f"window closed at {closes:%Y-%m-%d %H:%M} UTC with {len(todo)} of {len(members)} members not collected"
            if observed_before else f"missed: nothing collected before the window closed at {closes:%Y-%m-%d %H:%M} UTC"
        )
    else:
        refs = [MemberRef(m["video_id"], m["username"], utc(m["create_time"])) for m in todo]
        result = source.fetch_counts(refs)
        created = {m["video_id"]: utc(m["create_time"]) for m in members}
        for o in result.observed:
            at = utc(o.collected_at)
            row_late = (at - due).total_seconds()
            rows.append({
                **base, "video_id": o.video_id, "collected_at": at, "status": "observed",
                "timing": "on_time" if at - due <= tolerance else "late", "lateness_s": row_late,
                "hours_since_upload": (at - created[o.video_id]).total_seconds() / 3600.0,
                "hours_since_cohort_start": (at - start).total_seconds() / 3600.0,
                "views": o.views, "likes": o.likes, "comments": o.comments, "shares": o.shares, "saves": o.saves,
                "stats_exact": o.stats_exact,
            })
        rows.extend({**base, **empty_counts, "video_id": vid, "status": "not_returned", "timing": timing,
                     "lateness_s": (now - due).total_seconds()} for vid in result.not_returned)
        outcome.requests = result.requests
        outcome.items_pending = len(result.pending)
        outcome.retry_after = result.retry_after
        outcome.error = result.error
        outcome.status = "partial" if result.pending else "done"
        outcome.timing = existing["timing"] if existing and existing["timing"] else timing
        outcome.lateness_s = (utc(first_attempt) - due).total_seconds()
        notes = []
        if result.quota_stopped:
            notes.append(f"stopped at the Research API daily quota with {len(result.pending)} members pending; "
                         f"resumes after {result.retry_after:%Y-%m-%d %H:%M} UTC while the window is open")
        if result.rejected:
            notes.append(f"{len(result.rejected)} malformed items rejected: {result.rejected[0].reason}")
        if result.detail and not result.quota_stopped:
            notes.append(result.detail)
        outcome.detail = "; ".join(notes)

    with wh.begin() as conn:
        store.write_observations(conn, rows)
        seen_now = store.observed_statuses(conn, cohort_id, timepoint)
        outcome.items_done = sum(1 for s in seen_now.values() if s == "observed")
        outcome.items_missing = sum(1 for s in seen_now.values() if s == "not_returned")
        _save_task(conn, outcome, closes, first_attempt, now, run_id, requests_before)
    return outcome


# --- h48: creators and comments ------------------------------------------------------------------------


# Creator stats at h48 have the Research API user's shape, whichever API served them.
CreatorStats = ResearchUser


@dataclass(frozen=True)
class Comment:
    comment_id: str
    video_id: str
    text: str
    like_count: int
    reply_count: int
    parent_comment_id: str | None
    create_time: datetime | None
    username: str | None = None


@dataclass
class _ItemsRun:
    results: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    quota_stopped: bool = False
    error: Exception | None = None
    detail: str = ""


def _work_items(items: Sequence[str], fetch: Callable[[str], Any]) -> _ItemsRun:
    run = _ItemsRun()
    for i, item in enumerate(items):
        try:
            value = fetch(item)
        except QuotaExhausted as exc:
            run.pending, run.quota_stopped, run.detail = list(items[i:]), True, str(exc)
            return run
        except TikTokError as exc:
            if exc.code in ("not_found", "invalid_params") or exc.http_status == 404:
                run.missing.append(item)  # a deleted video or renamed creator: recorded, not fatal
                continue
            run.pending, run.error, run.detail = list(items[i:]), exc, str(exc)
            return run
        if value is None:
            run.missing.append(item)
        else:
            run.results[item] = value
    return run


def _collect_items(
    wh: Warehouse, cohort_id: str, task: str, clock: Clock, run_id: str | None,
    items_for: Callable[[list[dict[str, Any]]], list[str]],
    fetch: Callable[[str], Any] | None,
    write: Callable[[Any, dict[str, Any], datetime], None],
    requests_spent: Callable[[], int],
    done_items: Callable[[Any], set[str]],
    unavailable: str = "",
    retry_after: Callable[[], datetime] | None = None,
) -> TaskOutcome:
    existing, members, start, now, due, closes, tolerance = _begin(wh, cohort_id, task, "h48", clock)
    if existing is not None and existing["status"] in store.FINAL_STATUSES:
        return _from_task(existing)
    items = items_for(members)
    with wh.begin() as conn:
        existing_done = done_items(conn) & set(items)  # what a partial run already stored
    todo = [i for i in items if i not in existing_done]
    first_attempt = existing["first_attempt_at"] if existing else now
    requests_before = existing["requests_used"] if existing else 0
    timing = timing_at(start, "h48", now, tolerance)
    outcome = TaskOutcome(cohort_id, task, "done", timing, due, (utc(first_attempt) - due).total_seconds(), len(items), 0, 0)
    if timing == "missed":
        outcome.status = "done" if existing_done else "missed"
        outcome.timing = existing["timing"] if existing and existing_done else "missed"
        outcome.lateness_s = outcome.lateness_s if existing_done else (now - due).total_seconds()
        outcome.items_done = len(existing_done)
        outcome.detail = f"h48 window closed at {closes:%Y-%m-%d %H:%M} UTC; {len(todo)} of {len(items)} not collected"
    elif fetch is None:
        outcome.items_total = 0
        outcome.detail = unavailable
    else:
        spent_before = requests_spent()
        run = _work_items(todo, fetch)
        outcome.requests = requests_spent() - spent_before
        with wh.begin() as conn:
            write(conn, run.results, now)
        outcome.items_done = len(existing_done) + len(run.results)
        outcome.items_missing = len(run.missing) + (existing["items_missing"] if existing else 0)
        outcome.items_pending = len(run.pending)
        outcome.status = "partial" if run.pending else "done"
        outcome.timing = existing["timing"] if existing and existing["timing"] else timing
        outcome.error = run.error
        if run.quota_stopped and retry_after is not None:
            outcome.retry_after = retry_after()
            outcome.detail = (f"stopped at the Research API daily quota with {len(run.pending)} pending; resumes after "
                              f"{outcome.retry_after:%Y-%m-%d %H:%M} UTC while the h48 window is open")
        elif run.detail:
            outcome.detail = run.detail
    with wh.begin() as conn:
        _save_task(conn, outcome, closes, first_attempt, now, run_id, requests_before)
    return outcome


def _creators_in_priority(members: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(m["username"] for m in members if m["username"]))


def collect_creators(
    wh: Warehouse, cohort_id: str, fetch: Callable[[str], CreatorStats | None] | None, clock: Clock, *,
    source: str, requests_spent: Callable[[], int] = lambda: 0, retry_after: Callable[[], datetime] | None = None,
    run_id: str | None = None,
) -> TaskOutcome:
    """Creator stats at h48 (followers, following, total likes, videos, verified, bio), one request each."""

    def write(conn: Any, results: dict[str, CreatorStats], at: datetime) -> None:
        if not results:
            return
        names = list(results)
        first_seen = dict(conn.execute(select(creators.c.username, creators.c.first_seen_at).where(creators.c.username.in_(names))).all())
        upsert(conn, creators, [{
            "username": c.username, "display_name": c.display_name,
            "bio_description": redact_pii(c.bio_description).text if c.bio_description else None,
            "bio_url": c.bio_url, "avatar_url": c.avatar_url, "is_verified": c.is_verified, "source": source,
            "first_seen_at": first_seen.get(c.username, at), "last_seen_at": at,
        } for c in results.values()])
        upsert(conn, creator_snapshots, [{
            "username": c.username, "collected_at": at, "cohort_id": cohort_id, "follower_count": c.follower_count,
            "following_count": c.following_count, "likes_count": c.likes_count, "video_count": c.video_count,
            "is_verified": c.is_verified, "source": source,
        } for c in results.values()], update=False)

    def done(conn: Any) -> set[str]:
        q = select(creator_snapshots.c.username).where(creator_snapshots.c.cohort_id == cohort_id)
        return {r[0] for r in conn.execute(q)}

    return _collect_items(wh, cohort_id, "creators", clock, run_id, _creators_in_priority, fetch, write,
                          requests_spent, done, retry_after=retry_after)


def collect_comments(
    wh: Warehouse, cohort_id: str, fetch: Callable[[str], tuple[list[Comment], int] | None] | None, clock: Clock, *,
    source: str, top_n: int = 50, requests_spent: Callable[[], int] = lambda: 0,
    retry_after: Callable[[], datetime] | None = None, unavailable: str = "", run_id: str | None = None,
) -> TaskOutcome:
    """The top `top_n` comments by likes per video at h48, text PII-redacted before it is stored.
    `fetch(video_id)` returns (comments scanned, how many) ; TikTok documents no order, so we sort."""

    def write(conn: Any, results: dict[str, tuple[list[Comment], int]], at: datetime) -> None:
        rows = []
        for video_id, (scanned, n_scanned) in results.items():
            top = sorted(scanned, key=lambda c: (-c.like_count, c.comment_id))[:top_n]
            for rank, c in enumerate(top, 1):
                red = redact_pii(c.text)
                rows.append({
                    "comment_id": c.comment_id, "video_id": video_id, "cohort_id": cohort_id, "like_rank": rank,
                    "text": red.text, "pii_redactions": red.redactions, "like_count": c.like_count,
                    "reply_count": c.reply_count, "parent_comment_id": c.parent_comment_id, "username": c.username,
                    "create_time": c.create_time, "collected_at": at, "comments_scanned": n_scanned, "source": source,
                })
        upsert(conn, video_comments, rows, update=False)

    def done(conn: Any) -> set[str]:
        q = select(video_comments.c.video_id).where(video_comments.c.cohort_id == cohort_id).distinct()
        return {r[0] for r in conn.execute(q)}

    return _collect_items(wh, cohort_id, "comments", clock, run_id, lambda ms: [m["video_id"] for m in ms], fetch,
                          write, requests_spent, done, unavailable=unavailable, retry_after=retry_after)
