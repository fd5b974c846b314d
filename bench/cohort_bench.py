"""Cohort figures for `make bench` (see bench.py): one timepoint of a 2,000-video cohort against the
local fake Research API over a real socket, and one `cohort_timepoint_sensor` tick over 1,000 open cohorts.

Both build their warehouse state directly (no selection run) and time only the production code path:
the Dagster materialization of `cohort_observations` + `cohort_timeseries` for one (cohort, timepoint)
partition, and the sensor function evaluated as the daemon would.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

TIMEPOINT_TARGET_S = 20.0
SENSOR_TARGET_S = 1.0


@contextmanager
def _default_programs() -> Any:
    """Cohort ids in the bench are `public-…`: use the built-in default program whatever the caller's
    environment configures (TIKTOK_COHORT_PROGRAMS)."""
    saved = os.environ.pop("TIKTOK_COHORT_PROGRAMS", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["TIKTOK_COHORT_PROGRAMS"] = saved


def _step_seconds(instance: Any, run_id: str) -> dict[str, float]:
    """Wall seconds per step of a run, from the event log (STEP_START .. STEP_SUCCESS/FAILURE)."""
    starts: dict[str, float] = {}
    out: dict[str, float] = {}
    for rec in instance.all_logs(run_id):
        ev = rec.dagster_event
        if ev is None or ev.step_key is None:
            continue
        if ev.event_type_value == "STEP_START":
            starts[ev.step_key] = rec.timestamp
        elif ev.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and ev.step_key in starts:
            out[ev.step_key] = round(rec.timestamp - starts[ev.step_key], 3)
    return out


# --- one timepoint of a 2,000-video cohort -------------------------------------------------------------


def _public_cohort_rows(cohort_id: str, start: datetime, videos: list, tolerance_s: int) -> tuple[dict, list[dict]]:
    from tiktok_pipelines.lib.cohorts.members import video_url
    from tiktok_pipelines.lib.cohorts.programs import (
        DEFAULT_MIX,
        DEFAULT_QUERY,
        performance_band,
    )

    selected_at = start - timedelta(minutes=3)
    members = []
    for priority, v in enumerate(videos, 1):
        views = v.counts_at(selected_at - timedelta(days=3)).views  # archived at selection, as the API gives them
        vid = str(v.id)
        members.append({
            "cohort_id": cohort_id, "video_id": vid, "priority": priority, "performance_band": performance_band(views),
            "selection_views": views, "username": v.username, "create_time": v.create_time, "caption": v.description,
            "hashtags": list(v.hashtags), "duration_s": v.duration, "region_code": v.region_code,
            "music_id": str(v.music_id), "sound_title": None, "sound_author": None, "sound_original": None,
            "video_url": video_url(v.username, vid), "thumbnail_url": None,
        })
    cohort = {
        "cohort_id": cohort_id, "program": "public", "kind": "public", "source": "research_api", "is_demo": True,
        "started_at": start, "selected_at": selected_at, "tolerance_s": tolerance_s, "query": DEFAULT_QUERY,
        "size_requested": len(members), "freshness_min_h": 48.0, "freshness_max_h": 240.0,
        "performance_mix": DEFAULT_MIX, "mix_achieved": None, "candidates_seen": len(members),
        "member_count": len(members), "status": "open", "notes": "bench",
    }
    return cohort, members


def bench_cohort_timepoint(warehouse_url: str, n_members: int = 2000, feed_videos: int = 3500,
                           timepoint: str = "h1", seed: int = 44) -> dict:
    """Materialize cohort_observations + cohort_timeseries for (public-<T>, h1) at T+1h+2min, with the
    production httpx Research API client talking over TCP to the fake TikTok + fake Research API."""
    import dagster as dg
    import numpy as np
    from sqlalchemy import func, select

    from tiktok_pipelines.defs.account.resources import TikTokDisplayResource
    from tiktok_pipelines.defs.cohorts.assets import (
        cohort_observations,
        cohort_timeseries,
    )
    from tiktok_pipelines.defs.cohorts.resources import (
        TikTokPagesResource,
        TikTokResearchResource,
    )
    from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
    from tiktok_pipelines.demo.fake_api import FakeTikTokApi
    from tiktok_pipelines.demo.public_feed import PublicFeed
    from tiktok_pipelines.demo.research_api import FakeResearchApi
    from tiktok_pipelines.demo.server import serve_in_thread
    from tiktok_pipelines.demo.world import DEMO_NOW, DemoAccount
    from tiktok_pipelines.lib.clock import FileClock, FrozenClock
    from tiktok_pipelines.lib.cohorts import store
    from tiktok_pipelines.lib.cohorts.timepoints import scheduled_at
    from tiktok_pipelines.lib.warehouse import Warehouse
    from tiktok_pipelines.lib.warehouse.schema import cohort_observations as obs_table
    from tiktok_pipelines.lib.warehouse.schema import cohort_tasks
    from tiktok_pipelines.lib.warehouse.schema import cohort_timeseries as ts_table

    start = DEMO_NOW.replace(second=0, microsecond=0)
    cohort_id = f"public-{start:%Y%m%dT%H%M}"
    now = scheduled_at(start, timepoint) + timedelta(minutes=2)

    t0 = time.perf_counter()
    feed = PublicFeed(seed=seed, n_videos=feed_videos)
    # The fake Research API only finds videos at least 48 h old (index_delay): members must be indexed at `now`.
    indexed = [v for v in feed.videos if v.create_time <= start - timedelta(hours=48)]
    if len(indexed) < n_members:
        raise RuntimeError(f"the feed has only {len(indexed)} indexed videos; raise feed_videos")
    rng = np.random.default_rng(seed)
    picked = [indexed[i] for i in sorted(rng.choice(len(indexed), n_members, replace=False))]
    # Priority 1 = most views at selection, as the selection does it.
    cohort, members = _public_cohort_rows(cohort_id, start, picked, tolerance_s=900)
    members.sort(key=lambda m: -m["selection_views"])
    for p, m in enumerate(members, 1):
        m["priority"] = p
    wh = Warehouse(warehouse_url)
    wh.ensure_schema()
    with wh.begin() as conn:
        store.upsert_cohort(conn, cohort)
        store.write_members(conn, members)
    setup_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp, _default_programs(), dg.instance_for_test(temp_dir=tmp) as instance:
        clock_file = Path(tmp) / "clock.json"
        FileClock(clock_file, default_start=now).set(now)
        fake = FakeTikTokApi(DemoAccount(n_videos=0, upcoming_videos=0), FrozenClock(now))
        research = FakeResearchApi.mount_on(fake, feed, daily_quota=100_000)
        instance.add_dynamic_partitions("cohorts", [cohort_id])
        with serve_in_thread(fake) as server:
            resources = {
                "warehouse": WarehouseResource(url=warehouse_url),
                "clock": ClockResource(simulated=True, state_file=str(clock_file)),
                "tiktok_research": TikTokResearchResource(
                    demo=False, base_url=server.base_url, client_key=fake.client_key,
                    client_secret=fake.client_secret, daily_quota=100_000, retry_base_delay_s=0.01,
                ),
                "tiktok_display": TikTokDisplayResource(),
                "tiktok_pages": TikTokPagesResource(),
            }
            t = time.perf_counter()
            result = dg.materialize(
                [cohort_observations, cohort_timeseries],
                partition_key=dg.MultiPartitionKey({"cohort": cohort_id, "timepoint": timepoint}),
                instance=instance, resources=resources,
            )
            seconds = time.perf_counter() - t
        assert result.success, "the cohort timepoint run failed"
        steps = _step_seconds(instance, result.run_id)
        api_requests = len(research.requests)

    with wh.begin() as conn:
        by_status = dict(conn.execute(
            select(obs_table.c.status, func.count()).where(obs_table.c.cohort_id == cohort_id,
                                                           obs_table.c.timepoint == timepoint)
            .group_by(obs_table.c.status)).all())
        task = conn.execute(select(cohort_tasks).where(cohort_tasks.c.cohort_id == cohort_id,
                                                       cohort_tasks.c.task == timepoint)).mappings().one()
        ts_rows = conn.execute(select(func.count()).select_from(ts_table)
                               .where(ts_table.c.cohort_id == cohort_id)).scalar_one()
    observed = by_status.get("observed", 0)
    # Every member is indexed at `now`, so all of them must come back observed, on time.
    assert observed == n_members, f"expected {n_members} observed rows, got {by_status}"
    assert task["status"] == "done" and task["timing"] == "on_time", dict(task)
    return {
        "cohort_id": cohort_id, "timepoint": timepoint, "members": n_members, "seconds": round(seconds, 3),
        "observed_rows": observed, "observation_rows_by_status": by_status, "timeseries_rows": ts_rows,
        "api_requests": api_requests, "task_requests_used": task["requests_used"],
        "rows_per_s": round(observed / seconds, 1), "step_seconds": steps,
        "target_s": TIMEPOINT_TARGET_S, "meets_target": seconds <= TIMEPOINT_TARGET_S,
        "setup_not_timed_s": round(setup_s, 2),
    }


# --- one sensor tick over 1,000 open cohorts -------------------------------------------------------------

HANDLED_AFTER = timedelta(minutes=10)  # a launched timepoint is usually collected within minutes


def _seed_open_cohorts(warehouse_url: str, now: datetime, n_cohorts: int, seed: int) -> dict:
    """`n_cohorts` open public cohorts started at distinct minutes of the last 48 h, with a task row
    for every timepoint whose mark passed more than HANDLED_AFTER ago (mostly done; a few missed, a
    few stopped by the quota until 00:00 UTC) and 100 members each."""
    import numpy as np

    from tiktok_pipelines.lib.cohorts import store
    from tiktok_pipelines.lib.cohorts.programs import DEFAULT_MIX, DEFAULT_QUERY
    from tiktok_pipelines.lib.cohorts.timepoints import (
        TIMEPOINTS,
        scheduled_at,
        window_end,
    )
    from tiktok_pipelines.lib.warehouse import Warehouse
    from tiktok_pipelines.lib.warehouse.schema import (
        cohort_members,
        cohort_tasks,
        cohorts,
    )

    members_per_cohort = 100
    rng = np.random.default_rng(seed)
    minutes = rng.choice(48 * 60, size=n_cohorts, replace=False) + 1
    reset = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    cohort_rows, task_rows, member_rows = [], [], []
    statuses: Counter = Counter()
    for k, m in enumerate(minutes):
        start = (now - timedelta(minutes=int(m))).replace(second=0, microsecond=0)
        cid = f"public-{start:%Y%m%dT%H%M}"
        cohort_rows.append({
            "cohort_id": cid, "program": "public", "kind": "public", "source": "research_api", "is_demo": True,
            "started_at": start, "selected_at": start - timedelta(minutes=3), "tolerance_s": 900,
            "query": DEFAULT_QUERY, "size_requested": members_per_cohort, "freshness_min_h": 48.0,
            "freshness_max_h": 96.0, "performance_mix": DEFAULT_MIX, "mix_achieved": DEFAULT_MIX,
            "candidates_seen": 1500, "member_count": members_per_cohort, "status": "open", "notes": None,
        })
        for p in range(1, members_per_cohort + 1):
            member_rows.append({
                "cohort_id": cid, "video_id": str(7_300_000_000_000_000_000 + k * 1000 + p), "priority": p,
                "performance_band": "10K-100K", "selection_views": 50_000, "username": f"creator{p}",
                "create_time": start - timedelta(hours=60), "caption": "bench #fyp", "hashtags": ["fyp"],
                "duration_s": 30, "region_code": "US", "music_id": str(p % 25), "sound_title": None,
                "sound_author": None, "sound_original": None, "video_url": None, "thumbnail_url": None,
            })
        for tp in TIMEPOINTS:
            due = scheduled_at(start, tp)
            if now - due < HANDLED_AFTER:
                continue  # due just now (the sensor launches it) or not due yet
            roll = rng.random()
            status = "missed" if roll < 0.02 else "partial" if roll < 0.03 else "done"
            statuses[status] += 1
            late = float(rng.integers(30, 600)) if status != "missed" else 3600.0
            task_rows.append({
                "cohort_id": cid, "task": tp, "scheduled_at": due, "window_ends_at": window_end(start, tp),
                "status": status, "timing": "missed" if status == "missed" else "on_time",
                "first_attempt_at": due + timedelta(seconds=late),
                "completed_at": None if status == "partial" else due + timedelta(seconds=late + 20),
                "lateness_s": late, "items_total": members_per_cohort,
                "items_done": {"done": 98, "partial": 40, "missed": 0}[status],
                "items_missing": 2 if status == "done" else 0,
                "retry_after": reset if status == "partial" else None, "requests_used": 1,
                "detail": "", "run_id": f"bench-{k}-{tp}",
            })
    wh = Warehouse(warehouse_url)
    wh.ensure_schema()
    with wh.begin() as conn:
        conn.execute(cohorts.insert(), cohort_rows)
        conn.execute(cohort_members.insert(), member_rows)
        conn.execute(cohort_tasks.insert(), task_rows)
        assert len(store.open_cohorts(conn)) == n_cohorts
    return {"task_rows": len(task_rows), "task_rows_by_status": dict(statuses), "member_rows": len(member_rows)}


def bench_cohort_sensor(warehouse_url: str, n_cohorts: int = 1000, ticks: int = 5, seed: int = 3) -> dict:
    import dagster as dg

    from tiktok_pipelines.defs.cohorts.sensors import cohort_timepoint_sensor
    from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
    from tiktok_pipelines.demo.world import DEMO_NOW
    from tiktok_pipelines.lib.clock import FileClock

    now = DEMO_NOW + timedelta(days=2, minutes=7)
    seeded = _seed_open_cohorts(warehouse_url, now, n_cohorts, seed)
    times, results = [], []
    with tempfile.TemporaryDirectory() as tmp, dg.instance_for_test(temp_dir=tmp) as instance:
        clock_file = Path(tmp) / "clock.json"
        FileClock(clock_file, default_start=now).set(now)
        for _ in range(ticks):
            # Fresh resources per tick, as the daemon builds them for every evaluation.
            context = dg.build_sensor_context(instance=instance, cursor=None, resources={
                "warehouse": WarehouseResource(url=warehouse_url),
                "clock": ClockResource(simulated=True, state_file=str(clock_file)),
            })
            t = time.perf_counter()
            result = cohort_timepoint_sensor(context)
            times.append(time.perf_counter() - t)
            results.append(result)
    requests = results[-1].run_requests or []
    assert all(len(r.run_requests or []) == len(requests) for r in results), "ticks disagree"
    reasons = Counter(r.tags.get("tiktok/reason", r.job_name) for r in requests)
    timepoints = Counter(r.tags["tiktok/timepoint"] for r in requests if "tiktok/timepoint" in r.tags)
    median = statistics.median(times)
    assert reasons.get("collect", 0) > 0, f"no timepoint launched: {reasons}"
    return {
        "open_cohorts": n_cohorts, **seeded, "ticks": ticks, "seconds_median": round(median, 4),
        "seconds_each": [round(x, 4) for x in times], "run_requests": len(requests),
        "run_requests_by_reason": dict(reasons), "run_requests_by_timepoint": dict(timepoints),
        "target_s": SENSOR_TARGET_S, "meets_target": median <= SENSOR_TARGET_S,
    }
