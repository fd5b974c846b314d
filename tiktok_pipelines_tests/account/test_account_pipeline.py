"""The account assets end to end: live-mode resources against the fake TikTok over a real socket,
on SQLite and on a throwaway PostgreSQL."""

from __future__ import annotations

import csv
import json
import os
from datetime import timedelta

import dagster as dg

from tiktok_pipelines.defs.account.assets import (
    AccountRefreshConfig,
    account_exports,
    account_video_snapshots,
    account_videos,
    video_kpis,
)
from tiktok_pipelines.defs.account.checks import kpis_finite, snapshot_counts_non_negative, snapshot_views_monotonic
from tiktok_pipelines.lib.account.exports import CSV_COLUMNS
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.schema import video_snapshots, videos
from tiktok_pipelines_tests.account.fixtures import live_fake

ASSETS = [account_videos, account_video_snapshots, video_kpis, account_exports,
          snapshot_counts_non_negative, snapshot_views_monotonic, kpis_finite]


def _run(resources: dict, full_refresh: bool = True, instance=None) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        ASSETS,
        resources=resources,
        run_config=dg.RunConfig(ops={"account_videos": AccountRefreshConfig(full_refresh=full_refresh)}),
        instance=instance,
        raise_on_error=False,
    )


def test_refresh_twice_leaves_identical_warehouse(tmp_path, warehouse_url):
    with live_fake(tmp_path) as live:
        resources = live.resources(warehouse_url)
        assert _run(resources).success
        first = Warehouse(warehouse_url).dump()
        assert _run(resources).success
        assert Warehouse(warehouse_url).dump() == first
        assert len(first["videos"]) == len(live.fake.account.videos_visible_at(live.clock.now()))


def test_faulty_refresh_ends_with_every_video_and_no_duplicates(tmp_path, warehouse_url):
    with live_fake(tmp_path) as live:
        f = live.fake.faults
        f.add("rate_limit", count=4, endpoint="/v2/video/list/")
        f.add("internal_error", count=1, endpoint="/v2/video/query/")
        f.add("expire_token", count=1, endpoint="/v2/video/list/", after=1)
        f.add("short_page", count=1)
        f.add("http200_error", count=1, endpoint="/v2/video/list/", after=2, code="internal_error")
        result = _run(live.resources(warehouse_url))
        assert result.success
        assert not f.pending
        wh = Warehouse(warehouse_url)
        expected = {v.id for v in live.fake.account.videos_visible_at(live.clock.now())}
        dump = wh.dump()
        assert {r[0] for r in dump["videos"]} == expected
        snap_keys = [(r[0], r[1]) for r in dump["video_snapshots"]]
        assert len(snap_keys) == len(set(snap_keys)) == len(expected)
        assert dump["api_failures"], "failures are kept with TikTok's log_id"
        meta = result.asset_materializations_for_node("account_videos")[0].metadata
        assert meta["token_refreshes"].value == 1 and meta["api_failures_retried"].value >= 5


def test_revoked_refresh_token_fails_with_reconsent_and_writes_nothing(tmp_path, warehouse_url):
    with live_fake(tmp_path) as live:
        resources = live.resources(warehouse_url)
        assert _run(resources).success
        live.clock.advance(hours=3)  # access token (2 h) has expired
        live.fake.revoke_refresh_tokens()
        wh = Warehouse(warehouse_url)
        before = {k: v for k, v in wh.dump().items() if k != "api_failures"}
        result = _run(resources)
        assert not result.success
        failure = result.get_step_failure_events()[0].event_specific_data.error
        assert "re-consent needed" in failure.message or "tiktok-pipelines auth" in failure.message
        assert "rft." not in failure.message and "act." not in failure.message
        after = {k: v for k, v in wh.dump().items() if k != "api_failures"}
        assert after == before


def test_velocity_after_simulated_days_and_exports(tmp_path, warehouse_url):
    with live_fake(tmp_path) as live:
        resources = live.resources(warehouse_url)
        live.clock.set(live.clock.now() - timedelta(hours=48))
        for step in range(5):
            assert _run(resources, full_refresh=step == 0).success
            live.clock.advance(hours=12)
        wh = Warehouse(warehouse_url)
        assert wh.count(video_snapshots) >= 4 * wh.count(videos)
        data_dir = os.environ["TIKTOK_DATA_DIR"]
        with open(os.path.join(data_dir, "exports", "tiktok_video_metrics.csv"), newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == CSV_COLUMNS
        assert len(rows) - 1 == wh.count(videos)
        doc = json.loads(open(os.path.join(data_dir, "exports", "data.json")).read())
        assert doc["is_demo"] is False  # a live source, even though the server is our fake
        with_velocity = [v for v in doc["videos"] if v["velocity_24h"] is not None]
        assert len(with_velocity) == len(doc["videos"])
        assert doc["top_movers"] and doc["videos"]


def test_checks_flag_decreasing_views_as_a_warning(tmp_path, sqlite_url):
    with live_fake(tmp_path) as live:
        resources = live.resources(sqlite_url)
        assert _run(resources).success
        wh = Warehouse(sqlite_url)
        vid = next(iter({r[0] for r in wh.dump()["videos"]}))
        with wh.begin() as conn:
            conn.execute(video_snapshots.insert().values(
                video_id=vid, collected_at=live.clock.now() + timedelta(hours=1), views=0, likes=0,
                comments=0, shares=0, source="test"))
        result = dg.materialize([account_video_snapshots,
                                 snapshot_views_monotonic], resources=resources, raise_on_error=False,
                                selection=dg.AssetSelection.checks(snapshot_views_monotonic))
        evaluation = result.get_asset_check_evaluations()[0]
        assert not evaluation.passed
        assert evaluation.severity == dg.AssetCheckSeverity.WARN
        assert vid in evaluation.metadata["offending_rows"].value
