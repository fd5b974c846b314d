"""The 0-10 scale every score lives on: how a low-confidence input is pulled toward neutral, and how a
rule's float becomes the integer a person reads.

RUBRIC.md "Confidence": a part fed by a low-confidence modality keeps half of its distance from the
neutral value, medium keeps 80 %, high all of it. Rounding is half up (7.5 -> 8) rather than Python's
banker's rounding, so that a rater and the engine agree on the same number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from tiktok_pipelines.lib.extraction.artifacts import Confidence

NEUTRAL = 5.0
SCORE_MIN = 0
SCORE_MAX = 10
# Share of the distance from neutral a value keeps at each confidence (RUBRIC.md "Confidence").
CONFIDENCE_KEEP: dict[str, float] = {"high": 1.0, "medium": 0.8, "low": 0.5}
CONFIDENCE_RANK: dict[str, int] = {"high": 2, "medium": 1, "low": 0}
# Weighted sums such as 0.3 * 8.5 + 0.7 * 7 land a hair under a .5 boundary (7.499999999999999);
# this much slack keeps them rounding the way the arithmetic on paper does.
_ROUNDING_SLACK = 1e-9


def shrink_toward_neutral(raw: float, confidence: Confidence, neutral: float = NEUTRAL) -> float:
    """`raw` pulled toward `neutral` by how far `confidence` lets it be trusted."""
    if confidence not in CONFIDENCE_KEEP:
        raise ValueError(f"confidence must be one of {sorted(CONFIDENCE_KEEP)}, got {confidence!r}")
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ValueError(f"raw score must be a finite number, got {raw!r}")
    if not math.isfinite(neutral):
        raise ValueError(f"neutral must be a finite number, got {neutral!r}")
    return neutral + (raw - neutral) * CONFIDENCE_KEEP[confidence]


def weakest(confidences: Iterable[Confidence]) -> Confidence:
    """The least trustworthy of several confidences (a score is as sure as its weakest input)."""
    return min(confidences, key=CONFIDENCE_RANK.__getitem__)


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5 + _ROUNDING_SLACK)


def to_score_value(x: float) -> int:
    """The integer score for a rule's value: clamped to 0..10, then rounded half up."""
    if isinstance(x, bool) or not isinstance(x, int | float) or math.isnan(x):
        raise ValueError(f"score must be a number, got {x!r}")
    return round_half_up(min(float(SCORE_MAX), max(float(SCORE_MIN), float(x))))
