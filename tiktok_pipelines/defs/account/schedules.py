"""The account job and its two cadences: hourly snapshots and a daily full refresh."""

import dagster as dg

from tiktok_pipelines.lib.settings import load_settings

account_refresh_job = dg.define_asset_job(
    name="account_refresh_job",
    selection=dg.AssetSelection.groups("account"),
    description="List the account's videos, snapshot their counts, recompute KPIs and write the exports.",
    # Four short steps: one process avoids ~2 s of process start-up per step (feasibility.md §3).
    executor_def=dg.in_process_executor,
    tags={"dagster/max_retries": "2"},
)


def _run_config(full_refresh: bool) -> dg.RunConfig:
    from tiktok_pipelines.defs.account.assets import AccountRefreshConfig

    return dg.RunConfig(ops={"account_videos": AccountRefreshConfig(full_refresh=full_refresh)})


def _default_status() -> dg.DefaultScheduleStatus:
    # A connected real account starts collecting as soon as the daemon runs; the demo world waits.
    return dg.DefaultScheduleStatus.STOPPED if load_settings().is_demo else dg.DefaultScheduleStatus.RUNNING


def _refresh_schedule(name: str, cron: str, *, full_refresh: bool, key_format: str, description: str) -> dg.ScheduleDefinition:
    refresh = "daily" if full_refresh else "hourly"

    @dg.schedule(
        name=name,
        cron_schedule=cron,
        job=account_refresh_job,
        execution_timezone="UTC",
        default_status=_default_status(),
        description=description,
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        return dg.RunRequest(
            run_key=f"{refresh}-{context.scheduled_execution_time.strftime(key_format)}",
            run_config=_run_config(full_refresh=full_refresh),
            tags={"tiktok/refresh": refresh},
        )

    return _schedule


account_hourly_snapshot = _refresh_schedule(
    "account_hourly_snapshot",
    "0 * * * *",
    full_refresh=False,
    key_format="%Y%m%dT%H%M",
    description="Hourly: new videos (incremental listing) and a metric snapshot of every video.",
)
account_daily_full_refresh = _refresh_schedule(
    "account_daily_full_refresh",
    "30 4 * * *",
    full_refresh=True,
    key_format="%Y%m%d",
    description="Daily: the full video list (metadata, fresh cover URLs, removed videos) and a snapshot.",
)
