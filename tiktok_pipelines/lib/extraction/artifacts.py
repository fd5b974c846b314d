"""The artifact interfaces every extractor produces and every consumer (warehouse, scoring, the UI)
reads. Typed, immutable and JSON round-trippable: `Model.model_validate_json(m.model_dump_json())`
gives `m` back, so what is stored is exactly what was extracted.

Times are seconds from the start of the video; boxes are fractions of the frame (0..1) so that
720x1280 and 1080x1920 files compare directly.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# How much a downstream score may trust a modality (DESIGN.md: low-confidence inputs shrink scores).
Confidence = Literal["high", "medium", "low"]
# ok: complete; partial: some of it is missing (the note says what); unavailable: the stage could not
# run here (no weights, no credentials) and produced nothing; error: this video failed this stage.
StageStatus = Literal["ok", "partial", "unavailable", "error"]


class Artifact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Span(Artifact):
    start: float = Field(ge=0)
    end: float = Field(ge=0)

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)


class Box(Artifact):
    """A rectangle as fractions of the frame: x, y of the top-left corner, w, h."""

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    w: float = Field(ge=0, le=1)
    h: float = Field(ge=0, le=1)

    @property
    def area(self) -> float:
        return self.w * self.h


# --- keyframes ------------------------------------------------------------------------------------


class Keyframe(Artifact):
    """One still the extractors look at (never a full frame dump)."""

    label: str  # "t0", "t1", "t2", "t3", "t5", "p10", "p25", "p50", "p75", "end"
    t: float = Field(ge=0)
    key: str  # media-store key of the JPEG
    width: int
    height: int
    aliases: tuple[str, ...] = ()  # labels that fell on the same frame (10 % of a 30-s video is 3 s)


# --- speech -----------------------------------------------------------------------------------------


class Word(Artifact):
    text: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    confidence: float | None = Field(default=None, ge=0, le=1)


class TranscriptSegment(Artifact):
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    text: str
    confidence: float | None = Field(default=None, ge=0, le=1)
    words: tuple[Word, ...] = ()


class Transcript(Artifact):
    status: StageStatus
    backend: str  # "pocketsphinx", "faster-whisper", "openai"
    model: str
    confidence: Confidence
    language: str | None = None
    segments: tuple[TranscriptSegment, ...] = ()
    speech_seconds: float = 0.0  # what the voice-activity detector heard; 0 means ASR was skipped
    analysed_seconds: float = 0.0
    redactions: int = 0  # PII replaced before storing
    note: str = ""

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]


# --- on-screen text -----------------------------------------------------------------------------------


class OCRLine(Artifact):
    text: str
    confidence: float = Field(ge=0, le=1)
    box: Box
    text_height: float = Field(ge=0, le=1)  # line height as a fraction of frame height (legibility)
    in_safe_zone: bool  # entirely inside TikTok's UI-free area
    overlaps: tuple[str, ...] = ()  # UI zones it touches: "top", "bottom", "right"


class OCRResult(Artifact):
    frame: str  # keyframe label
    t: float = Field(ge=0)
    lines: tuple[OCRLine, ...] = ()
    timed_out: bool = False  # tesseract hit its timeout on at least one region; lines may be incomplete
    redactions: int = 0
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


# --- cuts and motion ------------------------------------------------------------------------------------


class SceneCut(Artifact):
    t: float = Field(ge=0)  # the first frame of the new shot
    frame: int = Field(ge=0)
    score: float  # the detector's content score at the cut


class SceneAnalysis(Artifact):
    status: StageStatus
    detector: str
    fps: float
    analysed_seconds: float
    cuts: tuple[SceneCut, ...] = ()
    shot_lengths: tuple[float, ...] = ()
    cuts_per_10s: tuple[int, ...] = ()  # cuts in [0,10), [10,20), ... s
    motion_energy: tuple[float, ...] = ()  # mean absolute luma change per frame, one value per second (0..1)
    note: str = ""


# --- audio -------------------------------------------------------------------------------------------------


class AudioFeatures(Artifact):
    status: StageStatus
    has_audio: bool
    analysed_seconds: float = 0.0
    speech_ratio: float | None = Field(default=None, ge=0, le=1)  # share of the duration with speech
    music_ratio: float | None = Field(default=None, ge=0, le=1)  # share of 1-s windows with music
    music_present: bool | None = None
    bpm: float | None = None
    bpm_confidence: float | None = Field(default=None, ge=0, le=1)
    loudness_lufs: float | None = None  # integrated (EBU R128)
    loudness_range_lu: float | None = None
    true_peak_dbfs: float | None = None
    speech: tuple[Span, ...] = ()
    silences: tuple[Span, ...] = ()
    dead_air_seconds: float = 0.0  # silences of 0.4 s or more, summed
    note: str = ""


# --- visual -----------------------------------------------------------------------------------------------


class FrameStats(Artifact):
    frame: str
    t: float = Field(ge=0)
    brightness: float  # mean luma 0..1
    contrast: float  # RMS contrast of luma 0..1
    colourfulness: float  # Hasler-Süsstrunk M
    sharpness: float  # variance of the Laplacian
    faces: tuple[Box, ...] = ()
    face_area: float = 0.0  # largest face as a fraction of the frame (close-up >= 0.15)
    thirds: float = Field(default=0.0, ge=0, le=1)  # how close the main subject sits to a rule-of-thirds point


class Tag(Artifact):
    family: str  # "subject", "shot_type", "setting", "emotion", "aesthetics", "before_after", "brand_safety"
    label: str
    score: float = Field(ge=0, le=1)
    frames: tuple[str, ...] = ()


class VisualTags(Artifact):
    status: StageStatus
    frames: tuple[FrameStats, ...] = ()
    clip_status: StageStatus = "unavailable"
    clip_model: str | None = None
    tags: tuple[Tag, ...] = ()
    note: str = ""


# --- caption ----------------------------------------------------------------------------------------------


class HashtagFinding(Artifact):
    tag: str
    kind: Literal["brand", "niche", "broad", "spam"]
    relevant: bool  # its words appear in what is said, shown or written


class CaptionAnalysis(Artifact):
    status: StageStatus
    caption: str
    hashtags: tuple[HashtagFinding, ...] = ()
    hashtag_spam: bool = False
    ctas: tuple[str, ...] = ()  # CTA phrases found in the caption
    claims: tuple[str, ...] = ()  # risky claim phrases found in the caption
    hook: str = ""  # the caption's first line
    hook_reinforced: bool | None = None  # the first 3 s (speech or on-screen text) echo the caption hook
    hook_overlap: float | None = Field(default=None, ge=0, le=1)
    redactions: int = 0
    note: str = ""
