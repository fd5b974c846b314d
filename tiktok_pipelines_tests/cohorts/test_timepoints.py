"""Timepoint planning: on time, late, and missed while the daemon was down."""

from datetime import UTC, datetime, timedelta

import pytest

from tiktok_pipelines.lib.cohorts.timepoints import TIMEPOINTS, next_due, plan_cohort, scheduled_at

START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TOL = timedelta(minutes=15)


def test_nothing_is_due_before_the_cohort_starts():
    assert plan_cohort("c1", START, START - timedelta(minutes=1), handled=[], tolerance=TOL) == []


def test_each_timepoint_on_time_when_the_sensor_ticks_regularly():
    handled: list[str] = []
    for tp, hours in zip(TIMEPOINTS, (0, 1, 6, 24, 48)):
        decisions = plan_cohort("c1", START, START + timedelta(hours=hours, minutes=2), handled, TOL)
        assert [(d.timepoint, d.status) for d in decisions] == [(tp, "on_time")]
        assert decisions[0].lateness == timedelta(minutes=2)
        handled.append(tp)
    assert next_due(START, handled) is None


def test_a_late_tick_still_collects_and_records_how_late():
    [d] = plan_cohort("c1", START, START + timedelta(hours=1, minutes=40), handled=["h0"], tolerance=TOL)
    assert d.timepoint == "h1" and d.status == "late" and d.collect
    assert d.lateness == timedelta(minutes=40)


def test_timepoints_passed_while_the_daemon_was_down_are_missed_not_backfilled():
    # Down from h1 until 30 h: h1 and h6 are recorded missed, h24 is collected late.
    decisions = plan_cohort("c1", START, START + timedelta(hours=30), handled=["h0"], tolerance=TOL)
    assert [(d.timepoint, d.status, d.collect) for d in decisions] == [
        ("h1", "missed", False), ("h6", "missed", False), ("h24", "late", True)]
    assert decisions[0].lateness == timedelta(hours=29)
    assert decisions[2].lateness == timedelta(hours=6)


def test_handled_timepoints_are_never_planned_twice():
    decisions = plan_cohort("c1", START, START + timedelta(hours=6), handled=["h0", "h1", "h6"], tolerance=TOL)
    assert decisions == []
    assert next_due(START, ["h0", "h1", "h6"]) == START + timedelta(hours=24)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="h12"):
        scheduled_at(START, "h12")
    with pytest.raises(ValueError, match="h3"):
        plan_cohort("c1", START, START, handled=["h3"])
    with pytest.raises(ValueError, match="tolerance"):
        plan_cohort("c1", START, START, handled=[], tolerance=timedelta(minutes=-1))
