"""The Dagster daemon's job, done in-process on simulated time (the demo and the tests).

`make demo` cannot wait 48 real hours, and the tests must drive schedules and sensors through every
timepoint. This evaluates the real schedule and sensor definitions the way the daemon does:
partition requests first, then run requests, skipping run keys the sensor already used (looked up
in the instance, so a "restarted" daemon remembers), and executes each run in-process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import dagster as dg

RUN_KEY_TAG = "dagster/run_key"
ORIGIN_TAG = "tiktok/simulated_origin"


@dataclass
class LaunchedRun:
    origin: str
    job_name: str
    partition_key: str | None
    run_key: str | None
    run_id: str
    success: bool
    tags: dict[str, str] = field(default_factory=dict)


class SimulatedDaemon:
    def __init__(
        self, defs: dg.Definitions, instance: dg.DagsterInstance, *, log_level: str = "WARNING",
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.defs = defs
        self.instance = instance
        self.repo = defs.get_repository_def()
        self.resources = self.repo.get_top_level_resources()
        self.log_level = log_level
        self.echo = echo
        self.cursors: dict[str, str | None] = {}
        self.launched: list[LaunchedRun] = []

    # --- what the daemon evaluates ------------------------------------------------------------------

    def tick_schedule(self, name: str, scheduled_time: datetime) -> list[LaunchedRun]:
        schedule = self.defs.resolve_schedule_def(name)
        context = dg.build_schedule_context(
            instance=self.instance, scheduled_execution_time=scheduled_time, repository_def=self.repo
        )
        data = schedule.evaluate_tick(context)
        runs = [self._launch(f"schedule:{name}", schedule.job_name, r) for r in data.run_requests or []]
        return [r for r in runs if r is not None]

    def tick_sensor(self, name: str) -> list[LaunchedRun]:
        sensor = self.defs.resolve_sensor_def(name)
        # As a context manager: resources with nested resources (S3) are set up and torn down around the tick.
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursors.get(name), resources=self.resources, repository_def=self.repo
        ) as context:
            result = sensor(context)
        if isinstance(result, dg.SkipReason) or result is None:
            return []
        for request in result.dynamic_partitions_requests or []:
            if isinstance(request, dg.AddDynamicPartitionsRequest):
                self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
            else:
                for key in request.partition_keys:
                    self.instance.delete_dynamic_partition(request.partitions_def_name, key)
        if result.cursor is not None:
            self.cursors[name] = result.cursor
        default_job = sensor.job_name if sensor.has_jobs and len(sensor.jobs) == 1 else None
        runs = [self._launch(f"sensor:{name}", r.job_name or default_job, r) for r in result.run_requests or []]
        return [r for r in runs if r is not None]

    # --- runs ----------------------------------------------------------------------------------------

    def _seen(self, origin: str, run_key: str) -> bool:
        runs = self.instance.get_run_records(
            filters=dg.RunsFilter(tags={RUN_KEY_TAG: run_key, ORIGIN_TAG: origin}), limit=1
        )
        return bool(runs)

    def _launch(self, origin: str, job_name: str | None, request: dg.RunRequest) -> LaunchedRun | None:
        if request.run_key and self._seen(origin, request.run_key):
            return None
        job = self.defs.resolve_job_def(job_name)  # type: ignore[arg-type]
        tags = {**(request.tags or {}), ORIGIN_TAG: origin}
        if request.run_key:
            tags[RUN_KEY_TAG] = request.run_key
        run_config = request.run_config or {}
        result = job.execute_in_process(
            instance=self.instance,
            partition_key=request.partition_key,
            run_config={**run_config, "loggers": {"console": {"config": {"log_level": self.log_level}}}},
            tags=tags,
            raise_on_error=False,
        )
        run = LaunchedRun(origin, job.name, request.partition_key, request.run_key, result.run_id, result.success, tags)
        self.launched.append(run)
        if self.echo:
            what = f"{job.name}[{request.partition_key}]" if request.partition_key else job.name
            self.echo(f"    {'ok  ' if result.success else 'FAIL'} {what}  ({origin})")
        return run


def with_resources(defs: dg.Definitions, overrides: dict[str, object]) -> dg.Definitions:
    """The same assets, checks, jobs, schedules and sensors with some resources replaced (tests point
    them at a fake TikTok served over a real socket)."""
    return dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        schedules=defs.schedules,
        sensors=defs.sensors,
        resources={**(defs.resources or {}), **overrides},
    )
