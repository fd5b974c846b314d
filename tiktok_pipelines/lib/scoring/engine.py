"""The deterministic scoring engine: extraction artifacts in, `CreativeScores` out.

Pure and repeatable: no clock, no randomness, no network; identical inputs (same `fingerprint`) give
identical scores, evidence, findings and fixes. The LLM critique (critique.py) can only adjust this
result within its guardrails.
"""

from __future__ import annotations

from collections.abc import Mapping

from tiktok_pipelines.lib.scoring import rubric
from tiktok_pipelines.lib.scoring.brand import BrandProfile
from tiktok_pipelines.lib.scoring.classify import classify
from tiktok_pipelines.lib.scoring.compliance import assess_compliance
from tiktok_pipelines.lib.scoring.core import brand_fit_score, clarity_score, cta_score, depth_score, hook_score, pacing_score
from tiktok_pipelines.lib.scoring.fixes import findings, prioritized_fixes
from tiktok_pipelines.lib.scoring.inputs import ScoringInputs
from tiktok_pipelines.lib.scoring.models import CORE_SCORES, PILLARS, CreativeScores, Evidence, Score
from tiktok_pipelines.lib.scoring.scale import weakest
from tiktok_pipelines.lib.scoring.visual_scores import visual_scores

SCORING_VERSION = rubric.SCORING_VERSION


def _pillar(name: str, members: dict[str, Score]) -> Score:
    parts = [members[m] for m in rubric.PILLAR_MEMBERS[name]]
    value = rubric.pillar_value([p.value for p in parts])
    confidence = weakest(p.confidence for p in parts)
    detail = "mean of " + ", ".join(f"{p.name} {p.value}" for p in parts)
    return Score(name=name, value=value, raw=round(sum(p.value for p in parts) / len(parts), 3), confidence=confidence,
                 shrunk=any(p.shrunk for p in parts), rule=f"{name}@{SCORING_VERSION}",
                 evidence=(Evidence(source="media", detail=detail),))


def score_video(inputs: ScoringInputs, brand: BrandProfile, weights: Mapping[str, float] | None = None) -> CreativeScores:
    w = rubric.check_weights(weights or rubric.DEFAULT_WEIGHTS)
    compliance = assess_compliance(inputs, brand)
    core = (
        hook_score(inputs, SCORING_VERSION),
        depth_score(inputs, brand, SCORING_VERSION),
        clarity_score(inputs, SCORING_VERSION),
        pacing_score(inputs, SCORING_VERSION),
        cta_score(inputs, brand, SCORING_VERSION),
        brand_fit_score(inputs, brand, compliance, SCORING_VERSION),
    )
    assert tuple(s.name for s in core) == CORE_SCORES
    visual = visual_scores(inputs, compliance, rule_version=SCORING_VERSION)
    by_name = {s.name: s for s in (*core, *visual)}
    overall = rubric.overall_score({s.name: s.value for s in core}, w)
    band = rubric.band_for(overall)
    return CreativeScores(
        video_id=inputs.video_id,
        scoring_version=SCORING_VERSION,
        brand=brand.label,
        weights=w,
        core=core,
        overall=overall,
        band=rubric.capped_band(band, compliance_caps=compliance.caps_band),
        band_uncapped=band,
        pillars=tuple(_pillar(name, by_name) for name in PILLARS),
        visual=visual,
        silent_friendly=by_name["silent_comprehension"].value >= 7 and by_name["text_legibility"].value >= 7,
        classification=classify(inputs, compliance),
        compliance=compliance,
        findings=findings(inputs, core, compliance),
        fixes=prioritized_fixes(inputs, brand, core, visual, compliance, w),
        inputs=inputs.modalities,
        input_fingerprint=inputs.fingerprint,
    )
