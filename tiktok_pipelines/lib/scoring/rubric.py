"""The arithmetic of the rubric: weights, the 0-100 overall, bands and pillars (RUBRIC.md).

Kept apart from the rules so that a weight change (configuration) and a rule change (a new scoring
version) are different edits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from tiktok_pipelines.lib.scoring.models import CORE_SCORES, Band
from tiktok_pipelines.lib.scoring.scale import round_half_up

SCORING_VERSION = "scoring-1"

# DESIGN.md: these reproduce the seed's worked example exactly (9,7,10,9,10,10 -> 88, pass).
DEFAULT_WEIGHTS: dict[str, float] = {
    "hook": 0.30, "depth": 0.25, "pacing": 0.15, "clarity": 0.10, "cta": 0.10, "brand_fit": 0.10,
}
PASS_AT = 80
REVISE_AT = 60

PILLAR_MEMBERS: dict[str, tuple[str, ...]] = {
    "attention": ("hook", "thumb_stop", "first_frame", "pattern_interrupt"),
    "visual_craft": ("aesthetics", "composition", "motion_dynamics", "camera_work", "text_legibility"),
    "message_cta": ("depth", "clarity", "cta", "brand_fit"),
}


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights from configuration: every core score, non-negative numbers, not all zero."""
    unknown = sorted(set(weights) - set(CORE_SCORES))
    missing = sorted(set(CORE_SCORES) - set(weights))
    if unknown or missing:
        raise ValueError(f"scoring weights: unknown {unknown or 'none'}, missing {missing or 'none'}; "
                         f"expected exactly {list(CORE_SCORES)}")
    out: dict[str, float] = {}
    for name in CORE_SCORES:
        value = weights[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ValueError(f"scoring weights: {name} must be a non-negative number, got {value!r}")
        out[name] = float(value)
    if sum(out.values()) <= 0:
        raise ValueError("scoring weights: at least one weight must be positive")
    return out


def overall_score(core: Mapping[str, int], weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> int:
    """round(10 x weighted mean of the six core scores), 0..100."""
    w = check_weights(weights)
    total = sum(w.values())
    mean = sum(w[name] * core[name] for name in CORE_SCORES) / total
    return max(0, min(100, round_half_up(10 * mean)))


def band_for(overall: int) -> Band:
    if overall >= PASS_AT:
        return "pass"
    return "revise" if overall >= REVISE_AT else "reshoot"


def capped_band(band: Band, *, compliance_caps: bool) -> Band:
    """A high-severity compliance flag caps the band at revise: a risky video is never 'publish as-is'."""
    return "revise" if compliance_caps and band == "pass" else band


def pillar_value(values: Sequence[int]) -> int:
    return max(0, min(10, round_half_up(sum(values) / len(values))))
