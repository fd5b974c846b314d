"""What the timepoint sensor launches: collect when due, missed when too late, resume after the quota reset."""

from datetime import UTC, datetime, timedelta

from tiktok_pipelines.lib.cohorts.planning import plan_launches

START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CID = "public-20261101T1200"


def at(hours: float = 0, minutes: float = 0) -> datetime:
    return START + timedelta(hours=hours, minutes=minutes)


def cohort(cid: str = CID, start: datetime = START, tolerance_s: int = 900) -> dict:
    """Shaped like store.open_cohorts() rows."""
    return {"cohort_id": cid, "kind": "public", "started_at": start, "tolerance_s": tolerance_s, "selected_at": start}


def task(task_name: str, status: str, *, cid: str = CID, retry_after: datetime | None = None,
         first_attempt_at: datetime | None = None) -> dict:
    """Shaped like store.load_tasks() values (the cohort_tasks columns the planner reads)."""
    return {"cohort_id": cid, "task": task_name, "status": status, "retry_after": retry_after,
            "first_attempt_at": first_attempt_at}


def tasks(*rows: dict) -> dict[tuple[str, str], dict]:
    return {(r["cohort_id"], r["task"]): r for r in rows}


def done(*names: str, cid: str = CID) -> list[dict]:
    return [task(n, "done", cid=cid) for n in names]


def plan(task_rows=(), now=None, cohorts=None):
    return plan_launches(cohorts or [cohort()], tasks(*task_rows), now)


def summary(launches) -> list[tuple[str, str, str]]:
    return [(launch.timepoint, launch.reason, launch.run_key) for launch in launches]


# --- collect ------------------------------------------------------------------------------------------


def test_a_fresh_cohort_launches_h0_collect_once_due():
    [launch] = plan(now=at(minutes=2))
    assert (launch.cohort_id, launch.timepoint, launch.reason) == (CID, "h0", "collect")
    assert launch.run_key == f"{CID}:h0:collect"
    assert launch.scheduled_at == START and launch.lateness == timedelta(minutes=2)


def test_nothing_is_launched_before_a_mark():
    assert plan(now=at(minutes=-1)) == []
    assert plan(done("h0"), now=at(minutes=59)) == []
    assert plan(done("h0", "h1", "h6"), now=at(hours=23, minutes=59)) == []


def test_repeated_ticks_give_the_same_run_key():
    first = plan(done("h0"), now=at(hours=1, minutes=1))
    second = plan(done("h0"), now=at(hours=1, minutes=9))
    assert summary(first) == summary(second) == [("h1", "collect", f"{CID}:h1:collect")]


def test_naive_now_is_taken_as_utc():
    [launch] = plan(now=at(minutes=2).replace(tzinfo=None))
    assert launch.timepoint == "h0" and launch.lateness == timedelta(minutes=2)


# --- daemon down --------------------------------------------------------------------------------------


def test_daemon_down_from_h1_to_30h_records_h1_and_h6_missed_and_collects_h24_late():
    launches = plan(done("h0"), now=at(hours=30))
    assert summary(launches) == [
        ("h1", "missed", f"{CID}:h1:missed"),
        ("h6", "missed", f"{CID}:h6:missed"),
        ("h24", "collect", f"{CID}:h24:collect"),
    ]
    h24 = launches[2]
    assert h24.scheduled_at == at(hours=24) and h24.lateness == timedelta(hours=6)
    assert launches[0].lateness == timedelta(hours=29)


def test_h48_closes_24_hours_after_its_mark():
    everything_before = done("h0", "h1", "h6", "h24")
    assert summary(plan(everything_before, now=at(hours=71, minutes=59)))[0][:2] == ("h48", "collect")
    assert summary(plan(everything_before, now=at(hours=72))) == [("h48", "missed", f"{CID}:h48:missed")]


# --- what counts as handled ---------------------------------------------------------------------------


def test_a_timepoint_is_handled_only_when_its_task_is_final():
    assert plan([task("h0", "done")], now=at(minutes=30)) == []
    assert plan([task("h0", "missed")], now=at(minutes=30)) == []
    # a partial h0 whose retry time has passed is not handled: it is resumed
    [launch] = plan([task("h0", "partial", retry_after=at(minutes=10))], now=at(minutes=30))
    assert launch.reason == "resume"


def test_h48_needs_counts_creators_and_comments_all_final():
    before = done("h0", "h1", "h6", "h24")
    now = at(hours=49)
    assert summary(plan(before, now=now)) == [("h48", "collect", f"{CID}:h48:collect")]
    assert summary(plan([*before, *done("h48")], now=now)) == [("h48", "collect", f"{CID}:h48:collect")]
    assert summary(plan([*before, *done("h48", "creators")], now=now))[0][:2] == ("h48", "collect")
    assert plan([*before, *done("h48", "creators", "comments")], now=now) == []
    assert plan([*before, *done("h48", "creators"), task("comments", "missed")], now=now) == []


def test_cohorts_are_planned_independently():
    other = "public-20261101T1800"
    launches = plan_launches(
        [cohort(), cohort(other, START + timedelta(hours=6))],
        tasks(*done("h0", "h1"), *done("h0", cid=other)),
        at(hours=7, minutes=5),
    )
    assert [(launch.cohort_id, launch.timepoint, launch.reason) for launch in launches] == [
        (CID, "h6", "collect"), (other, "h1", "collect")]


def test_tasks_of_another_cohort_do_not_count():
    assert summary(plan(done("h0", cid="someone-else"), now=at(minutes=5))) == [("h0", "collect", f"{CID}:h0:collect")]


# --- stopped by the daily quota -----------------------------------------------------------------------


def test_a_partial_waiting_for_the_quota_reset_launches_nothing():
    reset = at(hours=3)
    rows = [*done("h0"), task("h1", "partial", retry_after=reset, first_attempt_at=at(hours=1))]
    assert plan(rows, now=at(hours=2, minutes=59)) == []


def test_a_partial_is_resumed_once_its_retry_time_has_passed():
    reset = at(hours=3)
    rows = [*done("h0"), task("h1", "partial", retry_after=reset, first_attempt_at=at(hours=1))]
    [launch] = plan(rows, now=at(hours=3, minutes=5))
    assert launch.timepoint == "h1" and launch.reason == "resume"
    assert launch.run_key == f"{CID}:h1:resume:20261101T1500"
    assert launch.scheduled_at == at(hours=1) and launch.lateness == timedelta(hours=2, minutes=5)


def test_each_quota_reset_gets_its_own_resume_run_key():
    first = plan([*done("h0", "h1", "h6"), task("h24", "partial", retry_after=at(hours=25))], now=at(hours=26))
    second = plan([*done("h0", "h1", "h6"), task("h24", "partial", retry_after=at(hours=40))], now=at(hours=41))
    assert first[0].run_key == f"{CID}:h24:resume:20261102T1300"
    assert second[0].run_key == f"{CID}:h24:resume:20261103T0400"


def test_a_partial_without_retry_time_resumes_keyed_by_its_first_attempt():
    rows = [*done("h0", "h1"), task("h6", "partial", first_attempt_at=at(hours=6, minutes=1))]
    [launch] = plan(rows, now=at(hours=7))
    assert launch.reason == "resume" and launch.run_key == f"{CID}:h6:resume:20261101T1801"


def test_a_partial_whose_window_closed_is_recorded_missed():
    rows = [*done("h0"), task("h1", "partial", retry_after=at(hours=7))]  # reset after h6's mark
    launches = plan(rows, now=at(hours=7, minutes=1))
    assert summary(launches) == [("h1", "missed", f"{CID}:h1:missed"), ("h6", "collect", f"{CID}:h6:collect")]


def test_a_partial_piece_of_the_h48_group_waits_then_resumes_the_group():
    rows = [*done("h0", "h1", "h6", "h24", "h48", "creators"),
            task("comments", "partial", retry_after=at(hours=50))]
    assert plan(rows, now=at(hours=49)) == []
    [launch] = plan(rows, now=at(hours=50, minutes=1))
    assert (launch.timepoint, launch.reason, launch.run_key) == ("h48", "resume", f"{CID}:h48:resume:20261103T1400")
    assert summary(plan(rows, now=at(hours=72))) == [("h48", "missed", f"{CID}:h48:missed")]


def test_the_latest_retry_time_of_a_group_decides_when_it_resumes():
    rows = [*done("h0", "h1", "h6", "h24", "h48"),
            task("creators", "partial", retry_after=at(hours=49)),
            task("comments", "partial", retry_after=at(hours=51))]
    assert plan(rows, now=at(hours=50)) == []
    assert plan(rows, now=at(hours=51))[0].run_key == f"{CID}:h48:resume:20261103T1500"
