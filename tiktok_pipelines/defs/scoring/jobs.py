"""Re-scoring without re-extraction: after a rubric, weight or brand change, a backfill of this job
over the `videos` partitions (from the UI: Jobs -> video_scoring_job -> Launch backfill) runs only
the scoring assets on the stored extractions."""

import dagster as dg

video_scoring_job = dg.define_asset_job(
    name="video_scoring_job",
    selection=dg.AssetSelection.groups("scoring"),
    description="Score videos from their stored extractions: deterministic scores, the optional LLM critique and "
    "the video_ai_analysis row. Never re-extracts.",
    executor_def=dg.in_process_executor,
    tags={"dagster/max_retries": "1"},
)
