"""Scoring results in the warehouse: the deterministic result, the critique, and the one
`video_ai_analysis` row per video that the dashboard and BI read.

Every write is an upsert by video id, so re-running a partition leaves the same state. Status moves
pending (media stored, not yet scored) -> processing -> done | error; a re-score goes through
processing again and keeps the previous scores visible until the new ones land.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.scoring.brand import BrandProfile
from tiktok_pipelines.lib.scoring.models import AnalysisStatus, CreativeScores, Critique
from tiktok_pipelines.lib.scoring.rubric import band_for, capped_band, overall_score
from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import (
    PILLAR_COLUMNS,
    SCORE_COLUMNS,
    VISUAL_COLUMNS,
    video_ai_analysis,
    video_creative_scores,
    video_critiques,
)


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def config_fingerprint(brand: BrandProfile, weights: Mapping[str, float]) -> str:
    return fingerprint(brand.model_dump(mode="json"), dict(sorted(weights.items())))


def scores_fingerprint(scores: CreativeScores) -> str:
    return fingerprint(scores.model_dump(mode="json"))


# --- deterministic scores ----------------------------------------------------------------------------


def load_scores_row(conn: Connection, video_id: str) -> dict | None:
    row = conn.execute(select(video_creative_scores).where(video_creative_scores.c.video_id == video_id)).mappings().first()
    return dict(row) if row else None


def scores_are_current(row: Mapping[str, Any] | None, *, version: str, config: str, inputs: str) -> bool:
    return bool(row) and row["scoring_version"] == version and row["config_fingerprint"] == config \
        and row["input_fingerprint"] == inputs


def save_scores(conn: Connection, scores: CreativeScores, *, config: str, now: datetime, seconds: float) -> None:
    upsert(conn, video_creative_scores, [{
        "video_id": scores.video_id, "scoring_version": scores.scoring_version, "brand": scores.brand,
        "config_fingerprint": config, "input_fingerprint": scores.input_fingerprint, "overall": scores.overall,
        "band": scores.band, "payload": scores.model_dump(mode="json"), "seconds": round(seconds, 4), "scored_at": now,
    }])


# --- critique ---------------------------------------------------------------------------------------------


def load_critique_row(conn: Connection, video_id: str) -> dict | None:
    row = conn.execute(select(video_critiques).where(video_critiques.c.video_id == video_id)).mappings().first()
    return dict(row) if row else None


def save_critique(conn: Connection, video_id: str, critique: Critique, *, scores_fp: str, config: str,
                  now: datetime) -> None:
    upsert(conn, video_critiques, [{
        "video_id": video_id, "status": critique.status, "model": critique.model, "reason": critique.reason or None,
        "scores_fingerprint": scores_fp, "config_fingerprint": config,
        "prompt_tokens": critique.usage.prompt_tokens, "completion_tokens": critique.usage.completion_tokens,
        "cost_usd": critique.usage.cost_usd, "payload": critique.model_dump(mode="json"),
        "seconds": round(critique.seconds, 4), "critiqued_at": now,
    }])


# --- the analysis row -------------------------------------------------------------------------------------


def load_analysis(conn: Connection, video_id: str) -> dict | None:
    row = conn.execute(select(video_ai_analysis).where(video_ai_analysis.c.video_id == video_id)).mappings().first()
    return dict(row) if row else None


def mark_status(conn: Connection, video_id: str, status: AnalysisStatus, now: datetime, *, error: str | None = None,
                only_if_absent: bool = False) -> None:
    """Move a video's analysis to `status`, keeping whatever scores it already has."""
    existing = load_analysis(conn, video_id)
    if existing is None:
        upsert(conn, video_ai_analysis, [{"video_id": video_id, "status": status, "error": error, "updated_at": now}])
    elif not only_if_absent:
        conn.execute(update(video_ai_analysis).where(video_ai_analysis.c.video_id == video_id)
                     .values(status=status, error=error, updated_at=now))


def analysis_row(scores: CreativeScores, critique: Critique | None, now: datetime) -> dict[str, Any]:
    """The dashboard's row: the deterministic result with the critique's guarded adjustments applied, the
    overall and band recomputed from them (the compliance cap still holds)."""
    from tiktok_pipelines.lib.scoring.critique import apply_adjustments

    core = apply_adjustments(scores, critique) if critique is not None else scores.core_values
    overall = overall_score(core, scores.weights)
    band = band_for(overall)
    row: dict[str, Any] = {
        "video_id": scores.video_id, "status": "done", "scoring_version": scores.scoring_version, "brand": scores.brand,
        **{name: core[name] for name in SCORE_COLUMNS},
        "overall": overall, "band": capped_band(band, compliance_caps=scores.compliance.caps_band), "band_uncapped": band,
        **{p.name: p.value for p in scores.pillars if p.name in PILLAR_COLUMNS},
        **{v.name: v.value for v in scores.visual if v.name in VISUAL_COLUMNS},
        "silent_friendly": scores.silent_friendly, "deterministic_overall": scores.overall,
        "angle": scores.classification.angle, "hook_type": scores.classification.hook_type,
        "tags": scores.classification.model_dump(mode="json", exclude={"evidence"}),
        "findings": [f.model_dump(mode="json") for f in (*scores.findings, *(critique.findings if critique else ()))],
        "fixes": [f.model_dump(mode="json") for f in scores.fixes],
        "flags": {"policy": [f.model_dump(mode="json") for f in scores.compliance.flags],
                  "blockers": [b.model_dump(mode="json") for b in scores.compliance.blockers],
                  "safe_ctas": list(scores.compliance.safe_ctas)},
        "adjustments": [a.model_dump(mode="json") for a in critique.adjustments] if critique else [],
        "high_severity_flags": sum(1 for f in scores.compliance.flags if f.severity == "high"),
        "llm_status": critique.status if critique else "off", "llm_model": critique.model if critique else None,
        "llm_prompt_tokens": critique.usage.prompt_tokens if critique else 0,
        "llm_completion_tokens": critique.usage.completion_tokens if critique else 0,
        "llm_cost_usd": critique.usage.cost_usd if critique else None,
        "error": None, "updated_at": now,
    }
    return row


def save_analysis(conn: Connection, row: Mapping[str, Any]) -> None:
    upsert(conn, video_ai_analysis, [dict(row)])


def analysis_problems(row: Mapping[str, Any], weights: Mapping[str, float]) -> list[str]:
    """What is wrong with a stored analysis row: a score that is not an integer in range, an overall that
    does not follow from the core scores, a band that does not follow from the overall."""
    problems = []
    for col, high in [*((c, 10) for c in (*SCORE_COLUMNS, *PILLAR_COLUMNS, *VISUAL_COLUMNS)), ("overall", 100)]:
        v = row.get(col)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= high:
            problems.append(f"{col}={v!r} is not an integer in 0..{high}")
    if not problems:
        expected = overall_score({c: row[c] for c in SCORE_COLUMNS}, weights)
        if row["overall"] != expected:
            problems.append(f"overall {row['overall']} != {expected} from the core scores")
        elif row["band_uncapped"] != band_for(row["overall"]):
            problems.append(f"band {row['band_uncapped']} does not follow from overall {row['overall']}")
    return problems
