"""One start schedule per cohort program (seed 004's manual `init`, on a cadence)."""

import os

import dagster as dg

from tiktok_pipelines.defs.cohorts.jobs import cohort_members_job
from tiktok_pipelines.defs.cohorts.partitions import cohorts_partitions
from tiktok_pipelines.lib.cohorts.programs import CohortProgram, load_programs
from tiktok_pipelines.lib.settings import load_settings


def _default_status() -> dg.DefaultScheduleStatus:
    # Public cohorts need an approved Research API project: start only once its credentials exist.
    settings = load_settings()
    live_ready = not settings.is_demo and bool(os.environ.get("TIKTOK_RESEARCH_CLIENT_KEY"))
    return dg.DefaultScheduleStatus.RUNNING if live_ready else dg.DefaultScheduleStatus.STOPPED


def cohort_start_schedule(program: CohortProgram) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"cohort_start_{program.name}",
        cron_schedule=program.cron,
        job=cohort_members_job,
        execution_timezone="UTC",
        default_status=_default_status(),
        description=(
            f"Start a '{program.name}' cohort: the {program.size} newest videos matching its query, "
            f"{program.freshness_min_h:g}-{program.freshness_max_h:g} h old, in its performance mix."
        ),
    )
    def _start(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        cohort_id = program.cohort_id(context.scheduled_execution_time)
        # Schedules cannot return partition requests; adding a key is idempotent.
        context.instance.add_dynamic_partitions(cohorts_partitions.name, [cohort_id])
        return dg.RunRequest(run_key=cohort_id, partition_key=cohort_id,
                             tags={"tiktok/cohort": cohort_id, "tiktok/program": program.name})

    return _start


@dg.definitions
def schedules() -> dg.Definitions:
    return dg.Definitions(schedules=[cohort_start_schedule(p) for p in load_programs(load_settings().cohort_programs_file)])
