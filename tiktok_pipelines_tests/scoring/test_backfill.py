"""Re-scoring after a rubric change, the way an operator does it from the Dagster UI: change the
weights, reload the code location, Jobs -> video_scoring_job -> Launch backfill over the videos.

Nothing here calls the job directly. The backfill is launched through the UI's own GraphQL mutation
(launchPartitionBackfill) and carried out by the backfill daemon's iteration, which submits one run
per video partition; the test instance's run launcher executes those runs synchronously in this
process, so one daemon iteration takes the backfill from requested to completed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.definitions.reconstruct import ReconstructableJob
from dagster._core.events import DagsterEventType
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus, RunsFilter
from dagster._core.storage.tags import PARTITION_NAME_TAG
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.backfill import execute_backfill_iteration
from dagster._daemon.daemon import get_default_daemon_logger
from dagster_graphql.client.query import LAUNCH_PARTITION_BACKFILL_MUTATION
from dagster_graphql.test.utils import execute_dagster_graphql

import tiktok_pipelines
from tiktok_pipelines.demo.world import DEMO_NOW
from tiktok_pipelines.lib.clock import FileClock
from tiktok_pipelines.lib.scoring import store
from tiktok_pipelines.lib.scoring.rubric import DEFAULT_WEIGHTS, overall_score
from tiktok_pipelines.lib.settings import load_settings
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.schema import video_creative_scores, video_onscreen_text, video_transcripts
from tiktok_pipelines_tests.scoring.videos import silent_text_video, store_inputs, strong_list_video, weak_video

JOB = "video_scoring_job"
SCORING_ASSETS = {"creative_scores", "creative_critique", "video_ai_analysis"}
HOOK_HEAVY = "hook=.5,depth=.1,pacing=.1,clarity=.1,cta=.1,brand_fit=.1"
HOOK_HEAVY_WEIGHTS = {"hook": 0.5, "depth": 0.1, "pacing": 0.1, "clarity": 0.1, "cta": 0.1, "brand_fit": 0.1}

pytestmark = [
    pytest.mark.slow,
    # Dagster's own snapshot of every schedule reads a property it deprecated; nothing the project can change.
    pytest.mark.filterwarnings("ignore:Property `ScheduleDefinition.environment_vars`:DeprecationWarning"),
]


@dataclass
class Backfill:
    record: PartitionBackfill
    runs: list[DagsterRun]
    materialized: dict[str, set[str]]  # partition -> asset keys its run materialized


@contextmanager
def code_location(instance: dg.DagsterInstance) -> Iterator[WorkspaceProcessContext]:
    """The project's definitions as the webserver and the daemon see them, loaded now: the environment
    (weights, brand, LLM) is read at this moment, as when an operator reloads the code location.

    In production every run starts in a fresh process that loads the definitions again. The test's
    run launcher executes runs in this process instead, where Dagster keeps the last job definition it
    built for a job (lru_cache on ReconstructableJob); forget it, or the runs would score with the
    weights of the previous load."""
    ReconstructableJob.get_definition.cache_clear()
    ReconstructableJob.get_repository_definition.cache_clear()
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(module_name="tiktok_pipelines.definitions", attribute="defs",
                             working_directory=str(Path(tiktok_pipelines.__file__).parents[1])),
        location_name="tiktok_pipelines",
    )
    with WorkspaceProcessContext(instance, InProcessWorkspaceLoadTarget(origin)) as workspace:
        yield workspace


def launch_backfill_from_ui(workspace: WorkspaceProcessContext, job_name: str, partitions: Sequence[str]) -> str:
    """What the UI sends for Jobs -> job -> Launch backfill with these partitions selected."""
    request = workspace.create_request_context()
    (location,) = request.code_locations
    (repository,) = location.get_repositories().values()
    (partition_set,) = [p for p in repository.get_partition_sets() if p.job_name == job_name]
    result = execute_dagster_graphql(request, LAUNCH_PARTITION_BACKFILL_MUTATION, variables={"backfillParams": {
        "selector": {"repositorySelector": {"repositoryLocationName": location.name,
                                            "repositoryName": repository.name},
                     "partitionSetName": partition_set.name},
        "partitionNames": list(partitions),
    }})
    launched = result.data["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def run_backfill(instance: dg.DagsterInstance, partitions: Sequence[str]) -> Backfill:
    """Launch a backfill of the scoring job from the UI and let the backfill daemon carry it out."""
    with code_location(instance) as workspace:
        backfill_id = launch_backfill_from_ui(workspace, JOB, partitions)
        of_backfill = RunsFilter(tags=DagsterRun.tags_for_backfill_id(backfill_id))
        assert instance.get_backfill(backfill_id).status == BulkActionStatus.REQUESTED
        assert not instance.get_runs(of_backfill)  # launching only records the request; the daemon submits the runs
        errors = [e for e in execute_backfill_iteration(workspace, get_default_daemon_logger("BackfillDaemon")) if e]
        assert not errors, errors[0].to_string()
    runs = instance.get_runs(of_backfill)
    materialized = {
        run.tags[PARTITION_NAME_TAG]: {
            e.dagster_event.asset_key.to_user_string()
            for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        }
        for run in runs
    }
    return Backfill(instance.get_backfill(backfill_id), runs, materialized)


def extraction_times(wh: Warehouse) -> list[tuple[str, str, datetime]]:
    with wh.begin() as conn:
        return sorted((table.name, video_id, at) for table in (video_transcripts, video_onscreen_text)
                      for video_id, at in conn.execute(sa.select(table.c.video_id, table.c.extracted_at)))


def scores_rows(wh: Warehouse) -> dict[str, tuple[datetime, str]]:
    with wh.begin() as conn:
        rows = conn.execute(sa.select(video_creative_scores.c.video_id, video_creative_scores.c.scored_at,
                                      video_creative_scores.c.config_fingerprint))
        return {video_id: (at, config) for video_id, at, config in rows}


def analyses(wh: Warehouse, videos: Sequence[str]) -> dict[str, dict]:
    with wh.begin() as conn:
        return {video_id: store.load_analysis(conn, video_id) for video_id in videos}


def assert_every_run_succeeded(backfill: Backfill, videos: Sequence[str]) -> None:
    assert backfill.record.status == BulkActionStatus.COMPLETED_SUCCESS
    assert sorted(run.tags[PARTITION_NAME_TAG] for run in backfill.runs) == sorted(videos)
    assert {run.job_name for run in backfill.runs} == {JOB}
    assert [run.status for run in backfill.runs] == [DagsterRunStatus.SUCCESS] * len(videos)
    assert backfill.materialized == {video_id: SCORING_ASSETS for video_id in videos}


def test_a_rubric_change_is_rescored_by_a_ui_backfill_without_re_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    videos = [strong_list_video(), weak_video(), silent_text_video()]
    ids = [v.video_id for v in videos]
    wh = Warehouse(load_settings().warehouse_url)
    wh.ensure_schema()
    with wh.begin() as conn:
        for inputs in videos:
            store_inputs(conn, inputs, DEMO_NOW)
    extracted = extraction_times(wh)
    assert {(table, video_id) for table, video_id, _ in extracted} >= {("video_transcripts", "strong"),
                                                                       ("video_onscreen_text", "silent")}

    with dg.instance_for_test(synchronous_run_coordinator=True, synchronous_run_launcher=True) as instance:
        instance.add_dynamic_partitions("videos", ids)  # what the media sensor does for new videos

        first = run_backfill(instance, ids)
        assert_every_run_succeeded(first, ids)
        before, scored_before = analyses(wh, ids), scores_rows(wh)
        for video_id, row in before.items():
            assert row["overall"] == overall_score({k: row[k] for k in DEFAULT_WEIGHTS}), video_id

        # The operator changes the weights and reloads; time has moved on in the demo world.
        monkeypatch.setenv("TIKTOK_SCORING_WEIGHTS", HOOK_HEAVY)
        FileClock(load_settings().demo_clock_file, default_start=DEMO_NOW).advance(hours=2)

        second = run_backfill(instance, ids)
        assert_every_run_succeeded(second, ids)

    assert extraction_times(wh) == extracted
    after, scored_after = analyses(wh, ids), scores_rows(wh)
    for video_id, row in after.items():
        core = {k: row[k] for k in DEFAULT_WEIGHTS}
        assert core == {k: before[video_id][k] for k in DEFAULT_WEIGHTS}, video_id  # same evidence, same scores
        assert row["overall"] == overall_score(core, HOOK_HEAVY_WEIGHTS), video_id
        assert scored_after[video_id][0] > scored_before[video_id][0], video_id
        assert scored_after[video_id][1] != scored_before[video_id][1], video_id
    assert any(after[v]["overall"] != before[v]["overall"] for v in ids)
