"""The production stack of docker/, minus Docker: a real PostgreSQL cluster holding both Dagster's
instance database and the warehouse database (made by docker/postgres/init-warehouse.sh), moto's S3
server standing in for MinIO (media and compute logs), the instance built from docker/dagster.yaml with
the environment docker-compose.yml gives the code service, the `init` step, the gRPC code server
started with the compose command, the workspace from docker/workspace.yaml, and Dagster's own sensor
and run-queue daemon code driving them. Runs are launched by the DefaultRunLauncher into the code
server, as in compose."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import create_engine, inspect, select, text

from tiktok_pipelines_tests.deployment.compose import (
    DOCKER,
    load_compose,
    read_env_file,
    service_command,
    service_environment,
)
from tiktok_pipelines_tests.media.servers import moto_s3_endpoint, s3_client
from tiktok_pipelines_tests.pg import ThrowawayPostgres, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

VIDEO = "7300000000000000001"  # a file named after a TikTok video id belongs to that account video
TEST_ONLY_ENV = {
    # A file uploaded a moment ago counts as complete (production waits 5 s for uploads to settle).
    "TIKTOK_DROP_SETTLE_SECONDS": "0",
    # No live TikTok calls from a test; the media path is the same in both modes.
    "TIKTOK_SOURCE": "demo",
}


@dataclass
class Stack:
    pg: ThrowawayPostgres
    s3_endpoint: str
    env: dict[str, str]  # the code service's environment, pointed at this machine's servers
    instance: dg.DagsterInstance
    workspace: Any  # WorkspaceProcessContext
    code_server_log: Path
    pools: dict[str, int]

    @property
    def s3(self) -> Any:
        return s3_client(self.s3_endpoint)

    def bucket(self, env_name: str) -> str:
        return self.env[env_name].removeprefix("s3://").split("/", 1)[0]


def _init_module() -> Any:
    spec = importlib.util.spec_from_file_location("init_instance", DOCKER / "init_instance.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dotenv(pg: ThrowawayPostgres) -> dict[str, str]:
    """docker/.env as an operator fills it in (the cluster's superuser plays the compose POSTGRES_USER)."""
    dotenv = {k: v or f"test-{k.lower()}" for k, v in read_env_file().items()}
    dotenv.update({"DAGSTER_PG_USERNAME": pg.user, "MINIO_ROOT_USER": "testing", "MINIO_ROOT_PASSWORD": "testing"})
    return dotenv


def _localised_code_env(pg: ThrowawayPostgres, s3_endpoint: str, grpc_port: int, root: Path) -> dict[str, str]:
    """The compose `code` service's environment, with the compose hostnames replaced by this
    machine's servers."""
    env = service_environment(load_compose(), "code", _dotenv(pg))
    for key, value in env.items():
        value = value.replace("@postgres:5432/", f"@{pg.host}:{pg.port}/").replace("http://minio:9000", s3_endpoint)
        env[key] = value.replace("/var/lib/tiktok", str(root / "var-lib-tiktok"))
    env.update({"DAGSTER_PG_HOST": pg.host, "DAGSTER_PG_PORT": str(pg.port), "DAGSTER_CODE_SERVER_HOST": "127.0.0.1",
                "DAGSTER_CODE_SERVER_PORT": str(grpc_port), "DAGSTER_HOME": str(root / "dagster_home"), **TEST_ONLY_ENV})
    return env


def _process_env(code_env: dict[str, str]) -> dict[str, str]:
    """This process's environment without any developer TikTok/Dagster/AWS settings, plus code_env."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "DAGSTER_", "AWS_", "OPENAI_"))}
    return {**base, **code_env}


def _wait_for_code_server(port: int, process: subprocess.Popen, log: Path, timeout_s: float = 120) -> None:
    from dagster._grpc.client import DagsterGrpcClient

    client = DagsterGrpcClient(port=port, host="127.0.0.1")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the code server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            client.ping("ready")
            return
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.3)
    raise TimeoutError(f"the code server did not answer within {timeout_s} s:\n{log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:  # its gRPC shutdown grace period: nothing left to finish here
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    root = tmp_path_factory.mktemp("stack")
    with ExitStack() as stack, pytest.MonkeyPatch.context() as mp:
        pg = stack.enter_context(ThrowawayPostgres())
        pg.create_database("dagster")  # POSTGRES_DB: the postgres image's entrypoint creates it
        s3_endpoint = stack.enter_context(moto_s3_endpoint())
        grpc_port = free_port()
        env = _localised_code_env(pg, s3_endpoint, grpc_port, root)

        # The postgres image runs this on its first start: the warehouse's own role and database.
        postgres_env = service_environment(load_compose(), "postgres", _dotenv(pg))
        subprocess.run(["sh", str(DOCKER / "postgres" / "init-warehouse.sh")], check=True, capture_output=True, env={
            **_process_env(postgres_env), "PATH": f"{pg.bin_dir}:{os.environ['PATH']}", "PGHOST": pg.host,
            "PGPORT": str(pg.port)})
        # minio-init: the buckets.
        client = s3_client(s3_endpoint)
        for bucket in (env["DAGSTER_COMPUTE_LOGS_BUCKET"], env["TIKTOK_MEDIA_STORE"].removeprefix("s3://").split("/")[0]):
            client.create_bucket(Bucket=bucket)
        # The images bake dagster.yaml and workspace.yaml into DAGSTER_HOME.
        home = Path(env["DAGSTER_HOME"])
        home.mkdir(parents=True)
        for name in ("dagster.yaml", "workspace.yaml"):
            shutil.copy(DOCKER / name, home / name)

        for key in [k for k in os.environ if k.startswith(("TIKTOK_", "DAGSTER_", "AWS_", "OPENAI_"))]:
            mp.delenv(key)
        for key, value in env.items():
            mp.setenv(key, value)

        # The compose `init` service.
        init = _init_module()
        with redirect_stdout(StringIO()):
            assert init.main([]) == 0

        # The compose `code` service, with its own command.
        argv = service_command(load_compose(), "code")
        argv = [str(Path(sys.executable).with_name(argv[0])), *argv[1:]]
        argv[argv.index("-h") + 1], argv[argv.index("-p") + 1] = "127.0.0.1", str(grpc_port)
        log = root / "code-server.log"
        with open(log, "wb") as out:
            server = subprocess.Popen(argv, env=_process_env(env), stdout=out, stderr=subprocess.STDOUT, cwd=root)
        stack.callback(_stop, server)
        _wait_for_code_server(grpc_port, server, log)

        instance = stack.enter_context(dg.DagsterInstance.get())
        workspace = stack.enter_context(WorkspaceProcessContext(instance, WorkspaceFileTarget([str(home / "workspace.yaml")])))
        yield Stack(pg, s3_endpoint, env, instance, workspace, log, init.load_pool_limits(DOCKER / "pools.yaml"))


@pytest.fixture(autouse=True)
def stack_env(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stack's environment again for each test (the suite's isolated_env resets TIKTOK_*)."""
    for key, value in stack.env.items():
        monkeypatch.setenv(key, value)


def _make_clip(path: Path) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=360x640:rate=25", "-f", "lavfi",
                    "-i", "sine=frequency=440:sample_rate=44100", "-t", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


def _statuses(instance: dg.DagsterInstance, run_ids: list[str]) -> list[dg.DagsterRunStatus]:
    return [instance.get_run_by_id(r).status for r in run_ids]  # type: ignore[union-attr]


def _wait_for_run(stack: Stack, run_id: str, timeout_s: float = 240) -> dg.DagsterRun:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = stack.instance.get_run_by_id(run_id)
        assert run is not None
        if run.is_finished:
            return run
        time.sleep(0.5)
    raise TimeoutError(f"run {run_id} still {run.status} after {timeout_s} s:\n{stack.code_server_log.read_text()[-4000:]}")


def _failure_messages(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [r.dagster_event.message or "" for r in instance.all_logs(run_id)
            if r.dagster_event is not None and r.dagster_event.is_failure]


# --- the tests ---------------------------------------------------------------------------------------------


def test_init_migrates_both_databases_on_one_server_and_sets_the_pool_limits(stack: Stack) -> None:
    from dagster._core.launcher import DefaultRunLauncher
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    from tiktok_pipelines.lib.warehouse import Warehouse
    from tiktok_pipelines.lib.warehouse.migrate import current_revision, head_revision

    instance = stack.instance
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.compute_log_manager, S3ComputeLogManager)
    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
    assert isinstance(instance.run_launcher, DefaultRunLauncher)
    limits = {pool: instance.event_log_storage.get_concurrency_info(pool).slot_count for pool in stack.pools}
    assert limits == stack.pools

    url = stack.env["TIKTOK_WAREHOUSE_URL"]
    assert current_revision(Warehouse(url).engine) == head_revision()
    dagster_db = create_engine(stack.pg.url(stack.env["DAGSTER_PG_DB"]))
    warehouse_db = create_engine(url)
    try:
        assert {"runs", "event_logs"} <= set(inspect(dagster_db).get_table_names())
        assert "videos" not in inspect(dagster_db).get_table_names()
        assert "videos" in inspect(warehouse_db).get_table_names() and "runs" not in inspect(warehouse_db).get_table_names()
        with warehouse_db.connect() as conn:  # owned by the warehouse's own role, not by Dagster's superuser
            assert conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'videos'")).scalar_one() == "tiktok"
    finally:
        dagster_db.dispose()
        warehouse_db.dispose()

    # Running init again (every `docker compose up`) changes nothing.
    out = StringIO()
    with redirect_stdout(out):
        assert _init_module().main([]) == 0
    assert "warehouse schema current" in out.getvalue()
    assert "(was" not in out.getvalue()


def test_a_dropped_video_is_partitioned_queued_behind_its_pool_and_materialized_into_postgres_and_s3(
    stack: Stack, tmp_path: Path,
) -> None:
    from dagster._core.storage.tags import PARTITION_NAME_TAG
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon
    from dagster._daemon.sensor import execute_sensor_iteration
    from dagster_graphql.test.utils import materialize_assets

    from tiktok_pipelines.lib.warehouse import Warehouse, schema

    instance, s3 = stack.instance, stack.s3
    media_bucket = stack.bucket("TIKTOK_MEDIA_STORE")
    drop_prefix = stack.env["TIKTOK_DROP_S3"].removeprefix(f"s3://{media_bucket}/")
    s3.upload_file(str(_make_clip(tmp_path / "clip.mp4")), media_bucket, f"{drop_prefix}/{VIDEO}.mp4")
    log = logging.getLogger("test.daemon")

    # 1. A sensor tick (the daemon's own code, the sensor evaluated in the code server) adds the
    #    video as a `videos` partition and queues its extraction run.
    context = stack.workspace.create_request_context()
    remote_sensor = context.get_code_location("tiktok_pipelines").get_repository("__repository__").get_sensor("media_intake_sensor")
    instance.start_sensor(remote_sensor)
    list(execute_sensor_iteration(stack.workspace, log, None, None))
    assert instance.get_dynamic_partitions("videos") == [VIDEO]
    [sensor_run] = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED]))
    assert (sensor_run.job_name, sensor_run.tags[PARTITION_NAME_TAG], sensor_run.tags["tiktok/media_source"]) == (
        "video_extraction_job", VIDEO, "s3")
    wh = Warehouse(stack.env["TIKTOK_WAREHOUSE_URL"])
    with wh.engine.connect() as conn:
        assert conn.execute(select(schema.media_sources.c.kind).where(schema.media_sources.c.video_id == VIDEO)).scalar_one() == "s3"

    # 2. Every media_download slot is held by another run: a run whose first step needs the pool
    #    stays in the queue, taking no run slot.
    storage = instance.event_log_storage
    for i in range(stack.pools["media_download"]):
        storage.claim_concurrency_slot("media_download", "another-run", f"video_media_{i}")
    [launched] = materialize_assets(stack.workspace.create_request_context(), [dg.AssetKey("video_media")], [VIDEO])  # the UI's "Materialize"
    assert launched.data["launchPipelineExecution"]["__typename"] == "LaunchRunSuccess", launched.data
    ui_run_id = launched.data["launchPipelineExecution"]["run"]["runId"]
    coordinator = QueuedRunCoordinatorDaemon(interval_seconds=1)
    list(coordinator.run_iteration(stack.workspace))
    assert _statuses(instance, [sensor_run.run_id, ui_run_id]) == [dg.DagsterRunStatus.QUEUED] * 2

    # The operator cancels the full extraction run (the media pipeline tests cover it); the other run
    # gives its slots back, and the queued run starts.
    instance.run_coordinator.cancel_run(sensor_run.run_id)
    storage.free_concurrency_slots_for_run("another-run")
    list(coordinator.run_iteration(stack.workspace))
    assert _statuses(instance, [ui_run_id]) != [dg.DagsterRunStatus.QUEUED]
    run = _wait_for_run(stack, ui_run_id)
    assert run.status == dg.DagsterRunStatus.SUCCESS, _failure_messages(instance, ui_run_id) or stack.code_server_log.read_text()[-4000:]

    # 3. The materialization: the warehouse row in PostgreSQL, the file in S3, the event in the
    #    instance's PostgreSQL event log, the step's logs in S3, and the pool slot given back.
    with wh.engine.connect() as conn:
        asset = conn.execute(select(schema.media_assets).where(schema.media_assets.c.video_id == VIDEO)).mappings().one()
    assert asset["status"] == "stored"
    assert asset["storage_uri"].startswith(stack.env["TIKTOK_MEDIA_STORE"] + "/")
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket=media_bucket, Prefix="media/").get("Contents", [])]
    assert any(key.endswith(".mp4") and VIDEO in key for key in stored), stored
    [record] = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("video_media"), asset_partitions=[VIDEO]), limit=5).records
    assert record.run_id == ui_run_id
    logs_bucket = stack.env["DAGSTER_COMPUTE_LOGS_BUCKET"]
    log_keys = [o["Key"] for o in s3.list_objects_v2(Bucket=logs_bucket, Prefix="compute-logs/").get("Contents", [])]
    assert any(ui_run_id in key for key in log_keys), log_keys
    assert storage.get_concurrency_info("media_download").claimed_slots == []


def test_the_runbooks_backfill_request_is_accepted_by_the_graphql_api(stack: Stack) -> None:
    """docker/README.md's curl command, sent to the same GraphQL schema the webserver serves."""
    import json

    from dagster._core.execution.backfill import BulkActionStatus
    from dagster_graphql.test.utils import execute_dagster_graphql

    readme = (DOCKER / "README.md").read_text()
    payload = json.loads(re.search(r"/graphql -H 'Content-Type: application/json' -d '(.*?)'", readme, re.S).group(1))  # type: ignore[union-attr]
    result = execute_dagster_graphql(stack.workspace.create_request_context(), payload["query"], payload["variables"])
    assert result.data["launchPartitionBackfill"]["__typename"] == "LaunchBackfillSuccess", result.data
    [backfill] = stack.instance.get_backfills()
    assert backfill.partition_names == [VIDEO]  # every `videos` partition
    stack.instance.update_backfill(backfill.with_status(BulkActionStatus.CANCELED))


def test_backfills_and_extraction_runs_cannot_take_the_hourly_snapshots_run_slot(stack: Stack) -> None:
    from dagster._core.remote_origin import GrpcServerCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
    from dagster._core.test_utils import create_run_for_test
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

    instance = stack.instance
    queued = dg.DagsterRunStatus.QUEUED
    # Runs of a code location nobody serves: the launcher fails them as soon as they leave the queue,
    # and leaving the queue is all this test looks at.
    nowhere = RemoteRepositoryOrigin(GrpcServerCodeLocationOrigin(host="127.0.0.1", port=9, location_name="queue-test"),
                                     "__repository__")

    def queue(job_name: str, tags: dict[str, str]) -> str:
        return create_run_for_test(instance, job_name=job_name, status=queued, tags=tags,
                                   remote_job_origin=RemoteJobOrigin(nowhere, job_name)).run_id

    backfill = [queue("video_extraction_job", {"dagster/backfill": "bf1"}) for _ in range(6)]
    extraction = [queue("video_extraction_job", {"tiktok/media_source": "file"}) for _ in range(6)]
    hourly = queue("account_refresh_job", {"tiktok/refresh": "hourly"})  # queued last, behind all of them
    try:
        logging.getLogger("dagster").setLevel(logging.CRITICAL)
        list(QueuedRunCoordinatorDaemon(interval_seconds=1).run_iteration(stack.workspace))
        left_queue = lambda ids: sum(s != queued for s in _statuses(instance, ids))  # noqa: E731
        assert left_queue(backfill) == 2
        assert left_queue(extraction) == 3
        assert left_queue([hourly]) == 1
    finally:
        logging.getLogger("dagster").setLevel(logging.NOTSET)
        for run_id in (*backfill, *extraction, hourly):
            instance.delete_run(run_id)
