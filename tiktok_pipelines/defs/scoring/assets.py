"""Scoring, partitioned by video: creative_scores (deterministic) -> creative_critique (optional LLM,
guarded) -> video_ai_analysis (the row the dashboard and BI read).

Each asset skips work already done (same inputs, same rubric/brand/weights, same critique config).
A rubric or brand change makes creative_scores stale (code_version); re-scoring is a backfill of
video_scoring_job, which never re-extracts.
"""

import time

import dagster as dg

from tiktok_pipelines.defs.media.partitions import videos_partitions
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.defs.scoring.resources import CritiqueResource, ScoringResource
from tiktok_pipelines.lib.settings import load_scoring_settings

GROUP = {"group_name": "scoring", "partitions_def": videos_partitions}
ANALYSIS_VERSION = "analysis-1"


def _scores_version() -> str:
    """The rubric version plus the configured brand and weights: any of them changing makes scores stale."""
    from tiktok_pipelines.lib.scoring.brand import load_brand_profile
    from tiktok_pipelines.lib.scoring.rubric import DEFAULT_WEIGHTS, SCORING_VERSION
    from tiktok_pipelines.lib.scoring.store import config_fingerprint

    s = load_scoring_settings()
    return f"{SCORING_VERSION}:{config_fingerprint(load_brand_profile(s.brand_profile), s.weights or DEFAULT_WEIGHTS)[:12]}"


def _critique_version() -> str:
    from tiktok_pipelines.lib.scoring.critique import PROMPT_VERSION, LLMConfig

    llm = LLMConfig.from_env()
    return f"{PROMPT_VERSION}:{llm.model if llm.enabled else 'off'}"


def _score_table_md(scores) -> str:  # noqa: ANN001 - CreativeScores
    rows = ["| score | value | confidence | evidence |", "|---|---|---|---|"]
    for s in (*scores.core, *scores.pillars):
        ev = "; ".join(e.detail for e in s.evidence[:2]).replace("|", "/")
        rows.append(f"| {s.name} | {s.value} | {s.confidence}{' (shrunk)' if s.shrunk else ''} | {ev} |")
    return "\n".join(rows)


def _fixes_md(fixes) -> str:  # noqa: ANN001
    return "\n".join(f"- **{f.priority}** [{f.category}] {f.action} _({f.why})_" for f in fixes) or "none"


@dg.asset(**GROUP, deps=["transcript", "onscreen_text", "scene_cuts", "audio_features", "visual_tags", "caption_analysis"],
          kinds={"python"}, code_version=_scores_version(),
          description="Deterministic creative scores: six core scores, overall and band, pillars, sixteen visual-only "
          "scores, classification, compliance flags, findings and 3-5 fixes, every score with its evidence.")
def creative_scores(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, scoring: ScoringResource, clock: ClockResource,
) -> dg.MaterializeResult:
    from tiktok_pipelines.lib.scoring import store
    from tiktok_pipelines.lib.scoring.engine import SCORING_VERSION, score_video
    from tiktok_pipelines.lib.scoring.inputs import load_scoring_inputs

    video_id = context.partition_key
    wh = warehouse.get()
    brand, weights = scoring.brand(), scoring.weight_map()
    config = store.config_fingerprint(brand, weights)
    now = clock.get().now()
    try:
        with wh.begin() as conn:
            inputs = load_scoring_inputs(conn, video_id)
    except LookupError as exc:
        with wh.begin() as conn:  # its own transaction: the failure below must not roll it back
            store.mark_status(conn, video_id, "error", now, error=str(exc))
        raise dg.Failure(str(exc), allow_retries=False) from None
    with wh.begin() as conn:
        row = store.load_scores_row(conn, video_id)
        skipped = store.scores_are_current(row, version=SCORING_VERSION, config=config, inputs=inputs.fingerprint)
        if not skipped:
            store.mark_status(conn, video_id, "processing", now)
    if not skipped:
        started = time.perf_counter()
        try:
            result = score_video(inputs, brand, weights)
        except Exception as exc:  # a scoring bug on one video must show as an error row, not stall the others
            message = f"{type(exc).__name__}: {exc}"[:1000]
            with wh.begin() as conn:
                store.mark_status(conn, video_id, "error", now, error=message)
            raise dg.Failure(f"video {video_id}: scoring failed: {message}", allow_retries=False) from exc
        with wh.begin() as conn:
            store.save_scores(conn, result, config=config, now=now, seconds=time.perf_counter() - started)
            row = store.load_scores_row(conn, video_id)
    from tiktok_pipelines.lib.scoring.models import CreativeScores

    scores = CreativeScores.model_validate(row["payload"])
    return dg.MaterializeResult(metadata={
        "skipped_already_scored": skipped, "overall": scores.overall, "band": scores.band,
        **{s.name: s.value for s in scores.core},
        "silent_friendly": scores.silent_friendly, "policy_flags": len(scores.compliance.flags),
        "shrunk_scores": dg.MetadataValue.text(", ".join(s.name for s in scores.core if s.shrunk) or "none"),
        "scores": dg.MetadataValue.md(_score_table_md(scores)),
        "fixes": dg.MetadataValue.md(_fixes_md(scores.fixes)),
        "scoring_version": scores.scoring_version, "brand": scores.brand, "seconds": row["seconds"],
    })


@dg.asset(**GROUP, deps=["creative_scores"], kinds={"openai"}, code_version=_critique_version(), pool="llm",
          description="Optional LLM critique (any OpenAI-compatible endpoint; off by default): each core score moved "
          "by at most +-2 with a reason, strict JSON schema, PII-redacted and bounded input; any failure falls back to "
          "the deterministic scores and records why.")
def creative_critique(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, critique: CritiqueResource, clock: ClockResource,
) -> dg.MaterializeResult:
    from tiktok_pipelines.lib.scoring import store
    from tiktok_pipelines.lib.scoring.critique import CritiqueTexts, run_critique
    from tiktok_pipelines.lib.scoring.inputs import load_scoring_inputs
    from tiktok_pipelines.lib.scoring.models import CreativeScores, Critique

    video_id = context.partition_key
    wh = warehouse.get()
    with wh.begin() as conn:
        scores_row = store.load_scores_row(conn, video_id)
        if scores_row is None:
            raise dg.Failure(f"video {video_id}: no creative_scores stored; materialize creative_scores first",
                             allow_retries=False)
        scores = CreativeScores.model_validate(scores_row["payload"])
        held = store.load_critique_row(conn, video_id)
    scores_fp, config_fp = store.scores_fingerprint(scores), critique.fingerprint()
    skipped = bool(held) and held["status"] in ("ok", "off") and held["scores_fingerprint"] == scores_fp \
        and held["config_fingerprint"] == config_fp
    if skipped:
        result = Critique.model_validate(held["payload"])
    else:
        with wh.begin() as conn:  # the texts are read only when the model will be asked
            inputs = load_scoring_inputs(conn, video_id)
        result = run_critique(scores, CritiqueTexts.from_inputs(inputs), critique.config())
        with wh.begin() as conn:
            store.save_critique(conn, video_id, result, scores_fp=scores_fp, config=config_fp, now=clock.get().now())
    if result.status == "failed":
        context.log.warning(f"video {video_id}: LLM critique failed, deterministic scores stand: {result.reason}")
    adjustments = "\n".join(f"- {a.score}: {a.before} -> {a.after} ({a.reason}){' REJECTED: ' + a.rejected if a.rejected else ''}"
                            for a in result.adjustments) or "none"
    return dg.MaterializeResult(metadata={
        "skipped_already_critiqued": skipped, "llm_status": result.status, "reason": result.reason or "",
        "model": result.model or "", "adjustments": dg.MetadataValue.md(adjustments),
        "prompt_tokens": result.usage.prompt_tokens, "completion_tokens": result.usage.completion_tokens,
        "cost_usd": result.usage.cost_usd if result.usage.cost_usd is not None else dg.MetadataValue.null(),
        "sent_chars": result.sent_chars, "redactions": result.redactions, "seconds": round(result.seconds, 3),
    })


@dg.asset(**GROUP, deps=["creative_critique"], kinds={"python", "sql"}, code_version=ANALYSIS_VERSION,
          check_specs=[dg.AssetCheckSpec("scores_integer_and_in_range", asset="video_ai_analysis", blocking=True,
                                         description="Every score an integer in range; overall and band follow from "
                                         "the core scores and weights.")],
          description="The video_ai_analysis row: final integer scores (deterministic + guarded critique), band with "
          "the compliance cap, tags, findings, fixes, flags, status and LLM model/usage.")
def video_ai_analysis(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, clock: ClockResource,
) -> dg.MaterializeResult:
    from tiktok_pipelines.lib.scoring import store
    from tiktok_pipelines.lib.scoring.models import CreativeScores, Critique

    video_id = context.partition_key
    wh = warehouse.get()
    with wh.begin() as conn:
        scores_row = store.load_scores_row(conn, video_id)
        critique_row = store.load_critique_row(conn, video_id)
        if scores_row is None:
            raise dg.Failure(f"video {video_id}: no creative_scores stored", allow_retries=False)
        scores = CreativeScores.model_validate(scores_row["payload"])
        critique = None
        if critique_row is not None and critique_row["scores_fingerprint"] == store.scores_fingerprint(scores):
            critique = Critique.model_validate(critique_row["payload"])
        row = store.analysis_row(scores, critique, clock.get().now())
        store.save_analysis(conn, row)
        stored = store.load_analysis(conn, video_id)
    problems = store.analysis_problems(stored, scores.weights)
    check = dg.AssetCheckResult(check_name="scores_integer_and_in_range", passed=not problems,
                                severity=dg.AssetCheckSeverity.ERROR,
                                metadata={"problems": dg.MetadataValue.text("; ".join(problems) or "none")})
    return dg.MaterializeResult(
        metadata={"status": stored["status"], "overall": stored["overall"], "band": stored["band"],
                  "deterministic_overall": stored["deterministic_overall"], "llm_status": stored["llm_status"],
                  "hook": stored["hook"], "depth": stored["depth"], "silent_friendly": stored["silent_friendly"],
                  "high_severity_flags": stored["high_severity_flags"],
                  "fixes": dg.MetadataValue.md(_fixes_md(scores.fixes))},
        check_results=[check],
    )
