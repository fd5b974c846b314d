"""The cohort tracker end to end: the start schedule and the timepoint sensor driven through all
five timepoints on a controlled clock, against the fake TikTok over real sockets."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from tiktok_pipelines.lib.cohorts import store
from tiktok_pipelines.lib.cohorts.timeseries import SEED_COLUMNS, TIMESERIES_COLUMNS
from tiktok_pipelines.lib.warehouse.schema import (
    api_quota_usage,
    cohort_observations,
    creator_snapshots,
    video_comments,
)
from tiktok_pipelines_tests.cohorts.world import START, cohort_world

H = timedelta(hours=1)
TICK_DELAY = timedelta(minutes=2)


def _tasks(world, cohort_id: str) -> dict[str, dict]:
    with world.warehouse.begin() as conn:
        return {task: row for (_, task), row in store.load_tasks(conn, [cohort_id]).items()}


def _members(world, cohort_id: str) -> list[dict]:
    with world.warehouse.begin() as conn:
        return store.load_members(conn, cohort_id)


def _observations(world, cohort_id: str, timepoint: str) -> list[dict]:
    with world.warehouse.begin() as conn:
        q = select(cohort_observations).where(
            cohort_observations.c.cohort_id == cohort_id, cohort_observations.c.timepoint == timepoint
        )
        return [dict(r) for r in conn.execute(q).mappings()]


def _launched(runs) -> list[tuple[str, str | None, bool]]:
    return [(r.job_name, r.partition_key, r.success) for r in runs]


def test_schedule_starts_a_cohort_and_the_sensor_collects_every_timepoint_on_time(tmp_path: Path, sqlite_url: str):
    with cohort_world(tmp_path, sqlite_url) as world:
        cid = world.start_public()
        assert cid == "public-20261030T1200"
        members = len(_members(world, cid))
        assert members >= 20

        for hours, tp in [(0, "h0"), (1, "h1"), (6, "h6"), (24, "h24"), (48, "h48")]:
            assert world.tick(START + hours * H - timedelta(minutes=1)) == [] or hours == 0
            runs = world.tick(START + hours * H + TICK_DELAY)
            job = "cohort_h48_job" if tp == "h48" else "cohort_timepoint_job"
            assert (job, f"{cid}|{tp}", True) in _launched(runs)
            assert world.tick(START + hours * H + 2 * TICK_DELAY) == []  # run keys: nothing twice

        tasks = _tasks(world, cid)
        assert set(tasks) == {"h0", "h1", "h6", "h24", "h48", "creators", "comments"}
        for task, row in tasks.items():
            assert (row["status"], row["timing"]) == ("done", "on_time"), task
            assert row["lateness_s"] == pytest.approx(TICK_DELAY.total_seconds())
        for tp in ("h0", "h1", "h6", "h24", "h48"):
            rows = _observations(world, cid, tp)
            assert len(rows) == members
            assert {r["status"] for r in rows} == {"observed"}
            # Research API counts are archived: every row says so.
            assert {(r["source"], r["counts_staleness"], r["max_staleness_h"]) for r in rows} == {("research_api", "archived", 240.0)}
            assert all(r["hours_since_upload"] >= 48 for r in rows)
        with world.warehouse.begin() as conn:
            assert store.get_cohort(conn, cid)["status"] == "complete"
            assert conn.execute(select(creator_snapshots)).first() is not None
            top = conn.execute(select(video_comments.c.like_rank).where(video_comments.c.cohort_id == cid)).all()
            assert top and max(r[0] for r in top) <= 50

        csv_path = world.data_dir / "exports" / "cohorts" / cid / "cohort_timeseries.csv"
        with csv_path.open() as f:
            reader = csv.DictReader(f)
            assert tuple(reader.fieldnames or ()) == TIMESERIES_COLUMNS
            assert tuple(reader.fieldnames or ())[: len(SEED_COLUMNS)] == SEED_COLUMNS
            rows = list(reader)
        assert len(rows) == members * 5
        assert {r["timepoint"] for r in rows} == {"hour_0", "hour_1", "hour_6", "hour_24", "hour_48"}
        assert all(r["creator_follower_count"] for r in rows)  # creator stats at h48 joined on every row
        # The closed cohort is no longer planned; a day later nothing is launched.
        assert world.tick(START + 72 * H) == []


def test_a_timepoint_missed_while_the_daemon_was_down_is_recorded_with_its_lateness(tmp_path: Path, sqlite_url: str):
    with cohort_world(tmp_path, sqlite_url) as world:
        cid = world.start_public()
        world.tick(START + TICK_DELAY)
        world.tick(START + H + TICK_DELAY)
        # The daemon is down from h1 until 30 h: h6 passed unseen, h24 is due (6 h late).
        runs = world.tick(START + 30 * H)
        assert sorted(_launched(runs)) == [
            ("cohort_timepoint_job", f"{cid}|h24", True),
            ("cohort_timepoint_job", f"{cid}|h6", True),
        ]
        tasks = _tasks(world, cid)
        assert (tasks["h6"]["status"], tasks["h6"]["timing"]) == ("missed", "missed")
        assert tasks["h6"]["lateness_s"] == pytest.approx(24 * 3600)
        assert (tasks["h24"]["status"], tasks["h24"]["timing"]) == ("done", "late")
        assert tasks["h24"]["lateness_s"] == pytest.approx(6 * 3600)

        h6 = _observations(world, cid, "h6")
        assert h6 and {r["status"] for r in h6} == {"missed"}
        assert all(r["views"] is None and r["collected_at"] is None for r in h6)  # never back-filled
        assert {r["timing"] for r in _observations(world, cid, "h24")} == {"late"}

        world.tick(START + 48 * H + TICK_DELAY)
        assert _tasks(world, cid)["h48"]["timing"] == "on_time"
        csv_path = world.data_dir / "exports" / "cohorts" / cid / "cohort_timeseries.csv"
        rows = list(csv.DictReader(csv_path.open()))
        hour6 = [r for r in rows if r["timepoint"] == "hour_6"]
        assert hour6 and all(r["observation_status"] == "missed" and r["views"] == "" for r in hour6)
        assert all(float(r["lateness_minutes"]) == pytest.approx(24 * 60) for r in hour6)
        # Velocity at h24 spans the real interval since h1 (the missed h6 is not pretended).
        h24 = [r for r in rows if r["timepoint"] == "hour_24" and r["views_velocity"]]
        assert h24


def test_quota_exhaustion_stops_for_the_day_keeps_what_it_got_and_resumes_after_the_utc_reset(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
):
    programs = tmp_path / "programs.yaml"
    programs.write_text(
        "programs:\n  - name: public\n    size: 150\n    freshness_min_h: 48\n    freshness_max_h: 240\n"
        "    quota_reserve: 0\n"
    )
    monkeypatch.setenv("TIKTOK_COHORT_PROGRAMS", str(programs))
    with cohort_world(tmp_path, sqlite_url, feed_videos=900) as world:
        cid = world.start_public()
        members = _members(world, cid)
        assert len(members) == 150  # two id batches per timepoint
        for hours in (0, 1, 6):
            world.tick(START + hours * H + TICK_DELAY)

        # h24 (2026-10-31 12:00 UTC): TikTok has one request left for today.
        world.at(START + 24 * H)
        world.research.set_remaining_quota(1)
        runs = world.tick(START + 24 * H + TICK_DELAY)
        assert _launched(runs) == [("cohort_timepoint_job", f"{cid}|h24", True)]  # a clean stop, not a failure
        h24 = _tasks(world, cid)["h24"]
        assert h24["status"] == "partial" and h24["items_done"] == 100
        assert h24["retry_after"] == datetime(2026, 11, 1, tzinfo=UTC)
        kept = [r for r in _observations(world, cid, "h24") if r["status"] == "observed"]
        assert len(kept) == 100 and {m["video_id"] for m in members[:100]} == {r["video_id"] for r in kept}
        quota_walls = [r for r in world.research.requests if r.error_code == "daily_quota_limit_exceeded"]
        assert len(quota_walls) == 1  # never retried into the wall
        with world.warehouse.begin() as conn:
            assert conn.execute(select(api_quota_usage.c.exhausted).where(api_quota_usage.c.day == "2026-10-31")).scalar_one()

        # Later the same day: nothing is launched, nothing is sent to TikTok.
        sent = len(world.research.requests)
        assert world.tick(START + 30 * H) == []
        assert len(world.research.requests) == sent

        # After 00:00 UTC the rest of h24 is collected (late, with its real collection time).
        runs = world.tick(datetime(2026, 11, 1, 0, 5, tzinfo=UTC))
        assert _launched(runs) == [("cohort_timepoint_job", f"{cid}|h24", True)]
        h24 = _tasks(world, cid)["h24"]
        assert (h24["status"], h24["items_done"], h24["retry_after"]) == ("done", 150, None)
        rows = _observations(world, cid, "h24")
        assert len(rows) == 150 and {r["status"] for r in rows} == {"observed"}
        resumed = [r for r in rows if r["collected_at"] == datetime(2026, 11, 1, 0, 5, tzinfo=UTC)]
        assert len(resumed) == 50 and {r["timing"] for r in resumed} == {"late"}
        first = [r for r in rows if r["collected_at"] == START + 24 * H + TICK_DELAY]
        assert len(first) == 100  # the morning's rows were kept, not re-fetched

        world.tick(START + 48 * H + TICK_DELAY)
        assert _tasks(world, cid)["h48"]["status"] == "done"


def test_rerunning_any_cohort_partition_leaves_identical_rows(tmp_path: Path, sqlite_url: str):
    with cohort_world(tmp_path, sqlite_url) as world:
        cid = world.start_public()
        for hours in (0, 1, 6, 24, 48):
            world.tick(START + hours * H + TICK_DELAY)
        sounds = world.defs.resolve_job_def("sound_trends_job")
        assert sounds.execute_in_process(instance=world.instance).success  # sound trends over the final counts
        before = world.warehouse.dump()
        csv_path = world.data_dir / "exports" / "cohorts" / cid / "cohort_timeseries.csv"
        csv_before = csv_path.read_bytes()

        world.at(START + 50 * H)  # later counts would differ: a re-run must not take them
        members_job = world.defs.resolve_job_def("cohort_members_job")
        assert members_job.execute_in_process(instance=world.instance, partition_key=cid).success
        for tp in ("h0", "h1", "h6", "h24", "h48"):
            job = world.defs.resolve_job_def("cohort_h48_job" if tp == "h48" else "cohort_timepoint_job")
            key = dg.MultiPartitionKey({"cohort": cid, "timepoint": tp})
            assert job.execute_in_process(instance=world.instance, partition_key=key).success
        assert sounds.execute_in_process(instance=world.instance).success

        after = world.warehouse.dump()
        changed = [t for t in before if t != "api_failures" and before[t] != after[t]]
        assert changed == []
        assert csv_path.read_bytes() == csv_before


def test_an_own_upload_becomes_a_cohort_tracked_from_its_true_upload_time_with_live_counts(tmp_path: Path, sqlite_url: str):
    with cohort_world(tmp_path, sqlite_url) as world:
        upload = min((v for v in world.fake.account.videos if v.create_time > START), key=lambda v: v.create_time)
        posted = upload.create_time
        world.at(posted + timedelta(minutes=4))
        runs = world.daemon.tick_sensor("own_upload_cohort_sensor")
        cid = f"own-{upload.id}"
        assert _launched(runs) == [("cohort_members_job", cid, True)]
        assert world.daemon.tick_sensor("own_upload_cohort_sensor") == []  # known upload: no second cohort

        for hours in (0, 1, 6, 24, 48):
            world.tick(posted + hours * H + timedelta(minutes=4 if hours == 0 else 1))
        tasks = _tasks(world, cid)
        assert tasks["h0"]["timing"] == "on_time" and tasks["h0"]["lateness_s"] == pytest.approx(240)
        views = [_observations(world, cid, tp)[0] for tp in ("h0", "h1", "h6", "h24", "h48")]
        assert {(v["source"], v["counts_staleness"]) for v in views} == {("display_api", "live")}
        assert [round(v["hours_since_upload"], 2) for v in views] == [0.07, 1.02, 6.02, 24.02, 48.02]
        assert all(a["views"] <= b["views"] for a, b in zip(views, views[1:], strict=False))
        assert views[-1]["views"] > views[0]["views"]  # intraday growth is visible on the live path
        assert tasks["comments"]["status"] == "done" and "no comment endpoint" in tasks["comments"]["detail"]
        assert tasks["creators"]["items_done"] == 1


@pytest.mark.parametrize("enabled", [False, True], ids=["page_json_off", "page_json_on"])
def test_the_unofficial_page_json_source_is_off_unless_enabled_and_then_gives_live_exact_counts(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, enabled: bool
):
    programs = tmp_path / "programs.yaml"
    programs.write_text("programs:\n  - name: public\n    source: page_json\n    size: 10\n")
    monkeypatch.setenv("TIKTOK_COHORT_PROGRAMS", str(programs))
    with cohort_world(tmp_path, sqlite_url, page_json=enabled) as world:
        cid = world.start_public()  # members still come from the Research API
        runs = world.tick(START + TICK_DELAY)
        h0 = [r for r in runs if r.partition_key == f"{cid}|h0"]
        assert [r.success for r in h0] == [enabled]
        if not enabled:
            failure = next(
                e for e in world.instance.all_logs(h0[0].run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
            ).dagster_event.step_failure_data.error
            assert "TIKTOK_PAGE_JSON=1" in failure.message
            assert _observations(world, cid, "h0") == []  # nothing invented
            return
        world.tick(START + H + TICK_DELAY)
        h0_rows = {r["video_id"]: r for r in _observations(world, cid, "h0")}
        h1_rows = {r["video_id"]: r for r in _observations(world, cid, "h1")}
        assert len(h0_rows) == 10
        assert {(r["source"], r["counts_staleness"], r["stats_exact"]) for r in h0_rows.values()} == {("page_json", "live", True)}
        assert all(r["saves"] is not None for r in h0_rows.values())
        assert any(h1_rows[v]["views"] > h0_rows[v]["views"] for v in h0_rows)  # intraday growth, unlike the archive
        assert world.pages.requests >= 20
