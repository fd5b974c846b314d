"""Per-video extraction runs in one process: a process per step would cost ~2 s each plus the model
imports again (feasibility.md §3), and models load once per process."""

import os

import dagster as dg


def _k8s_run_tags() -> dict[str, str]:
    # On Kubernetes (deploy/values.yaml) extraction runs ask for a GPU node for ASR/CLIP; elsewhere no tag.
    raw = os.environ.get("TIKTOK_K8S_GPU_RUN_CONFIG", "").strip()
    return {"dagster-k8s/config": raw} if raw else {}


video_extraction_job = dg.define_asset_job(
    name="video_extraction_job",
    selection=dg.AssetSelection.groups("media", "extraction", "scoring"),
    description="Acquire, probe and store one video, decode it once (keyframes + scene cuts), then extract speech, "
    "on-screen text, audio character, visual tags and the caption analysis; then score it (creative_scores -> "
    "creative_critique -> video_ai_analysis).",
    executor_def=dg.in_process_executor,
    tags={"dagster/max_retries": "1", **_k8s_run_tags()},
)
