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


@dg.schedule(
    cron_schedule="0 * * * *",
    job=account_refresh_job,
    execution_timezone="UTC",
    default_status=_default_status(),
    description="Hourly: new videos (incremental listing) and a metric snapshot of every video.",
)
def account_hourly_snapshot(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    tick = context.scheduled_execution_time
    return dg.RunRequest(
        run_key=f"hourly-{tick:%Y%m%dT%H%M}",
        run_config=_run_config(full_refresh=False),
        tags={"tiktok/refresh": "hourly"},
    )


@dg.schedule(
    cron_schedule="30 4 * * *",
    job=account_refresh_job,
    execution_timezone="UTC",
    default_status=_default_status(),
    description="Daily: the full video list (metadata, fresh cover URLs, removed videos) and a snapshot.",
)
def account_daily_full_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    tick = context.scheduled_execution_time
    return dg.RunRequest(
        run_key=f"daily-{tick:%Y%m%d}",
        run_config=_run_config(full_refresh=True),
        tags={"tiktok/refresh": "daily"},
    )
