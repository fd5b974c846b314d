"""Cohort jobs. Small steps: one process per run (a process per step costs ~2 s, feasibility.md §3)."""

import dagster as dg

cohort_members_job = dg.define_asset_job(
    name="cohort_members_job",
    selection=dg.AssetSelection.assets("cohort_members"),
    description="Select a cohort's members (started by a cohort_start_* schedule or an own upload).",
    executor_def=dg.in_process_executor,
    tags={"dagster/max_retries": "2"},
)
cohort_timepoint_job = dg.define_asset_job(
    name="cohort_timepoint_job",
    selection=dg.AssetSelection.assets("cohort_observations", "cohort_timeseries"),
    description="Collect one (cohort, timepoint) and rebuild the cohort's time series.",
    executor_def=dg.in_process_executor,
    tags={"dagster/max_retries": "2"},
)
cohort_h48_job = dg.define_asset_job(
    name="cohort_h48_job",
    selection=dg.AssetSelection.assets("cohort_observations", "cohort_creators", "cohort_comments", "cohort_timeseries"),
    description="The last timepoint: counts, creator stats and top comments, then the final time series.",
    executor_def=dg.in_process_executor,
    tags={"dagster/max_retries": "2"},
)
sound_trends_job = dg.define_asset_job(
    name="sound_trends_job",
    selection=dg.AssetSelection.assets("sound_trends"),
    executor_def=dg.in_process_executor,
)
