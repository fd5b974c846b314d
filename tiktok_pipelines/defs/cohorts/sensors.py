"""The cohort sensors: own uploads become cohorts; due timepoints are launched (or recorded missed)."""

import json
from datetime import timedelta

import dagster as dg

from tiktok_pipelines.defs.account.resources import TikTokDisplayResource
from tiktok_pipelines.defs.cohorts.jobs import cohort_h48_job, cohort_members_job, cohort_timepoint_job, sound_trends_job
from tiktok_pipelines.defs.cohorts.partitions import cohort_timepoint_key, cohorts_partitions
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource, default_sensor_status
from tiktok_pipelines.lib.settings import load_settings

OWN_UPLOAD_MAX_AGE = timedelta(hours=6)  # older uploads have missed h0-h1 anyway; the account job tracks them


@dg.sensor(
    name="cohort_timepoint_sensor",
    jobs=[cohort_timepoint_job, cohort_h48_job, sound_trends_job],
    minimum_interval_seconds=60,
    default_status=default_sensor_status(),
    description="Launches each (cohort, timepoint) when it falls due (h48 with creators and comments), records "
    "missed ones with how late, resumes quota-stopped ones after 00:00 UTC, refreshes sound trends.",
)
def cohort_timepoint_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource, clock: ClockResource
) -> dg.SensorResult:
    from tiktok_pipelines.lib.cohorts import store
    from tiktok_pipelines.lib.cohorts.planning import plan_launches

    now = clock.get().now()
    with warehouse.get().begin() as conn:
        cohorts = store.open_cohorts(conn)
        tasks = store.load_tasks(conn, [c["cohort_id"] for c in cohorts]) if cohorts else {}
    requests = []
    for launch in plan_launches(cohorts, tasks, now):
        job = cohort_h48_job if launch.timepoint == "h48" else cohort_timepoint_job
        requests.append(dg.RunRequest(
            run_key=launch.run_key,
            job_name=job.name,
            partition_key=cohort_timepoint_key(launch.cohort_id, launch.timepoint),
            tags={"tiktok/cohort": launch.cohort_id, "tiktok/timepoint": launch.timepoint, "tiktok/reason": launch.reason,
                  "tiktok/lateness_minutes": f"{launch.lateness.total_seconds() / 60:.1f}"},
        ))
    cursor = json.loads(context.cursor) if context.cursor else {}
    newest = max((c["selected_at"].isoformat() for c in cohorts if c["selected_at"] is not None), default=None)
    if newest is not None and newest > cursor.get("selected_at", ""):
        requests.append(dg.RunRequest(run_key=f"sound_trends:{newest}", job_name=sound_trends_job.name))
        cursor["selected_at"] = newest
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))


@dg.sensor(
    name="own_upload_cohort_sensor",
    job=cohort_members_job,
    minimum_interval_seconds=300,
    default_status=default_sensor_status(),
    description="Every new upload of the connected account becomes a cohort tracked from its true upload time "
    "(the fresh, intraday-accurate path). One Display API request per tick.",
)
def own_upload_cohort_sensor(
    context: dg.SensorEvaluationContext, clock: ClockResource, tiktok_display: TikTokDisplayResource
) -> dg.SensorResult | dg.SkipReason:
    from tiktok_pipelines.lib.cohorts.members import own_cohort_id
    from tiktok_pipelines.lib.tiktok.display import parse_video
    from tiktok_pipelines.lib.tiktok.errors import TikTokError

    if not load_settings().own_cohorts:
        return dg.SkipReason("own-upload cohorts are off (TIKTOK_OWN_COHORTS=0)")
    clk = clock.get()
    now = clk.now()
    client = tiktok_display.build_client(clk)
    try:
        raw, _, _ = next(client.iter_video_pages())
    except TikTokError as exc:
        return dg.SkipReason(f"cannot list the account's videos: {exc}")
    finally:
        client.http.close()
    fresh = []
    for item in raw:
        try:
            video = parse_video(item)
        except ValueError:
            continue
        if timedelta(0) <= now - video.create_time <= OWN_UPLOAD_MAX_AGE:
            fresh.append(own_cohort_id(video.video_id))
    new = [cid for cid in fresh if not context.instance.has_dynamic_partition(cohorts_partitions.name, cid)]
    if not new:
        return dg.SkipReason(f"no new uploads in the last {OWN_UPLOAD_MAX_AGE}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=cid, partition_key=cid, tags={"tiktok/cohort": cid, "tiktok/program": "own"})
                      for cid in new],
        dynamic_partitions_requests=[cohorts_partitions.build_add_request(new)],
    )
