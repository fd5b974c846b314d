"""What creative scoring produces: typed, immutable, JSON round-trippable, integers wherever a person
reads a score.

Every score keeps the evidence that moved it (words with times, keyframes, feature values) and the
rule that produced it, so a reviewer can see *why* a video got a 4 for Hook, and a re-score after a
rubric change can be compared rule by rule.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tiktok_pipelines.lib.extraction.artifacts import Confidence

Severity = Literal["high", "medium", "low"]
Priority = Literal["high", "medium", "low"]
Band = Literal["pass", "revise", "reshoot"]
AnalysisStatus = Literal["pending", "processing", "done", "error"]

CORE_SCORES: tuple[str, ...] = ("hook", "depth", "clarity", "pacing", "cta", "brand_fit")
PILLARS: tuple[str, ...] = ("attention", "visual_craft", "message_cta")
VISUAL_SCORES: tuple[str, ...] = (
    "thumb_stop", "first_frame", "silent_comprehension", "aesthetics", "composition", "motion_dynamics",
    "camera_work", "pattern_interrupt", "text_legibility", "text_timing", "emotion", "save_share",
    "loopability", "trend_alignment", "cultural_resonance", "brand_safety",
)
# Where evidence came from: one of the extraction stages, the caption, or the media file itself.
EvidenceSource = Literal[
    "transcript", "onscreen_text", "caption", "hashtags", "scene_cuts", "audio", "visual", "keyframes", "media",
    "brand_profile", "llm",
]


class ScoringModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(ScoringModel):
    """One observation that moved a score, flag or fix: "first cut at 4.2 s", "'hormone-free' said at 12.3 s"."""

    source: EvidenceSource
    detail: str  # readable on its own, with the number or words in it
    t: float | None = Field(default=None, ge=0)  # seconds from the start, where the observation has a time
    frame: str | None = None  # keyframe label ("t0", "p50", ...)
    text: str | None = None  # the words as said / shown / written (already PII-redacted)
    value: float | None = None  # the feature value (cuts per 10 s, text height, LUFS, ...)


class Score(ScoringModel):
    name: str
    value: int = Field(ge=0, le=10)
    raw: float = Field(ge=0, le=10)  # the rule's value before rounding and before shrinking toward neutral
    confidence: Confidence = "high"
    shrunk: bool = False  # low-confidence inputs pulled it toward neutral (5)
    rule: str  # "<rule id>@<rule version>", e.g. "hook@score-1"
    evidence: tuple[Evidence, ...] = ()
    note: str = ""  # why it was shrunk, which modality was missing

    @field_validator("value", mode="before")
    @classmethod
    def _integer_only(cls, v: object) -> object:
        # pydantic would coerce 7.0 to 7; a score that is not an integer is a bug upstream, not a rounding.
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"score value must be an integer, got {v!r}")
        return v


class Classification(ScoringModel):
    angle: Literal["comparison", "transformation", "science", "empowerment"] | None = None
    hook_type: Literal["question", "contrarian", "curiosity", "awe", "shock"] | None = None
    content_types: tuple[Literal["demo", "story", "before_after", "lifestyle", "tutorial"], ...] = ()
    visual_subjects: tuple[str, ...] = ()
    composition: tuple[Literal["symmetry", "leading_lines", "central_focus", "rule_of_thirds"], ...] = ()
    emotion: tuple[Literal["awe", "serenity", "joy", "intrigue", "surprise"], ...] = ()
    pattern_interrupt: tuple[Literal["grand_scale", "color_contrast", "unexpected_angle"], ...] = ()
    evidence: tuple[Evidence, ...] = ()  # why each label was given (detail names the label)


class PolicyFlag(ScoringModel):
    """A compliance risk: medical_claim, absolute_claim, weight_claim, income_claim, banned_claim,
    before_after_sensitive, missing_disclosure, disclosure_mismatch."""

    code: str
    severity: Severity
    summary: str
    citation: str  # the policy it comes from (FTC, TikTok, Meta), readable with a URL where there is one
    evidence: tuple[Evidence, ...] = Field(min_length=1)
    platforms: tuple[Literal["tiktok", "meta"], ...] = ()


class PlatformBlocker(ScoringModel):
    """Something a platform's ad review would reject outright (not a score penalty: a gate)."""

    platform: Literal["tiktok", "meta"]
    code: str
    reason: str
    citation: str
    evidence: tuple[Evidence, ...] = Field(min_length=1)


class Compliance(ScoringModel):
    lexicon_version: str
    flags: tuple[PolicyFlag, ...] = ()
    blockers: tuple[PlatformBlocker, ...] = ()
    safe_ctas: tuple[str, ...] = ()  # comms-safe CTA wording, offered when any risk is found
    disclosure_found: tuple[Evidence, ...] = ()  # #ad, "paid partnership", ... wherever seen

    @property
    def caps_band(self) -> bool:
        return any(f.severity == "high" for f in self.flags) or bool(self.blockers)


class Finding(ScoringModel):
    kind: Literal["hook_verdict", "depth_analysis", "retention_opportunity", "strength", "improvement", "risk"]
    verdict: Literal["strong", "ok", "weak"] | None = None
    text: str
    evidence: tuple[Evidence, ...] = ()


class Fix(ScoringModel):
    priority: Priority
    category: Literal["hook", "depth", "clarity", "pacing", "cta", "brand_fit", "compliance", "visual", "audio", "text"]
    action: str  # what to do, concretely: "cut before 2 s"
    why: str  # what triggered it: "first cut at 4.2 s"
    evidence: tuple[Evidence, ...] = Field(min_length=1)
    score: str | None = None  # the score it should raise


class ModalityInput(ScoringModel):
    """What scoring had to work with from one extraction stage."""

    name: Literal["transcript", "onscreen_text", "scene_cuts", "audio_features", "visual_tags", "caption_analysis",
                  "keyframes", "media"]
    status: Literal["ok", "partial", "unavailable", "error", "missing"]
    confidence: Confidence
    version: str | None = None
    note: str = ""


class CreativeScores(ScoringModel):
    """The deterministic engine's result for one video (always computed; the LLM can only adjust it)."""

    video_id: str
    scoring_version: str
    brand: str  # brand profile name@version
    weights: dict[str, float]
    core: tuple[Score, ...]  # in CORE_SCORES order
    overall: int = Field(ge=0, le=100)
    band: Band  # after the compliance cap
    band_uncapped: Band
    pillars: tuple[Score, ...]  # in PILLARS order
    visual: tuple[Score, ...]  # in VISUAL_SCORES order
    silent_friendly: bool
    classification: Classification
    compliance: Compliance
    findings: tuple[Finding, ...]
    fixes: tuple[Fix, ...] = Field(max_length=5)
    inputs: tuple[ModalityInput, ...]
    input_fingerprint: str  # sha256 of the extraction versions + payloads it read: same inputs, same scores

    def score(self, name: str) -> Score:
        for s in (*self.core, *self.pillars, *self.visual):
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def core_values(self) -> dict[str, int]:
        return {s.name: s.value for s in self.core}


class Adjustment(ScoringModel):
    """One LLM-proposed change to a core score, after the guardrails."""

    score: str
    before: int = Field(ge=0, le=10)
    proposed: float | int | None  # what the model asked for (delta), as it sent it
    applied: int = Field(ge=-2, le=2)  # the delta actually applied after clamping to +-2 and to 0..10
    after: int = Field(ge=0, le=10)
    reason: str
    rejected: str = ""  # why a proposal was clamped or ignored (non-integer, out of range, unknown score)


class LLMUsage(ScoringModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None  # None when no price is configured for the model


class Critique(ScoringModel):
    """The optional LLM pass. `status` says whether it ran; a failure never changes a score."""

    status: Literal["off", "ok", "failed"]
    model: str | None = None
    reason: str = ""  # for off/failed: why (timeout, schema violation, injected instruction, ...)
    adjustments: tuple[Adjustment, ...] = ()
    findings: tuple[Finding, ...] = ()
    usage: LLMUsage = LLMUsage()
    seconds: float = 0.0
    sent_chars: int = 0  # size of the text sent, after redaction and truncation
    redactions: int = 0
    truncated: bool = False
