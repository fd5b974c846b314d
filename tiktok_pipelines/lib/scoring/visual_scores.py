"""The sixteen visual-only scores: what a viewer gets from the picture, the on-screen text and the feel of
the video, mostly with the sound off (RUBRIC.md "Visual-only scores").

Each score is a weighted mean of a few parts, each part fed by one extraction stage:

    score = sum(weight * shrink(part, confidence of its stage)) / sum(weight)

Shrinking happens per part, not per score: a low-confidence transcript pulls only the part it fed
toward neutral (keeping 50 % of its distance from 5), a missing stage holds its part at exactly 5, and
CLIP being unavailable holds the CLIP part at 5 with "CLIP unavailable" in the note. A part that does
not apply (no CTA anywhere, nothing spoken) drops out of the mean instead of counting as 5. `raw` is the
same mean before shrinking; `value` is `raw` after shrinking, rounded half up.

Parts per score and the stage that can shrink each (weights in brackets):

- thumb_stop: hook text in the first second [onscreen .35], look of the first second: contrast,
  exposure, colour, a face [visual .35], motion or a cut in the first second [scene_cuts .30].
- first_frame: what t0 says: text, a face, a CLIP subject [onscreen/visual .40; low when nothing was
  found and CLIP could not look], sharpness [.20], exposure [.25], contrast [.15] of t0 [visual].
- silent_comprehension: keyframes with text [onscreen .30], hook text in the first 3 s [onscreen .20],
  points after the hook [onscreen .15], CTA on screen [onscreen/caption/transcript .10, only when there is
  a CTA], speech times with text on screen [audio .15] and spoken words shown on screen [transcript .10]
  (both only when something is spoken).
- aesthetics: sharpness [.30], exposure [.20], contrast [.15], colour [.10] over all keyframes
  [visual], CLIP aesthetics tag [.25].
- composition: subject on a thirds point, centred, or cut off at the edge [visual .45], text inside the
  safe zone [onscreen .35, only with text], 9:16 frame [media .20].
- motion_dynamics: motion energy with frozen seconds [scene_cuts .50], cuts per 10 s [scene_cuts .50].
- camera_work: shot-length variety [.30], longest shot [.25], movement neither locked-off nor shaky
  [.25] (scene_cuts), shot-type variety [CLIP .20].
- pattern_interrupt: a cut in the first 3 s [scene_cuts .40], a colour/brightness jump between the
  t0..t3 keyframes [visual .30], motion in the first 3 s [scene_cuts .15], an early wide/overhead shot
  or shot-type change [CLIP .15].
- text_legibility: font height (3.5 % of the frame is full marks) [.45], lines inside the safe zone [.30],
  OCR confidence as a proxy for contrast [.25] (onscreen); 1 when there is no text at all.
- text_timing: when the first text appears [onscreen .40], each text block on screen long enough to
  read at 17.5 characters/s [onscreen .60, at most medium: on-screen time is estimated from keyframes];
  1 when there is no text at all.
- emotion: CLIP emotion tag [.30], faces [visual .15], colour and contrast [visual .20], music and voice
  [audio .25], emotion words [caption/onscreen/transcript .10].
- save_share: a list, tips or how-to [caption/onscreen/transcript .45], a save/share ask [.20], text
  blocks worth coming back to [onscreen .35].
- loopability: length, <= 15 s is full marks [media .55], the end frame looks like the first [visual
  .25], no end card [onscreen .20].
- trend_alignment: 9:16 [media .25], 21-34 s [media .20], music at a danceable tempo [audio .30], niche
  hashtags [hashtags .25].
- cultural_resonance: a face to camera [visual .30], voice [audio .25], on-screen captions [onscreen
  .20], community hashtags [hashtags .15], CLIP's casual-phone-footage look [.10].
- brand_safety: not a mean but a cap: a high-severity compliance flag -> <= 3 (two or a platform
  blocker -> <= 2), medium -> <= 6, low -> <= 8, nothing -> 9, or 10 when CLIP also checked the
  imagery; CLIP brand-safety tags cap it the same way. Never shrunk: it is a gate, and the note says
  what could not be checked.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from tiktok_pipelines.lib.extraction.artifacts import Confidence, FrameStats, OCRLine, OCRResult, SceneAnalysis, Tag
from tiktok_pipelines.lib.extraction.caption import HOOK_WINDOW_SECONDS, hook_overlap
from tiktok_pipelines.lib.extraction.lexicons import BAIT_HASHTAGS, BROAD_HASHTAGS, find_ctas
from tiktok_pipelines.lib.scoring.classify import (
    EMOTION_PATTERNS,
    MIN_OCR_CONFIDENCE,
    SAME_TEXT_JACCARD,
    TextSnippet,
    clip_available,
    clip_tags,
    colour_jumps,
    face_centre,
    find_phrases,
    text_snippets,
    transcript_usable,
)
from tiktok_pipelines.lib.scoring.inputs import USABLE, ScoringInputs
from tiktok_pipelines.lib.scoring.models import VISUAL_SCORES, Compliance, Evidence, Score
from tiktok_pipelines.lib.scoring.scale import CONFIDENCE_KEEP, NEUTRAL, shrink_toward_neutral, to_score_value

Curve = tuple[tuple[float, float], ...]

# --- feature curves: a measured value -> 0..10 ----------------------------------------------------------------
# Piecewise linear between the points, flat beyond the ends.

# Laplacian variance at 640 px frame height: under ~30 reads as blurred, the demo clips' sharp frames
# sit at 300-3000.
SHARPNESS_CURVE: Curve = ((0, 0), (30, 2), (100, 6), (300, 9), (600, 10))
# Mean luma: phone footage is at its best around the middle; near black or blown out reads as broken.
EXPOSURE_CURVE: Curve = ((0.0, 0), (0.06, 0), (0.15, 4), (0.25, 8), (0.35, 10), (0.65, 10), (0.8, 7), (0.92, 2), (1.0, 0))
# RMS luma contrast: natural scenes run 0.15-0.25; under 0.05 is a flat, washed-out picture.
CONTRAST_CURVE: Curve = ((0.0, 0), (0.03, 1), (0.08, 5), (0.15, 9), (0.2, 10))
# Hasler-Süsstrunk colourfulness: moderately to quite colourful (35-100) pleases; grey is dull,
# test-pattern saturation (150+) garish.
COLOUR_CURVE: Curve = ((0, 3), (15, 6), (35, 9), (50, 10), (100, 10), (150, 8), (250, 6))
# Mean absolute luma change per frame: under 0.002 the picture is frozen, 0.01-0.1 is lively, beyond
# 0.2 it is chaos (the demo clips' moving looks run 0.006-0.07).
MOTION_CURVE: Curve = ((0, 0), (0.002, 2), (0.006, 5), (0.012, 7), (0.025, 9), (0.04, 10), (0.1, 10), (0.2, 6), (0.35, 3))
# Movement for camera work: locked-off and shaky both lose.
MOVEMENT_CURVE: Curve = ((0, 2), (0.002, 3), (0.005, 8), (0.01, 10), (0.08, 10), (0.15, 5), (0.3, 2))
# Cuts per 10 s: 1.5-4 is the rubric's ideal cadence (Pacing); one shot is not zero motion.
CUT_RATE_CURVE: Curve = ((0, 2), (0.5, 4), (1.5, 10), (4, 10), (6, 7), (10, 3), (15, 1))
# Font height as a share of frame height: RUBRIC.md asks for 3.5 %; under 1.5 % is unreadable on a phone.
TEXT_SIZE_CURVE: Curve = ((0.01, 0), (0.015, 2), (0.02, 5), (0.025, 7), (0.03, 9), (0.035, 10))
# OCR confidence stands in for text contrast: crisp high-contrast glyphs read at 0.9+.
OCR_CONFIDENCE_CURVE: Curve = ((0.3, 0), (0.5, 4), (0.7, 7), (0.85, 10))
# Share of keyframes carrying text: most of the video captioned is full marks.
TEXT_COVERAGE_CURVE: Curve = ((0, 0), (0.3, 4), (0.6, 8), (0.8, 10))
# When the first text appears: in the first second is the rubric's 9-10.
FIRST_TEXT_CURVE: Curve = ((0, 10), (1.0, 10), (2.0, 7), (3.0, 5), (5.0, 2), (8.0, 0))
# Duration for the feed: TikTok recommends 21-34 s; its older spec said 9-15 s; long runs lose reach.
TREND_DURATION_CURVE: Curve = ((0, 2), (5, 4), (9, 6), (15, 7.5), (21, 10), (34, 10), (60, 6), (120, 3), (180, 1))
# Duration for looping: <= 15 s loops (RUBRIC.md), a minute does not.
LOOP_LENGTH_CURVE: Curve = ((0, 10), (15, 10), (30, 5), (60, 1), (90, 0))
# Shot-length variation (stdev / mean): identical shots feel mechanical, some variety feels edited.
SHOT_VARIETY_CURVE: Curve = ((0, 5), (0.25, 8), (0.4, 10), (1.0, 10), (1.5, 7))
# Longest shot: the rubric's pacing asks for none over 6 s.
LONGEST_SHOT_CURVE: Curve = ((0, 10), (6, 10), (10, 6), (20, 2), (40, 0))
# Share of the duration with voice: a creator talking is the native format.
VOICE_CURVE: Curve = ((0, 1), (0.1, 5), (0.3, 10))

# The OCR box of a line spans the cap height when no glyph descends (demo truth: 0.76 of the font
# size, n=426) and the full font height when one does (0.97, n=147); dividing by it gives the font size.
CAP_BOX_SHARE = 0.76
DESCENDER_BOX_SHARE = 0.97
_DESCENDERS = frozenset("gjpqy,;()[]{}@$_|")
READING_CPS = 17.5  # subtitle practice: 15-20 characters per second
MIN_READ_SECONDS = 1.0  # even one word needs about a second to be noticed and read
FIRST_SECOND = 1.0
SPEECH_PRESENT_RATIO = 0.05  # VAD speech on less than this share of the video is noise, not talk
FROZEN_MOTION = 0.002  # a second with less luma change than this is a frozen picture
FACE_TO_CAMERA_AREA = 0.02  # a face this big (2 % of the frame) is someone on camera, not a crowd
CLOSE_UP_AREA = 0.15  # abcds-detector's close-up threshold
EDGE_MARGIN = 0.01  # a face box this close to the frame edge is cut off
CENTRE_TOLERANCE = 0.12
THIRDS_POINT = 0.6
DANCEABLE_BPM = (95.0, 140.0)
# Side-by-side changes between two keyframes that count as a full "jump" (see classify.colour_jumps).
JUMP_SCALE = {"brightness": 0.12, "colourfulness": 25.0, "contrast": 0.10}
# Enough evidence to see why, few enough to read: the parts add theirs, in order, up to this many.
_MAX_EVIDENCE = 10
# What lands on the last keyframe when the video ends on a card rather than looping back.
END_CARD_PATTERNS: tuple[str, ...] = (
    r"\bthanks? (?:you )?for watching\b", r"\bfollow for\b", r"\bpart \d+\b", r"\bsubscribe\b", r"\bthe end\b",
    r"\bsee you\b", r"\blink in (?:my )?bio\b", r"\bshop now\b",
)
# A list, tips or a how-to: what people save to come back to.
SAVE_PATTERNS: dict[str, tuple[str, ...]] = {
    "list or how-to": (
        r"\b\d+\s+(?:\w+\s+)?(?:tips|ways|steps|things|ingredients|reasons|mistakes|hacks|rules|products|signs)\b",
        r"\bhow (?:to|i)\b", r"\bstep\s*\d+\b", r"\btutorial\b", r"\bhere'?s how\b", r"^\s*\d+\s*[.)]\s*\w",
        r"\broutine\b", r"\brecipe\b", r"\bguide\b", r"\bchecklist\b", r"\bcheat ?sheet\b",
    ),
}
# The CTAs that ask for a save or a share (find_ctas' phrases of that kind).
SAVE_SHARE_ASKS = re.compile(r"\b(?:save this|save for later|send this to|share with|tag a friend|tag someone|duet this|stitch this)\b",
                             re.IGNORECASE)
CLIP_AESTHETICS = {"professional studio production": 9.0, "casual phone footage": 7.0,
                   "blurry low quality": 2.0, "dark and poorly lit": 2.0}
CLIP_NATIVE_LOOK = {"casual phone footage": 10.0, "professional studio production": 4.0}
CLIP_EMOTION_STRENGTH = {"happy": 10.0, "surprised": 10.0, "sad": 8.0, "angry": 8.0, "neutral": 3.0}
# CLIP brand-safety labels that cap like a high-severity flag, and those that cap like a medium one.
UNSAFE_SEVERE = frozenset({"weapons", "drugs", "violence or gore", "nudity"})
UNSAFE_MEDIUM = frozenset({"alcohol", "smoking", "gambling"})


def curve(x: float, points: Curve) -> float:
    """`x` mapped through a piecewise-linear curve, flat beyond its first and last points."""
    if not math.isfinite(x):
        raise ValueError(f"curve input must be finite, got {x!r}")
    if x <= points[0][0]:
        return float(points[0][1])
    for (x0, y0), (x1, y1) in pairwise(points):
        if x <= x1:
            return float(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return float(points[-1][1])


# --- parts and how they combine -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One measured part of a score. `value` None: the stage it needs is missing, held at neutral."""

    label: str  # what it measures, as the note names it
    value: float | None
    weight: float
    confidence: Confidence
    stage: str  # the extraction stage (or "media", "caption", "CLIP") it came from
    evidence: tuple[Evidence, ...] = ()
    note: str = ""  # why it is neutral or weak, in words ("CLIP unavailable")


def _missing(label: str, weight: float, stage: str, inputs: ScoringInputs, why: str = "") -> Part:
    modality = inputs.modality(stage)
    status = modality.status if modality is not None else "missing"
    return Part(label, None, weight, "low", stage, note=why or f"{stage} {status}: '{label}' held at neutral 5")


def _clip_missing(label: str, weight: float, inputs: ScoringInputs) -> Part:
    why = "no visual stage" if inputs.visual is None else f"clip_status {inputs.visual.clip_status}"
    return Part(label, None, weight, "low", "CLIP", note=f"CLIP unavailable ({why}): '{label}' held at neutral 5")


def combine(name: str, parts: Sequence[Part], rule_version: str, *, extra_note: str = "") -> Score:
    """A score from its parts: shrink each part by its own confidence, weight, round half up."""
    counted = [p for p in parts if p.weight > 0]
    evidence = tuple(e for p in parts for e in p.evidence)[:_MAX_EVIDENCE]
    if not counted:
        return Score(name=name, value=5, raw=NEUTRAL, confidence="low", shrunk=True, rule=f"{name}@{rule_version}",
                     evidence=evidence, note=_join(["no part of this score could be measured: neutral 5", extra_note]))
    total = sum(p.weight for p in counted)
    raw = sum(p.weight * (NEUTRAL if p.value is None else p.value) for p in counted) / total
    shrunk_value = sum(
        p.weight * (NEUTRAL if p.value is None else shrink_toward_neutral(p.value, p.confidence)) for p in counted
    ) / total
    # How much of its distance from neutral the score as a whole keeps: a missing part keeps none.
    keep = sum(p.weight * (0.0 if p.value is None else CONFIDENCE_KEEP[p.confidence]) for p in counted) / total
    confidence: Confidence = "high" if keep >= 0.95 else "medium" if keep >= 0.6 else "low"
    notes = []
    for p in counted:
        if p.value is None or p.note:
            notes.append(p.note)
        elif p.confidence != "high":
            notes.append(f"'{p.label}' from a {p.confidence}-confidence {p.stage} kept at "
                         f"{CONFIDENCE_KEEP[p.confidence]:.0%} of its distance from 5")
    weak = any(p.value is None or p.confidence != "high" for p in counted)
    return Score(
        name=name,
        value=to_score_value(shrunk_value),
        raw=round(min(10.0, max(0.0, raw)), 3),
        confidence=confidence,
        shrunk=weak,
        rule=f"{name}@{rule_version}",
        evidence=evidence,
        note=_join([*notes, extra_note]),
    )


def _join(notes: Sequence[str]) -> str:
    seen: dict[str, None] = {}
    for n in notes:
        if n:
            seen.setdefault(n, None)
    return "; ".join(seen)


# --- what the stages measured, in the shapes the rules need -------------------------------------------------------


def _stage_confidence(inputs: ScoringInputs, stage: str, status: str | None) -> Confidence:
    """The stage's confidence as scoring inputs recorded it, or from its status when built by hand."""
    modality = inputs.modality(stage)
    if modality is not None:
        return modality.confidence
    return "high" if status == "ok" else "medium" if status == "partial" else "low"


def _frames(inputs: ScoringInputs) -> list[FrameStats]:
    if inputs.visual is None or inputs.visual.status not in USABLE:
        return []
    return sorted(inputs.visual.frames, key=lambda f: (f.t, f.frame))


def _frames_confidence(inputs: ScoringInputs) -> Confidence:
    # Image statistics are measured, not guessed: CLIP missing does not weaken them (its parts are
    # held at neutral separately), so this reads the stage's own status, not the modality's confidence.
    return "high" if inputs.visual is not None and inputs.visual.status == "ok" else "medium"


def _ocr(inputs: ScoringInputs) -> list[OCRResult] | None:
    if inputs.onscreen is None:
        return None
    return sorted(inputs.onscreen, key=lambda r: (r.t, r.frame))


def _ocr_confidence(inputs: ScoringInputs) -> Confidence:
    confidence = _stage_confidence(inputs, "onscreen_text", "ok")
    if confidence == "high" and any(r.timed_out for r in inputs.onscreen or ()):
        return "medium"  # a region timed out: some text may be missing
    return confidence


@dataclass(frozen=True)
class _Line:
    frame: str
    t: float
    line: OCRLine
    text: str


def _lines(results: Sequence[OCRResult]) -> list[_Line]:
    out = []
    for r in results:
        for line in sorted(r.lines, key=lambda ln: (ln.box.y, ln.box.x)):
            text = " ".join(line.text.split())
            if line.confidence >= MIN_OCR_CONFIDENCE and re.search(r"\w\w", text):
                out.append(_Line(r.frame, r.t, line, text))
    return out


def font_height(line: OCRLine) -> float:
    """The font size a line was set in, as a share of frame height, from its OCR box."""
    share = DESCENDER_BOX_SHARE if any(c in _DESCENDERS for c in line.text) else CAP_BOX_SHARE
    return line.text_height / share


def _safe_zone_share(lines: Sequence[_Line]) -> tuple[float, str]:
    """Share of the distinct text lines kept clear of the app's UI, and a sentence naming one that is not.
    Counted per distinct line, not per keyframe: a CTA hidden under the caption is one hidden message
    however many keyframes sampled it."""
    distinct: dict[str, list[_Line]] = {}
    for ln in lines:
        distinct.setdefault(" ".join(sorted(_tokens(ln.text))) or ln.text, []).append(ln)
    hidden = [obs for obs in distinct.values() if any(not o.line.in_safe_zone for o in obs)]
    share = 1 - len(hidden) / len(distinct)
    detail = f"{len(distinct) - len(hidden)} of {len(distinct)} distinct text lines inside the safe zone"
    if hidden:
        o = next(o for o in hidden[0] if not o.line.in_safe_zone)
        detail += f"; '{_quote(o.text, 40)}' at {o.t:.1f} s ({o.frame}) under the {'/'.join(o.line.overlaps) or 'app'} UI"
    return share, detail


def _line_legibility(line: OCRLine) -> float:
    size = curve(font_height(line), TEXT_SIZE_CURVE)
    return size if line.in_safe_zone else size * 0.3


@dataclass(frozen=True)
class _Block:
    """Text that stays on screen across consecutive keyframes."""

    text: str
    frames: tuple[str, ...]
    start: float  # estimated: halfway to the keyframe before
    end: float  # estimated: halfway to the keyframe after
    first_t: float

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


def _tokens(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def _blocks(results: Sequence[OCRResult], duration: float) -> list[_Block]:
    times = [r.t for r in results]
    texts = [" ".join(ln.text for ln in _lines([r])) for r in results]
    blocks: list[_Block] = []
    i = 0
    while i < len(results):
        if not texts[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(results) and texts[j + 1] and _jaccard(_tokens(texts[i]), _tokens(texts[j + 1])) >= SAME_TEXT_JACCARD:
            j += 1
        start = 0.0 if i == 0 else (times[i - 1] + times[i]) / 2
        if j + 1 < len(results):
            end = (times[j] + times[j + 1]) / 2
        else:  # text on the last keyframe stays to the end
            end = duration if duration > times[j] else times[j] + FIRST_SECOND
        blocks.append(_Block(texts[i], tuple(r.frame for r in results[i : j + 1]), start, end, times[i]))
        i = j + 1
    return blocks


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _speech(inputs: ScoringInputs) -> tuple[bool | None, Evidence | None]:
    """Whether anything is spoken: the voice-activity detector first (reliable), then the media probe
    and the transcript. None when no stage can tell."""
    audio = inputs.audio
    if audio is not None and audio.status in USABLE:
        if not audio.has_audio:
            return False, Evidence(source="audio", detail="no audio track: nothing is spoken")
        if audio.speech_ratio is not None:
            spoken = audio.speech_ratio >= SPEECH_PRESENT_RATIO
            return spoken, Evidence(source="audio", value=audio.speech_ratio,
                                    detail=f"voice on {audio.speech_ratio:.0%} of the duration (voice-activity detector)")
    if not inputs.has_audio:
        return False, Evidence(source="media", detail="the file has no audio stream: nothing is spoken")
    transcript = inputs.transcript
    if transcript is not None and transcript.status in USABLE:
        if transcript.text.strip():
            return True, Evidence(source="transcript", text=_quote(transcript.text),
                                  detail=f"transcript has words: '{_quote(transcript.text)}'")
        if transcript.analysed_seconds > 0 and transcript.speech_seconds == 0:
            return False, Evidence(source="transcript", detail="no speech heard (voice-activity detector before ASR)")
    return None, None


def _media_duration(inputs: ScoringInputs) -> float:
    if inputs.duration and inputs.duration > 0:
        return float(inputs.duration)
    if inputs.scenes is not None and inputs.scenes.analysed_seconds > 0:
        return float(inputs.scenes.analysed_seconds)
    return 0.0


def _scenes(inputs: ScoringInputs) -> SceneAnalysis | None:
    scenes = inputs.scenes
    return scenes if scenes is not None and scenes.status in USABLE else None


def _frame_ev(frame: FrameStats, detail: str, value: float | None = None) -> Evidence:
    return Evidence(source="visual", frame=frame.frame, t=frame.t, value=value, detail=detail)


def _look(frame: FrameStats) -> float:
    """How strongly a frame reads at a glance: contrast first, then exposure and colour."""
    return (0.5 * curve(frame.contrast, CONTRAST_CURVE) + 0.25 * curve(frame.brightness, EXPOSURE_CURVE)
            + 0.25 * curve(frame.colourfulness, COLOUR_CURVE))


def _mean(values: Sequence[float]) -> float:
    return float(statistics.fmean(values)) if values else 0.0


def _tag_frames(tag: Tag) -> str:
    return f" on {', '.join(sorted(tag.frames)[:4])}" if tag.frames else ""


# --- the scores ------------------------------------------------------------------------------------------------------


def _thumb_stop(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    parts: list[Part] = []
    ocr = ctx.ocr
    early_ocr = [r for r in ocr or () if r.t <= FIRST_SECOND]
    if ocr is None or not early_ocr:
        parts.append(_missing("hook text in the first second", 0.35, "onscreen_text", inputs,
                              "" if ocr is None else "onscreen_text has no keyframe in the first second: "
                              "'hook text in the first second' held at neutral 5"))
    else:
        lines = _lines(early_ocr)
        if lines:
            best = max(lines, key=lambda ln: (_line_legibility(ln.line), -ln.t))
            value = max(4.0, _line_legibility(best.line))  # any text stops a thumb better than none
            parts.append(Part("hook text in the first second", value, 0.35, ctx.ocr_conf, "onscreen_text", (Evidence(
                source="onscreen_text", frame=best.frame, t=best.t, text=_quote(best.text), value=round(font_height(best.line), 4),
                detail=f"text '{_quote(best.text)}' at {best.t:.1f} s ({best.frame}), font {font_height(best.line):.1%} of "
                       f"frame height{'' if best.line.in_safe_zone else ', partly under the app UI'}"),)))
        else:
            parts.append(Part("hook text in the first second", 0.0, 0.35, ctx.ocr_conf, "onscreen_text", (Evidence(
                source="onscreen_text", detail=f"no text on the {len(early_ocr)} keyframe(s) of the first second "
                                               f"({', '.join(r.frame for r in early_ocr)})"),)))
    early_frames = [f for f in ctx.frames if f.t <= FIRST_SECOND]
    if not early_frames:
        parts.append(_missing("look of the first second", 0.35, "visual_tags", inputs))
    else:
        look = _mean([_look(f) for f in early_frames])
        first = early_frames[0]
        evidence = [_frame_ev(first, f"{first.frame} at {first.t:.1f} s: contrast {first.contrast:.2f}, brightness "
                                     f"{first.brightness:.2f}, colourfulness {first.colourfulness:.0f}", round(look, 2))]
        faces = [f for f in early_frames if f.faces]
        if faces:
            biggest = max(faces, key=lambda f: (f.face_area, -f.t))
            face_value = 7.0 + 3.0 * min(1.0, biggest.face_area / CLOSE_UP_AREA)
            look = max(look, face_value)
            evidence.append(_frame_ev(biggest, f"face on {biggest.frame} at {biggest.t:.1f} s, "
                                               f"{biggest.face_area:.1%} of the frame", biggest.face_area))
        parts.append(Part("look of the first second", look, 0.35, ctx.frames_conf, "visual_tags", tuple(evidence)))
    scenes = ctx.scenes
    if scenes is None or (not scenes.motion_energy and not scenes.cuts):
        parts.append(_missing("motion in the first second", 0.30, "scene_cuts", inputs))
    else:
        early_cut = next((c for c in scenes.cuts if c.t < FIRST_SECOND), None)
        motion = scenes.motion_energy[0] if scenes.motion_energy else 0.0
        value = max(curve(motion, MOTION_CURVE), 10.0 if early_cut else 0.0)
        evidence = [Evidence(source="scene_cuts", t=0.0, value=motion,
                             detail=f"motion energy {motion:.3f} in the first second")]
        if early_cut:
            evidence.append(Evidence(source="scene_cuts", t=early_cut.t, detail=f"cut at {early_cut.t:.1f} s"))
        parts.append(Part("motion in the first second", value, 0.30, ctx.scenes_conf, "scene_cuts", tuple(evidence)))
    return parts


def _first_frame(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    if not ctx.frames:
        return [_missing("first frame", 1.0, "visual_tags", inputs)]
    first = ctx.frames[0]
    parts: list[Part] = []
    ocr_first = [r for r in ctx.ocr or () if r.frame == first.frame or r.t <= first.t]
    lines = _lines(ocr_first)
    says: list[tuple[float, Confidence, str, Evidence]] = []
    if lines:
        value = _mean([_line_legibility(ln.line) for ln in lines])
        text = " / ".join(ln.text for ln in lines)
        # Any readable text says what the video is; its size and placement are text_legibility's business.
        says.append((max(6.0, value), ctx.ocr_conf, "onscreen_text", Evidence(
            source="onscreen_text", frame=first.frame, t=first.t, text=_quote(text),
            detail=f"first frame shows text '{_quote(text)}' (font {_mean([font_height(ln.line) for ln in lines]):.1%} of frame height)")))
    if first.faces:
        says.append((7.0 + 3.0 * min(1.0, first.face_area / CLOSE_UP_AREA), ctx.frames_conf, "visual_tags",
                     _frame_ev(first, f"first frame shows a face ({first.face_area:.1%} of the frame)", first.face_area)))
    subject = [t for t in clip_tags(inputs, "subject") if first.frame in t.frames]
    if subject:
        says.append((7.0, "high", "CLIP", _frame_ev(
            first, f"CLIP sees '{subject[0].label}' ({subject[0].score:.2f}) on the first frame", subject[0].score)))
    if says:
        value, confidence, stage, ev = max(says, key=lambda s: s[0])
        parts.append(Part("what the first frame says", value, 0.40, confidence, stage, (ev,)))
    elif ctx.ocr is None and not clip_available(inputs):
        parts.append(_missing("what the first frame says", 0.40, "onscreen_text", inputs))
    else:
        looked = [] if ctx.ocr is None else ["no text"]
        looked.append("no face")
        ev = _frame_ev(first, f"first frame ({first.frame}): {', '.join(looked)}")
        if clip_available(inputs):
            parts.append(Part("what the first frame says", 1.0, 0.40, "high", "visual_tags", (ev,)))
        else:
            # Nothing readable and no face, but CLIP could not say whether a product or scene is shown.
            parts.append(Part("what the first frame says", 1.0, 0.40, "low", "CLIP", (ev,),
                              note="CLIP unavailable: 'what the first frame says' (no text, no face) kept at 50 % "
                                   "of its distance from 5, a product or scene may still be shown"))
    parts.append(Part("first-frame sharpness", curve(first.sharpness, SHARPNESS_CURVE), 0.20, ctx.frames_conf, "visual_tags",
                      (_frame_ev(first, f"first frame sharpness {first.sharpness:.0f} (Laplacian variance)", first.sharpness),)))
    parts.append(Part("first-frame exposure", curve(first.brightness, EXPOSURE_CURVE), 0.25, ctx.frames_conf, "visual_tags",
                      (_frame_ev(first, f"first frame brightness {first.brightness:.2f}", first.brightness),)))
    parts.append(Part("first-frame contrast", curve(first.contrast, CONTRAST_CURVE), 0.15, ctx.frames_conf, "visual_tags",
                      (_frame_ev(first, f"first frame contrast {first.contrast:.2f}", first.contrast),)))
    return parts


def _silent_comprehension(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    parts: list[Part] = []
    ocr = ctx.ocr
    if ocr is None or not ocr:
        for label, weight in (("keyframes with text", 0.30), ("hook on screen in the first 3 s", 0.20),
                              ("points on screen after the hook", 0.15)):
            parts.append(_missing(label, weight, "onscreen_text", inputs))
    else:
        with_text = [r for r in ocr if _lines([r])]
        share = len(with_text) / len(ocr)
        parts.append(Part("keyframes with text", curve(share, TEXT_COVERAGE_CURVE), 0.30, ctx.ocr_conf, "onscreen_text", (
            Evidence(source="onscreen_text", value=round(share, 3),
                     detail=f"text on {len(with_text)} of {len(ocr)} keyframes"
                            + (f" ({', '.join(r.frame for r in with_text[:6])})" if with_text else "")),)))
        hook = next((r for r in with_text if r.t <= HOOK_WINDOW_SECONDS), None)
        if hook is not None:
            text = " / ".join(ln.text for ln in _lines([hook]))
            ev = Evidence(source="onscreen_text", frame=hook.frame, t=hook.t, text=_quote(text),
                          detail=f"hook text '{_quote(text)}' on screen at {hook.t:.1f} s ({hook.frame})")
        else:
            ev = Evidence(source="onscreen_text", detail="no text on screen in the first 3 s")
        parts.append(Part("hook on screen in the first 3 s", 10.0 if hook else 0.0, 0.20, ctx.ocr_conf, "onscreen_text", (ev,)))
        later = [b for b in ctx.blocks if b.first_t > HOOK_WINDOW_SECONDS and not _is_only_cta(b.text)]
        value = 0.0 if not later else 6.0 if len(later) == 1 else 10.0
        detail = (f"{len(later)} text block(s) after the hook: " + "; ".join(f"'{_quote(b.text, 40)}' at {b.first_t:.1f} s" for b in later[:3])
                  if later else "no text after the first 3 s besides a CTA")
        parts.append(Part("points on screen after the hook", value, 0.15, ctx.ocr_conf, "onscreen_text",
                          (Evidence(source="onscreen_text", detail=detail, value=float(len(later))),)))
    parts.append(_cta_on_screen(inputs, ctx))
    spoken, speech_ev = _speech(inputs)
    if spoken is False:
        parts.append(Part("speech shown as text", 0.0, 0.0, "high", "audio_features", (
            Evidence(source=speech_ev.source if speech_ev else "audio",
                     detail="nothing is spoken: the screen carries everything" + (f" ({speech_ev.detail})" if speech_ev else "")),)))
    elif spoken is None:
        parts.append(_missing("speech times with text on screen", 0.15, "audio_features", inputs))
        parts.append(_missing("spoken words shown on screen", 0.10, "transcript", inputs))
    else:
        parts.append(_speech_times_covered(inputs, ctx))
        parts.append(_spoken_words_on_screen(inputs, ctx))
    return parts


def _is_only_cta(text: str) -> bool:
    ctas = find_ctas(text)
    rest = text
    for c in ctas:
        rest = rest.replace(c, " ")
    return bool(ctas) and len(re.findall(r"[a-z]{3,}", rest.lower())) <= 3


def _cta_on_screen(inputs: ScoringInputs, ctx: _Context) -> Part:
    label = "CTA on screen"
    onscreen = [(ln, c) for ln in _lines(ctx.ocr or ()) for c in find_ctas(ln.text)]
    if onscreen:
        ln, cta = onscreen[0]
        return Part(label, 10.0, 0.10, ctx.ocr_conf, "onscreen_text", (Evidence(
            source="onscreen_text", frame=ln.frame, t=ln.t, text=_quote(ln.text),
            detail=f"CTA '{cta}' on screen at {ln.t:.1f} s ({ln.frame})"),))
    if ctx.ocr is None:
        return _missing(label, 0.10, "onscreen_text", inputs)
    caption_ctas = find_ctas(inputs.caption or "")
    if caption_ctas:
        # The caption shows with the sound off, but small and folded: half-way between on screen and not.
        return Part(label, 6.0, 0.10, ctx.ocr_conf, "onscreen_text", (Evidence(
            source="caption", text=caption_ctas[0],
            detail=f"CTA '{caption_ctas[0]}' only in the caption (readable with the sound off, not on screen)"),))
    transcript = inputs.transcript
    spoken = find_ctas(transcript.text) if transcript is not None and transcript.status in USABLE else []
    if spoken:
        return Part(label, 0.0, 0.10, ctx.transcript_conf, "transcript", (Evidence(
            source="transcript", text=spoken[0], detail=f"CTA '{spoken[0]}' only spoken, not on screen"),))
    return Part(label, 0.0, 0.0, "high", "onscreen_text",
                (Evidence(source="caption", detail="no CTA on screen, in the caption or in speech (CTA score covers it)"),))


def _speech_times_covered(inputs: ScoringInputs, ctx: _Context) -> Part:
    label = "speech times with text on screen"
    audio = inputs.audio
    if audio is None or audio.status not in USABLE or not audio.speech:
        return _missing(label, 0.15, "audio_features", inputs,
                        f"no voice-activity spans: '{label}' held at neutral 5" if audio is not None else "")
    if ctx.ocr is None:
        return _missing(label, 0.15, "onscreen_text", inputs)
    known = covered = 0.0
    uncovered: list[str] = []
    for span in sorted(audio.speech, key=lambda s: s.start):
        near = [r for r in ctx.ocr if span.start - 0.5 <= r.t <= span.end + 0.5]
        if not near or span.duration <= 0:
            continue
        known += span.duration
        if any(_lines([r]) for r in near):
            covered += span.duration
        else:
            uncovered.append(f"{span.start:.1f}-{span.end:.1f} s")
    if known == 0:
        return _missing(label, 0.15, "onscreen_text", inputs,
                        f"no keyframe falls in a speech span: '{label}' held at neutral 5")
    share = covered / known
    detail = f"text on screen during {share:.0%} of the speech"
    if uncovered:
        detail += f"; voice without text at {', '.join(uncovered[:3])}"
    return Part(label, 10.0 * share, 0.15, _weakest(_stage_confidence(inputs, "audio_features", audio.status), ctx.ocr_conf),
                "audio_features", (Evidence(source="audio", detail=detail, value=round(share, 3)),))


def _spoken_words_on_screen(inputs: ScoringInputs, ctx: _Context) -> Part:
    label = "spoken words shown on screen"
    transcript = inputs.transcript
    if transcript is None or transcript.status not in USABLE:
        return _missing(label, 0.10, "transcript", inputs)
    if not transcript.text.strip():
        return _missing(label, 0.10, "transcript", inputs, f"transcript has no words: '{label}' held at neutral 5")
    shown = " ".join(ln.text for ln in _lines(ctx.ocr or ()))
    # hook_overlap: share of the first text's content words (stemmed, stopwords out) found in the second.
    overlap = hook_overlap(transcript.text, shown) if shown else 0.0
    if overlap is None:
        return _missing(label, 0.10, "transcript", inputs, f"no content words spoken: '{label}' held at neutral 5")
    confidence = _stage_confidence(inputs, "transcript", transcript.status)
    return Part(label, 10.0 * overlap, 0.10, confidence, "transcript", (Evidence(
        source="transcript", value=round(overlap, 3), text=_quote(transcript.text),
        detail=f"{overlap:.0%} of the spoken content words also on screen ('{_quote(transcript.text, 50)}')"),))


def _nothing_found(label: str, value: float, weight: float, ctx: _Context, detail: str) -> Part:
    """A part scored on words not being found anywhere; as sure as the text sources searched."""
    note = "" if ctx.words_conf == "high" else (
        f"'{label}' (nothing found) kept at {CONFIDENCE_KEEP[ctx.words_conf]:.0%} of its distance from 5: {ctx.words_gap}")
    return Part(label, value, weight, ctx.words_conf, "text search", (Evidence(source="caption", detail=detail),), note=note)


def _weakest(*confidences: Confidence) -> Confidence:
    return min(confidences, key=lambda c: CONFIDENCE_KEEP[c])


def _aesthetics(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    parts: list[Part] = []
    frames = ctx.frames
    specs: tuple[tuple[str, float, Callable[[FrameStats], float], Curve, str], ...] = (
        ("sharpness", 0.30, lambda f: f.sharpness, SHARPNESS_CURVE, "sharpness {:.0f}"),
        ("exposure", 0.20, lambda f: f.brightness, EXPOSURE_CURVE, "brightness {:.2f}"),
        ("contrast", 0.15, lambda f: f.contrast, CONTRAST_CURVE, "contrast {:.2f}"),
        ("colour", 0.10, lambda f: f.colourfulness, COLOUR_CURVE, "colourfulness {:.0f}"),
    )
    for label, weight, feature, points, fmt in specs:
        if not frames:
            parts.append(_missing(label, weight, "visual_tags", inputs))
            continue
        values = [curve(feature(f), points) for f in frames]
        worst = min(frames, key=lambda f: (curve(feature(f), points), feature(f), f.t))
        median = statistics.median(feature(f) for f in frames)
        detail = f"median {fmt.format(median)} over {len(frames)} keyframes; weakest {worst.frame} at {worst.t:.1f} s ({fmt.format(feature(worst))})"
        parts.append(Part(label, _mean(values), weight, ctx.frames_conf, "visual_tags",
                          (Evidence(source="visual", frame=worst.frame, t=worst.t, value=round(float(median), 4), detail=detail),)))
    parts.append(_clip_part("CLIP aesthetics", 0.25, inputs, "aesthetics", CLIP_AESTHETICS))
    return parts


def _clip_part(label: str, weight: float, inputs: ScoringInputs, family: str, values: dict[str, float]) -> Part:
    if not clip_available(inputs):
        return _clip_missing(label, weight, inputs)
    tags = [t for t in clip_tags(inputs, family) if t.label in values]
    if not tags:
        return Part(label, 0.0, 0.0, "high", "CLIP", (Evidence(source="visual", detail=f"no CLIP {family} tag"),))
    tag = tags[0]
    return Part(label, values[tag.label], weight, "high", "CLIP", (Evidence(
        source="visual", value=round(tag.score, 3), detail=f"CLIP {family} '{tag.label}' ({tag.score:.2f}){_tag_frames(tag)}"),))


def _composition(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    parts: list[Part] = []
    if not ctx.frames:
        parts.append(_missing("subject placement", 0.45, "visual_tags", inputs))
    else:
        placed: list[tuple[float, FrameStats, str]] = []
        for f in ctx.frames:
            centre = face_centre(f)
            if centre is not None:
                face = f.faces[0]
                if (face.x <= EDGE_MARGIN or face.y <= EDGE_MARGIN or face.x + face.w >= 1 - EDGE_MARGIN
                        or face.y + face.h >= 1 - EDGE_MARGIN):
                    placed.append((2.0, f, "face cut off at the frame edge"))
                elif f.thirds >= THIRDS_POINT:
                    placed.append((10.0, f, f"face on a thirds point (closeness {f.thirds:.2f})"))
                elif abs(centre[0] - 0.5) <= CENTRE_TOLERANCE:
                    placed.append((9.0, f, "face centred"))
                else:
                    placed.append((6.0, f, f"face off-centre (x {centre[0]:.2f})"))
            elif f.thirds > 0:
                # 0 means centred, far off or no subject at all: only a positive closeness places it.
                value = 10.0 if f.thirds >= THIRDS_POINT else 6.0 + 5.0 * f.thirds
                placed.append((value, f, f"subject near a thirds point (closeness {f.thirds:.2f})"))
        if placed:
            worst = min(placed, key=lambda p: (p[0], p[1].t))
            best = max(placed, key=lambda p: (p[0], -p[1].t))
            evidence = [_frame_ev(best[1], f"{best[1].frame} at {best[1].t:.1f} s: {best[2]}")]
            if worst is not best:
                evidence.append(_frame_ev(worst[1], f"{worst[1].frame} at {worst[1].t:.1f} s: {worst[2]}"))
            parts.append(Part("subject placement", _mean([p[0] for p in placed]), 0.45, ctx.frames_conf, "visual_tags",
                              tuple(evidence)))
        else:
            parts.append(Part("subject placement", None, 0.45, "low", "visual_tags",
                              note="no subject located on any keyframe: 'subject placement' held at neutral 5"))
    lines = _lines(ctx.ocr or ())
    if ctx.ocr is None:
        parts.append(_missing("text inside the safe zone", 0.35, "onscreen_text", inputs))
    elif lines:
        share, detail = _safe_zone_share(lines)
        parts.append(Part("text inside the safe zone", 10.0 * share, 0.35, ctx.ocr_conf, "onscreen_text",
                          (Evidence(source="onscreen_text", detail=detail, value=round(share, 3)),)))
    parts.append(_vertical_frame("vertical 9:16 frame", 0.20, inputs))
    return parts


def _vertical_frame(label: str, weight: float, inputs: ScoringInputs) -> Part:
    if not inputs.width or not inputs.height:
        return Part(label, 0.0, 0.0, "high", "media", ())
    ratio = inputs.height / inputs.width
    if 1.7 <= ratio <= 1.8:
        value, shape = 10.0, "9:16"
    elif ratio > 1.05:
        value, shape = 7.0, "vertical, not 9:16"
    elif ratio >= 0.95:
        value, shape = 4.0, "square"
    else:
        value, shape = 1.0, "landscape"
    return Part(label, value, weight, "high", "media", (Evidence(
        source="media", value=round(ratio, 3), detail=f"{inputs.width}x{inputs.height} ({shape})"),))


def _motion_dynamics(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    scenes = ctx.scenes
    if scenes is None:
        return [_missing("motion energy", 0.5, "scene_cuts", inputs), _missing("cuts per 10 s", 0.5, "scene_cuts", inputs)]
    parts: list[Part] = []
    if scenes.motion_energy:
        energy = scenes.motion_energy
        mean = _mean(energy)
        frozen = [i for i, e in enumerate(energy) if e < FROZEN_MOTION]
        value = curve(mean, MOTION_CURVE) * (1 - 0.5 * len(frozen) / len(energy))
        detail = f"mean motion energy {mean:.3f} over {len(energy)} s"
        if frozen:
            detail += f"; frozen picture in {len(frozen)} s (from {frozen[0]} s)"
        parts.append(Part("motion energy", value, 0.5, ctx.scenes_conf, "scene_cuts",
                          (Evidence(source="scene_cuts", value=round(mean, 4), detail=detail),)))
    else:
        parts.append(_missing("motion energy", 0.5, "scene_cuts", inputs, "no motion energy measured: 'motion energy' held at neutral 5"))
    parts.append(_cut_rate(inputs, ctx, 0.5))
    return parts


def _cut_rate(inputs: ScoringInputs, ctx: _Context, weight: float) -> Part:
    scenes = ctx.scenes
    duration = ctx.duration or (scenes.analysed_seconds if scenes else 0.0)
    if scenes is None or duration <= 0:
        return _missing("cuts per 10 s", weight, "scene_cuts", inputs)
    rate = len(scenes.cuts) * 10.0 / duration
    detail = f"{len(scenes.cuts)} cuts in {duration:.1f} s ({rate:.1f} per 10 s)"
    if scenes.cuts:
        detail += f", first at {scenes.cuts[0].t:.1f} s"
    return Part("cuts per 10 s", curve(rate, CUT_RATE_CURVE), weight, ctx.scenes_conf, "scene_cuts",
                (Evidence(source="scene_cuts", value=round(rate, 3), detail=detail,
                          t=scenes.cuts[0].t if scenes.cuts else None),))


def _camera_work(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    scenes = ctx.scenes
    parts: list[Part] = []
    if scenes is None:
        parts += [_missing("shot-length variety", 0.30, "scene_cuts", inputs), _missing("longest shot", 0.25, "scene_cuts", inputs),
                  _missing("movement", 0.25, "scene_cuts", inputs)]
    else:
        shots = [s for s in scenes.shot_lengths if s > 0]
        if len(shots) <= 1:
            only = shots[0] if shots else ctx.duration
            parts.append(Part("shot-length variety", 2.0, 0.30, ctx.scenes_conf, "scene_cuts", (
                Evidence(source="scene_cuts", value=round(only, 2), detail=f"one shot of {only:.1f} s: no editing"),)))
        else:
            variation = statistics.pstdev(shots) / _mean(shots)
            parts.append(Part("shot-length variety", curve(variation, SHOT_VARIETY_CURVE), 0.30, ctx.scenes_conf, "scene_cuts", (
                Evidence(source="scene_cuts", value=round(variation, 3),
                         detail=f"{len(shots)} shots of {min(shots):.1f}-{max(shots):.1f} s (variation {variation:.2f})"),)))
        if shots:
            longest = max(shots)
            index = shots.index(longest)
            start = sum(shots[:index])
            parts.append(Part("longest shot", curve(longest, LONGEST_SHOT_CURVE), 0.25, ctx.scenes_conf, "scene_cuts", (
                Evidence(source="scene_cuts", t=round(start, 3), value=round(longest, 2),
                         detail=f"longest shot {longest:.1f} s from {start:.1f} s"),)))
        else:
            parts.append(_missing("longest shot", 0.25, "scene_cuts", inputs, "no shot lengths: 'longest shot' held at neutral 5"))
        if scenes.motion_energy:
            mean = _mean(scenes.motion_energy)
            word = "locked-off" if mean < FROZEN_MOTION else "shaky or chaotic" if mean > 0.15 else "moving"
            parts.append(Part("movement", curve(mean, MOVEMENT_CURVE), 0.25, ctx.scenes_conf, "scene_cuts", (
                Evidence(source="scene_cuts", value=round(mean, 4), detail=f"mean motion energy {mean:.3f} ({word})"),)))
        else:
            parts.append(_missing("movement", 0.25, "scene_cuts", inputs, "no motion energy measured: 'movement' held at neutral 5"))
    if not clip_available(inputs):
        parts.append(_clip_missing("shot-type variety", 0.20, inputs))
    else:
        shot_types = clip_tags(inputs, "shot_type")
        value = 5.0 if len(shot_types) <= 1 else 8.0 if len(shot_types) == 2 else 10.0
        names = ", ".join(t.label for t in shot_types) or "none"
        parts.append(Part("shot-type variety", value if shot_types else 3.0, 0.20, "high", "CLIP",
                          (Evidence(source="visual", detail=f"CLIP shot types: {names}", value=float(len(shot_types))),)))
    return parts


def _pattern_interrupt(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    parts: list[Part] = []
    scenes = ctx.scenes
    if scenes is None:
        parts.append(_missing("cut in the first 3 s", 0.40, "scene_cuts", inputs))
        parts.append(_missing("motion in the first 3 s", 0.15, "scene_cuts", inputs))
    else:
        cut = next((c for c in sorted(scenes.cuts, key=lambda c: c.t) if c.t < HOOK_WINDOW_SECONDS), None)
        if cut is not None:
            parts.append(Part("cut in the first 3 s", 10.0 if cut.t <= 2.0 else 8.0, 0.40, ctx.scenes_conf, "scene_cuts",
                              (Evidence(source="scene_cuts", t=cut.t, value=cut.t, detail=f"first cut at {cut.t:.1f} s"),)))
        else:
            first = f"first cut at {scenes.cuts[0].t:.1f} s" if scenes.cuts else "no cut at all"
            parts.append(Part("cut in the first 3 s", 0.0, 0.40, ctx.scenes_conf, "scene_cuts",
                              (Evidence(source="scene_cuts", t=scenes.cuts[0].t if scenes.cuts else None,
                                        detail=f"no cut in the first 3 s ({first})"),)))
        early = scenes.motion_energy[:3]
        if early:
            mean = _mean(early)
            parts.append(Part("motion in the first 3 s", curve(mean, MOTION_CURVE), 0.15, ctx.scenes_conf, "scene_cuts",
                              (Evidence(source="scene_cuts", t=0.0, value=round(mean, 4),
                                        detail=f"motion energy {mean:.3f} in the first 3 s"),)))
        else:
            parts.append(_missing("motion in the first 3 s", 0.15, "scene_cuts", inputs,
                                  "no motion energy measured: 'motion in the first 3 s' held at neutral 5"))
    early_frames = [f for f in ctx.frames if f.t <= HOOK_WINDOW_SECONDS]
    if len(early_frames) < 2:
        parts.append(_missing("colour or brightness jump in the first 3 s", 0.30, "visual_tags", inputs,
                              "" if not ctx.frames else "fewer than two keyframes in the first 3 s: "
                              "'colour or brightness jump in the first 3 s' held at neutral 5"))
    else:
        jumps = colour_jumps(early_frames)
        if jumps:
            a, b, what = jumps[0]
            parts.append(Part("colour or brightness jump in the first 3 s", 10.0, 0.30, ctx.frames_conf, "visual_tags",
                              (_frame_ev(b, f"{what} between {a.frame} ({a.t:.1f} s) and {b.frame} ({b.t:.1f} s)"),)))
        else:
            biggest = 0.0
            for a, b in pairwise(early_frames):
                biggest = max(biggest, abs(b.brightness - a.brightness) / JUMP_SCALE["brightness"],
                              abs(b.colourfulness - a.colourfulness) / JUMP_SCALE["colourfulness"],
                              abs(b.contrast - a.contrast) / JUMP_SCALE["contrast"])
            parts.append(Part("colour or brightness jump in the first 3 s", 10.0 * min(1.0, biggest), 0.30, ctx.frames_conf,
                              "visual_tags", (Evidence(source="visual", value=round(biggest, 3),
                                                       detail=f"no colour or brightness jump across {', '.join(f.frame for f in early_frames)} "
                                                              f"(largest change {biggest:.0%} of a jump)"),)))
    if not clip_available(inputs):
        parts.append(_clip_missing("early shot type", 0.15, inputs))
    else:
        times = {f.frame: f.t for f in ctx.frames}
        early_types = [t for t in clip_tags(inputs, "shot_type")
                       if any(times.get(fr, math.inf) <= HOOK_WINDOW_SECONDS for fr in t.frames)]
        striking = [t for t in early_types if t.label in ("wide shot", "overhead shot")]
        value = 10.0 if striking else 8.0 if len(early_types) >= 2 else 3.0
        names = ", ".join(t.label for t in early_types) or "none"
        parts.append(Part("early shot type", value, 0.15, "high", "CLIP",
                          (Evidence(source="visual", detail=f"CLIP shot types in the first 3 s: {names}"),)))
    return parts


def _text_legibility(inputs: ScoringInputs, ctx: _Context) -> tuple[list[Part], str]:
    if ctx.ocr is None:
        return [_missing("on-screen text", 1.0, "onscreen_text", inputs)], ""
    lines = _lines(ctx.ocr)
    if not lines:
        return [Part("on-screen text", 1.0, 1.0, "high", "onscreen_text", (Evidence(
            source="onscreen_text", detail=f"no on-screen text on {len(ctx.ocr)} keyframes"),))], \
            "no on-screen text: nothing to read"
    sizes = [(curve(font_height(ln.line), TEXT_SIZE_CURVE), ln) for ln in lines]
    smallest = min(sizes, key=lambda s: (s[0], s[1].t))[1]
    largest = max(sizes, key=lambda s: (s[0], -s[1].t))[1]
    size_ev = [Evidence(source="onscreen_text", frame=smallest.frame, t=smallest.t, text=_quote(smallest.text),
                        value=round(font_height(smallest.line), 4),
                        detail=f"smallest text '{_quote(smallest.text, 40)}' at {smallest.t:.1f} s ({smallest.frame}): font "
                               f"{font_height(smallest.line):.1%} of frame height (box {smallest.line.text_height:.1%})")]
    if largest is not smallest:
        size_ev.append(Evidence(source="onscreen_text", frame=largest.frame, t=largest.t, text=_quote(largest.text),
                                value=round(font_height(largest.line), 4),
                                detail=f"largest text '{_quote(largest.text, 40)}': font {font_height(largest.line):.1%} of frame height"))
    share, place_detail = _safe_zone_share(lines)
    confidence = _mean([ln.line.confidence for ln in lines])
    return [
        Part("text size", _mean([s for s, _ in sizes]), 0.45, ctx.ocr_conf, "onscreen_text", tuple(size_ev)),
        Part("text inside the safe zone", 10.0 * share, 0.30, ctx.ocr_conf, "onscreen_text",
             (Evidence(source="onscreen_text", value=round(share, 3), detail=place_detail),)),
        Part("text crispness (OCR confidence)", curve(confidence, OCR_CONFIDENCE_CURVE), 0.25, ctx.ocr_conf, "onscreen_text",
             (Evidence(source="onscreen_text", value=round(confidence, 3), detail=f"mean OCR confidence {confidence:.2f}"),)),
    ], ""


def _text_timing(inputs: ScoringInputs, ctx: _Context) -> tuple[list[Part], str]:
    if ctx.ocr is None:
        return [_missing("on-screen text", 1.0, "onscreen_text", inputs)], ""
    if not ctx.blocks:
        return [Part("on-screen text", 1.0, 1.0, "high", "onscreen_text", (Evidence(
            source="onscreen_text", detail=f"no on-screen text on {len(ctx.ocr)} keyframes"),))], \
            "no on-screen text: nothing to time"
    first = ctx.blocks[0]
    parts = [Part("first text on screen", curve(first.first_t, FIRST_TEXT_CURVE), 0.40, ctx.ocr_conf, "onscreen_text", (
        Evidence(source="onscreen_text", t=first.first_t, frame=first.frames[0], text=_quote(first.text), value=first.first_t,
                 detail=f"first text '{_quote(first.text, 40)}' at {first.first_t:.1f} s ({first.frames[0]})"),))]
    ratios = []
    short: list[tuple[float, _Block, float]] = []
    for block in ctx.blocks:
        need = max(MIN_READ_SECONDS, len(block.text) / READING_CPS)
        ratio = min(1.0, block.seconds / need)
        ratios.append(ratio)
        short.append((ratio, block, need))
    worst_ratio, worst, need = min(short, key=lambda s: (s[0], s[1].first_t))
    detail = (f"'{_quote(worst.text, 40)}' ({len(worst.text)} characters) on screen about {worst.seconds:.1f} s "
              f"({worst.start:.1f}-{worst.end:.1f} s), {need:.1f} s needed at {READING_CPS:g} characters/s")
    ok = sum(1 for r in ratios if r >= 1.0)
    parts.append(Part("time to read each text block", 10.0 * _mean(ratios), 0.60, _weakest(ctx.ocr_conf, "medium"), "onscreen_text", (
        Evidence(source="onscreen_text", value=round(_mean(ratios), 3),
                 detail=f"{ok} of {len(ratios)} text blocks on screen long enough to read"),
        Evidence(source="onscreen_text", t=worst.first_t, frame=worst.frames[0], text=_quote(worst.text), value=round(worst.seconds, 2),
                 detail=("shortest: " if worst_ratio >= 1.0 else "too short: ") + detail)),
        note="'time to read each text block' kept at 80 %: on-screen time is estimated from keyframes"))
    return parts, ""


def _emotion(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    parts: list[Part] = []
    if not clip_available(inputs):
        parts.append(_clip_missing("CLIP emotion", 0.30, inputs))
    else:
        tags = [t for t in clip_tags(inputs, "emotion") if t.label in CLIP_EMOTION_STRENGTH]
        if tags:
            tag = tags[0]
            parts.append(Part("CLIP emotion", CLIP_EMOTION_STRENGTH[tag.label], 0.30, "high", "CLIP", (Evidence(
                source="visual", value=round(tag.score, 3), detail=f"CLIP emotion '{tag.label}' ({tag.score:.2f}){_tag_frames(tag)}"),)))
        else:
            parts.append(Part("CLIP emotion", 2.0, 0.30, "high", "CLIP",
                              (Evidence(source="visual", detail="CLIP sees no person showing an emotion"),)))
    if not ctx.frames:
        parts.append(_missing("faces", 0.15, "visual_tags", inputs))
        parts.append(_missing("colour and contrast", 0.20, "visual_tags", inputs))
    else:
        biggest = max(ctx.frames, key=lambda f: (f.face_area, -f.t))
        if biggest.faces:
            value = 6.0 + 4.0 * min(1.0, biggest.face_area / CLOSE_UP_AREA)
            ev = _frame_ev(biggest, f"face on {sum(1 for f in ctx.frames if f.faces)} keyframes, largest "
                                    f"{biggest.face_area:.1%} of the frame at {biggest.t:.1f} s", biggest.face_area)
        else:
            value = 2.0
            ev = Evidence(source="visual", detail=f"no face on {len(ctx.frames)} keyframes")
        parts.append(Part("faces", value, 0.15, ctx.frames_conf, "visual_tags", (ev,)))
        vivid = _mean([0.6 * curve(f.colourfulness, COLOUR_CURVE) + 0.4 * curve(f.contrast, CONTRAST_CURVE) for f in ctx.frames])
        colour = statistics.median(f.colourfulness for f in ctx.frames)
        parts.append(Part("colour and contrast", vivid, 0.20, ctx.frames_conf, "visual_tags", (Evidence(
            source="visual", value=round(float(colour), 2),
            detail=f"median colourfulness {colour:.0f}, contrast {statistics.median(f.contrast for f in ctx.frames):.2f}"),)))
    parts.append(_sound_feel(inputs))
    found = find_phrases(EMOTION_PATTERNS, ctx.snippets)
    if found:
        hit = found[0]
        parts.append(Part("emotion words", 9.0, 0.10, "high", hit.snippet.source, (Evidence(
            source=hit.snippet.source, t=hit.snippet.t, frame=hit.snippet.frame, text=_quote(hit.snippet.text),
            detail=f"{hit.label} in words: '{hit.phrase}' {hit.snippet.where()}"),)))
    else:
        parts.append(_nothing_found("emotion words", 3.0, 0.10, ctx, "no emotion words in the caption, on screen or in speech"))
    return parts


def _sound_feel(inputs: ScoringInputs) -> Part:
    label = "music and voice"
    audio = inputs.audio
    if audio is None or audio.status not in USABLE:
        if not inputs.has_audio:
            return Part(label, 1.0, 0.25, "high", "media", (Evidence(source="media", detail="no audio stream: silent"),))
        return _missing(label, 0.25, "audio_features", inputs)
    confidence = _stage_confidence(inputs, "audio_features", audio.status)
    if not audio.has_audio:
        return Part(label, 1.0, 0.25, confidence, "audio_features", (Evidence(source="audio", detail="no audio track: silent"),))
    if audio.music_present:
        danceable = audio.bpm is not None and DANCEABLE_BPM[0] <= audio.bpm <= DANCEABLE_BPM[1]
        detail = f"music at {audio.bpm:.0f} BPM" if audio.bpm else "music (tempo unknown)"
        return Part(label, 9.0 if danceable else 8.0, 0.25, confidence, "audio_features",
                    (Evidence(source="audio", value=audio.bpm, detail=detail),))
    ratio = audio.speech_ratio or 0.0
    if ratio >= 0.2:
        return Part(label, 5.0, 0.25, confidence, "audio_features",
                    (Evidence(source="audio", value=ratio, detail=f"voice only ({ratio:.0%} speech), no music"),))
    return Part(label, 2.0, 0.25, confidence, "audio_features",
                (Evidence(source="audio", value=ratio, detail=f"no music and little voice ({ratio:.0%} speech)"),))


def _save_share(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    parts: list[Part] = []
    strong = [s for s in ctx.snippets if s.source != "transcript" or ctx.transcript_strong]
    weak = [s for s in ctx.all_snippets if s.source == "transcript" and not ctx.transcript_strong]
    hits = find_phrases(SAVE_PATTERNS, strong)
    weak_hits = [] if hits else find_phrases(SAVE_PATTERNS, weak)
    if hits or weak_hits:
        found = sorted(hits or weak_hits, key=lambda h: not h.snippet.opening)
        hit = found[0]
        value = 10.0 if hit.snippet.opening or len(found) >= 2 else 7.0
        confidence = "high" if hits else ctx.transcript_conf
        parts.append(Part("list, tips or how-to", value, 0.45, confidence, hit.snippet.source, tuple(
            Evidence(source=h.snippet.source, t=h.snippet.t, frame=h.snippet.frame, text=_quote(h.snippet.text),
                     detail=f"'{h.phrase}' {h.snippet.where()} ('{_quote(h.snippet.text, 50)}')") for h in found[:2])))
    else:
        parts.append(_nothing_found("list, tips or how-to", 2.0, 0.45, ctx,
                                    "no list, tips or how-to in the caption, on screen or in speech"))
    ask = next(((s, m.group(0)) for s in ctx.all_snippets if (m := SAVE_SHARE_ASKS.search(s.text))), None)
    if ask is not None:
        snippet, phrase = ask
        confidence = ctx.transcript_conf if snippet.source == "transcript" else "high"
        parts.append(Part("save or share ask", 10.0, 0.20, confidence, snippet.source, (Evidence(
            source=snippet.source, t=snippet.t, frame=snippet.frame, text=_quote(snippet.text),
            detail=f"'{phrase}' {snippet.where()}"),)))
    else:
        parts.append(_nothing_found("save or share ask", 3.0, 0.20, ctx, "no 'save this' / 'send this to' ask"))
    if ctx.ocr is None:
        parts.append(_missing("text worth coming back to", 0.35, "onscreen_text", inputs))
    else:
        count = len(ctx.blocks)
        value = (0.0, 3.0, 6.0, 8.0)[count] if count < 4 else 10.0
        listed = "; ".join(f"'{_quote(b.text, 30)}'" for b in ctx.blocks[:4])
        parts.append(Part("text worth coming back to", value, 0.35, ctx.ocr_conf, "onscreen_text", (Evidence(
            source="onscreen_text", value=float(count), detail=f"{count} distinct text blocks on screen" + (f": {listed}" if listed else "")),)))
    return parts


def _loopability(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    parts: list[Part] = []
    if ctx.duration > 0:
        parts.append(Part("length", curve(ctx.duration, LOOP_LENGTH_CURVE), 0.55, "high", "media",
                          (Evidence(source="media", value=round(ctx.duration, 2), detail=f"{ctx.duration:.1f} s long"),)))
    else:
        parts.append(Part("length", None, 0.55, "low", "media", note="duration unknown: 'length' held at neutral 5"))
    if len(ctx.frames) < 2:
        parts.append(_missing("end flows into the start", 0.25, "visual_tags", inputs))
    else:
        start, end = ctx.frames[0], ctx.frames[-1]
        change = max(abs(end.brightness - start.brightness) / JUMP_SCALE["brightness"],
                     abs(end.colourfulness - start.colourfulness) / JUMP_SCALE["colourfulness"],
                     abs(end.contrast - start.contrast) / JUMP_SCALE["contrast"])
        value = 10.0 - 7.0 * min(1.0, change)
        parts.append(Part("end flows into the start", value, 0.25, ctx.frames_conf, "visual_tags", (_frame_ev(
            end, f"last keyframe {end.frame} ({end.t:.1f} s) vs first: brightness {start.brightness:.2f} -> {end.brightness:.2f}, "
                 f"colourfulness {start.colourfulness:.0f} -> {end.colourfulness:.0f}", round(change, 3)),)))
    if ctx.ocr is None or not ctx.ocr:
        parts.append(_missing("no end card", 0.20, "onscreen_text", inputs))
    else:
        last = ctx.ocr[-1]
        text = " ".join(ln.text for ln in _lines([last]))
        card = next((m.group(0) for p in END_CARD_PATTERNS if (m := re.search(p, text, re.IGNORECASE))), None)
        card = card or (find_ctas(text)[0] if find_ctas(text) else None)
        opening = " ".join(ln.text for ln in _lines([ctx.ocr[0]]))
        if card and len(ctx.ocr) > 1 and _jaccard(_tokens(text), _tokens(opening)) >= SAME_TEXT_JACCARD:
            card = None  # the same text from the first frame on: an overlay, not a card the video ends on
        if card:
            static = bool(ctx.scenes and ctx.scenes.motion_energy and ctx.scenes.motion_energy[-1] < FROZEN_MOTION)
            parts.append(Part("no end card", 1.0 if static else 3.0, 0.20, ctx.ocr_conf, "onscreen_text", (Evidence(
                source="onscreen_text", frame=last.frame, t=last.t, text=_quote(text),
                detail=f"ends on a card: '{_quote(text, 40)}' at {last.t:.1f} s ({last.frame})" + (" over a frozen picture" if static else "")),)))
        else:
            parts.append(Part("no end card", 10.0, 0.20, ctx.ocr_conf, "onscreen_text", (Evidence(
                source="onscreen_text", frame=last.frame, t=last.t,
                detail=f"no end card on the last keyframe ({last.frame} at {last.t:.1f} s)"),)))
    return parts


def _trend_sound(inputs: ScoringInputs) -> Part:
    label = "music at a danceable tempo"
    audio = inputs.audio
    if audio is None or audio.status not in USABLE:
        if not inputs.has_audio:
            return Part(label, 0.0, 0.30, "high", "media", (Evidence(source="media", detail="no audio stream: no sound"),))
        return _missing(label, 0.30, "audio_features", inputs)
    confidence = _stage_confidence(inputs, "audio_features", audio.status)
    if not audio.has_audio:
        return Part(label, 0.0, 0.30, confidence, "audio_features", (Evidence(source="audio", detail="no audio track: no sound"),))
    if audio.music_present:
        if audio.bpm is None:
            return Part(label, 8.0, 0.30, confidence, "audio_features", (Evidence(source="audio", detail="music, tempo unknown"),))
        danceable = DANCEABLE_BPM[0] <= audio.bpm <= DANCEABLE_BPM[1]
        return Part(label, 10.0 if danceable else 7.0, 0.30, confidence, "audio_features", (Evidence(
            source="audio", value=audio.bpm,
            detail=f"music at {audio.bpm:.0f} BPM ({'danceable' if danceable else 'outside'} {DANCEABLE_BPM[0]:.0f}-{DANCEABLE_BPM[1]:.0f})"),))
    ratio = audio.speech_ratio or 0.0
    return Part(label, 5.0 if ratio >= 0.2 else 2.0, 0.30, confidence, "audio_features", (Evidence(
        source="audio", value=ratio, detail=f"no music; voice on {ratio:.0%} of the duration"),))


def _hashtag_kinds(inputs: ScoringInputs) -> list[tuple[str, str]]:
    """(tag, kind) per hashtag: caption analysis when it ran, else the lexicon's broad/bait lists."""
    if inputs.caption_analysis is not None and inputs.caption_analysis.hashtags:
        return [(h.tag, h.kind) for h in inputs.caption_analysis.hashtags]
    out = []
    for tag in inputs.hashtags:
        kind = "spam" if tag in BAIT_HASHTAGS else "broad" if tag in BROAD_HASHTAGS else "niche"
        out.append((tag, kind))
    return out


def _trend_alignment(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    parts = [_vertical_frame("vertical 9:16 frame", 0.25, inputs)]
    if ctx.duration > 0:
        parts.append(Part("length for the feed", curve(ctx.duration, TREND_DURATION_CURVE), 0.20, "high", "media",
                          (Evidence(source="media", value=round(ctx.duration, 2), detail=f"{ctx.duration:.1f} s (21-34 s recommended)"),)))
    else:
        parts.append(Part("length for the feed", None, 0.20, "low", "media", note="duration unknown: 'length for the feed' held at neutral 5"))
    parts.append(_trend_sound(inputs))
    kinds = _hashtag_kinds(inputs)
    niche = [t for t, k in kinds if k == "niche"]
    brand = [t for t, k in kinds if k == "brand"]
    spam = (inputs.caption_analysis.hashtag_spam if inputs.caption_analysis is not None else False) or any(k == "spam" for _, k in kinds)
    if not kinds:
        value, detail = 1.0, "no hashtags"
    elif len(niche) >= 2:
        value, detail = 10.0, f"niche hashtags #{', #'.join(niche[:4])}"
    elif niche:
        value, detail = 7.0, f"one niche hashtag #{niche[0]}"
    elif brand:
        value, detail = 4.0, f"only brand hashtags #{', #'.join(brand[:3])}"
    else:
        value, detail = 3.0, f"only broad hashtags #{', #'.join(t for t, _ in kinds[:4])}"
    if spam:
        value, detail = min(value, 3.0), detail + "; hashtag stacking or engagement bait"
    parts.append(Part("niche hashtags", value, 0.25, "high", "hashtags",
                      (Evidence(source="hashtags", value=float(len(niche)), detail=detail),)))
    return parts


def _cultural_resonance(inputs: ScoringInputs, ctx: _Context) -> list[Part]:
    parts: list[Part] = []
    if not ctx.frames:
        parts.append(_missing("face to camera", 0.30, "visual_tags", inputs))
    else:
        on_camera = [f for f in ctx.frames if f.face_area >= FACE_TO_CAMERA_AREA]
        talking = [t for t in clip_tags(inputs, "subject") if t.label == "person talking to camera"]
        share = len(on_camera) / len(ctx.frames)
        if on_camera:
            value = 5.0 + 5.0 * min(1.0, share / 0.3)
            ev = _frame_ev(on_camera[0], f"face to camera on {len(on_camera)} of {len(ctx.frames)} keyframes", round(share, 3))
        elif talking:
            value = 8.0
            ev = Evidence(source="visual", detail=f"CLIP sees a person talking to camera{_tag_frames(talking[0])}")
        elif any(f.faces for f in ctx.frames):
            value = 4.0
            ev = Evidence(source="visual", detail="only small faces (under 2 % of the frame)")
        else:
            value = 1.0
            ev = Evidence(source="visual", detail=f"no face on {len(ctx.frames)} keyframes")
        parts.append(Part("face to camera", value, 0.30, ctx.frames_conf, "visual_tags", (ev,)))
    spoken, speech_ev = _speech(inputs)
    audio = inputs.audio
    if audio is not None and audio.status in USABLE and audio.speech_ratio is not None:
        parts.append(Part("voice", curve(audio.speech_ratio, VOICE_CURVE), 0.25, _stage_confidence(inputs, "audio_features", audio.status),
                          "audio_features", (Evidence(source="audio", value=audio.speech_ratio,
                                                      detail=f"voice on {audio.speech_ratio:.0%} of the duration"),)))
    elif spoken is False and speech_ev is not None:
        parts.append(Part("voice", 1.0, 0.25, "high", speech_ev.source, (speech_ev,)))
    else:
        parts.append(_missing("voice", 0.25, "audio_features", inputs))
    if ctx.ocr is None or not ctx.ocr:
        parts.append(_missing("on-screen captions", 0.20, "onscreen_text", inputs))
    else:
        with_text = sum(1 for r in ctx.ocr if _lines([r]))
        share = with_text / len(ctx.ocr)
        parts.append(Part("on-screen captions", curve(share, TEXT_COVERAGE_CURVE), 0.20, ctx.ocr_conf, "onscreen_text", (
            Evidence(source="onscreen_text", value=round(share, 3), detail=f"text on {with_text} of {len(ctx.ocr)} keyframes"),)))
    kinds = _hashtag_kinds(inputs)
    community = [t for t, k in kinds if k == "niche" and t.endswith("tok") and len(t) > 3]
    niche = [t for t, k in kinds if k == "niche"]
    if community:
        value, detail = 10.0, f"community hashtag #{community[0]}"
    elif niche:
        value, detail = 7.0, f"niche hashtags #{', #'.join(niche[:3])}"
    elif kinds:
        value, detail = 3.0, "no community or niche hashtag"
    else:
        value, detail = 1.0, "no hashtags"
    parts.append(Part("community hashtags", value, 0.15, "high", "hashtags", (Evidence(source="hashtags", detail=detail),)))
    parts.append(_clip_part("native phone-footage look", 0.10, inputs, "aesthetics", CLIP_NATIVE_LOOK))
    return parts


def _brand_safety(inputs: ScoringInputs, compliance: Compliance, rule_version: str) -> Score:
    name = "brand_safety"
    caps: list[tuple[float, Evidence]] = []
    for blocker in sorted(compliance.blockers, key=lambda b: (b.platform, b.code)):
        caps.append((2.0, Evidence(source=blocker.evidence[0].source, t=blocker.evidence[0].t, frame=blocker.evidence[0].frame,
                                   text=blocker.evidence[0].text,
                                   detail=f"{blocker.platform} blocker {blocker.code}: {blocker.evidence[0].detail}")))
    for severity, one, more in (("high", 3.0, 2.0), ("medium", 6.0, 5.0), ("low", 8.0, 8.0)):
        flags = sorted((f for f in compliance.flags if f.severity == severity), key=lambda f: f.code)
        for i, flag in enumerate(flags):
            ev = flag.evidence[0]
            caps.append((one if i == 0 else more, Evidence(
                source=ev.source, t=ev.t, frame=ev.frame, text=ev.text,
                detail=f"{severity}-severity {flag.code}: {ev.detail}")))
    clip_ran = clip_available(inputs)
    for tag in clip_tags(inputs, "brand_safety"):
        cap = 3.0 if tag.label in UNSAFE_SEVERE else 6.0 if tag.label in UNSAFE_MEDIUM else None
        if cap is not None:
            caps.append((cap, Evidence(source="visual", value=round(tag.score, 3),
                                       detail=f"CLIP brand-safety '{tag.label}' ({tag.score:.2f}){_tag_frames(tag)}")))
    base = 10.0 if clip_ran else 9.0
    value = min([base, *(c for c, _ in caps)])
    unchecked = []
    if not clip_ran:
        unchecked.append("CLIP unavailable: imagery not checked for unsafe content")
    transcript = inputs.transcript
    if transcript is None or transcript.status not in USABLE:
        spoken, _ = _speech(inputs)
        if spoken is not False:
            unchecked.append("no transcript: spoken claims not checked")
    elif _stage_confidence(inputs, "transcript", transcript.status) == "low":
        unchecked.append("low-confidence transcript: spoken claims may be missed")
    if inputs.onscreen is None:
        unchecked.append("no on-screen text: claims shown as text not checked")
    evidence = [ev for _, ev in sorted(caps, key=lambda c: c[0])][:_MAX_EVIDENCE]
    if not caps:
        evidence = [Evidence(source="caption", detail=f"no policy flag or platform blocker (lexicon {compliance.lexicon_version})")]
    confidence: Confidence = "high" if caps or not unchecked else "medium"
    return Score(name=name, value=to_score_value(value), raw=value, confidence=confidence, shrunk=False,
                 rule=f"{name}@{rule_version}", evidence=tuple(evidence), note=_join(unchecked))


# --- entry point ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What every rule reads, computed once per video."""

    frames: list[FrameStats]
    frames_conf: Confidence
    ocr: list[OCRResult] | None
    ocr_conf: Confidence
    blocks: list[_Block]
    scenes: SceneAnalysis | None
    scenes_conf: Confidence
    duration: float
    snippets: tuple[TextSnippet, ...]  # caption, screen, and the transcript when it is trustworthy
    all_snippets: tuple[TextSnippet, ...]  # ... and the transcript whatever its confidence
    transcript_strong: bool
    transcript_conf: Confidence
    words_conf: Confidence  # how far "no such words anywhere" can be trusted
    words_gap: str  # why not fully, in words


def _context(inputs: ScoringInputs) -> _Context:
    ocr = _ocr(inputs)
    scenes = _scenes(inputs)
    duration = _media_duration(inputs)
    transcript = inputs.transcript
    transcript_conf = _stage_confidence(inputs, "transcript", transcript.status if transcript else None)
    if transcript is not None and inputs.modality("transcript") is None:
        transcript_conf = transcript.confidence
    strong = transcript_usable(inputs)
    spoken, _ = _speech(inputs)
    # "No such words anywhere" is only as sure as the weakest text source that could have carried them.
    if ocr is not None and (spoken is False or strong):
        words_conf: Confidence = "high"
        words_gap = ""
    elif ocr is not None or transcript is not None:
        words_conf = "medium"
        words_gap = "the on-screen text is missing" if ocr is None else "speech was not reliably transcribed"
    else:
        words_conf = "low"
        words_gap = "neither on-screen text nor a transcript was available"
    return _Context(
        frames=_frames(inputs),
        frames_conf=_frames_confidence(inputs),
        ocr=ocr,
        ocr_conf=_ocr_confidence(inputs) if ocr is not None else "low",
        blocks=_blocks(ocr, duration) if ocr else [],
        scenes=scenes,
        scenes_conf=_stage_confidence(inputs, "scene_cuts", scenes.status) if scenes is not None else "low",
        duration=duration,
        snippets=text_snippets(inputs),
        all_snippets=text_snippets(inputs, include_weak_transcript=True),
        transcript_strong=strong,
        transcript_conf=transcript_conf,
        words_conf=words_conf,
        words_gap=words_gap,
    )


def visual_scores(inputs: ScoringInputs, compliance: Compliance, *, rule_version: str) -> tuple[Score, ...]:
    """The sixteen visual-only scores in models.VISUAL_SCORES order, each with its evidence and rule."""
    if not isinstance(inputs, ScoringInputs):
        raise TypeError(f"inputs must be ScoringInputs, got {type(inputs).__name__}")
    if not isinstance(compliance, Compliance):
        raise TypeError(f"compliance must be Compliance, got {type(compliance).__name__}")
    if not isinstance(rule_version, str) or not rule_version.strip():
        raise ValueError(f"rule_version must be a non-empty string, got {rule_version!r}")
    ctx = _context(inputs)
    legibility, legibility_note = _text_legibility(inputs, ctx)
    timing, timing_note = _text_timing(inputs, ctx)
    built = {
        "thumb_stop": combine("thumb_stop", _thumb_stop(inputs, ctx), rule_version),
        "first_frame": combine("first_frame", _first_frame(inputs, ctx), rule_version),
        "silent_comprehension": combine("silent_comprehension", _silent_comprehension(inputs, ctx), rule_version),
        "aesthetics": combine("aesthetics", _aesthetics(inputs, ctx), rule_version),
        "composition": combine("composition", _composition(inputs, ctx), rule_version),
        "motion_dynamics": combine("motion_dynamics", _motion_dynamics(inputs, ctx), rule_version),
        "camera_work": combine("camera_work", _camera_work(inputs, ctx), rule_version),
        "pattern_interrupt": combine("pattern_interrupt", _pattern_interrupt(inputs, ctx), rule_version),
        "text_legibility": combine("text_legibility", legibility, rule_version, extra_note=legibility_note),
        "text_timing": combine("text_timing", timing, rule_version, extra_note=timing_note),
        "emotion": combine("emotion", _emotion(inputs, ctx), rule_version),
        "save_share": combine("save_share", _save_share(inputs, ctx), rule_version),
        "loopability": combine("loopability", _loopability(inputs, ctx), rule_version),
        "trend_alignment": combine("trend_alignment", _trend_alignment(inputs, ctx), rule_version),
        "cultural_resonance": combine("cultural_resonance", _cultural_resonance(inputs, ctx), rule_version),
        "brand_safety": _brand_safety(inputs, compliance, rule_version),
    }
    return tuple(built[name] for name in VISUAL_SCORES)
