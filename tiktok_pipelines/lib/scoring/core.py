"""The six core scores (RUBRIC.md): Hook, Depth, Clarity, Pacing, CTA, Brand Fit.

Each score is a sum of parts ("voice within 1 s", "a mechanism is explained"), each part worth a fixed
number of points, found in one or more channels. A part found only in a weak channel (the offline ASR)
is pulled toward half its points; a part that cannot apply (speech rate in a video without speech) is
left out of the denominator instead of counting as zero. The score is 10 x points / possible points.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tiktok_pipelines.lib.extraction.artifacts import Confidence
from tiktok_pipelines.lib.extraction.lexicons import find_ctas
from tiktok_pipelines.lib.scoring import texts as tx
from tiktok_pipelines.lib.scoring.brand import BrandProfile
from tiktok_pipelines.lib.scoring.inputs import ScoringInputs
from tiktok_pipelines.lib.scoring.models import Compliance, Evidence, Score
from tiktok_pipelines.lib.scoring.scale import CONFIDENCE_RANK, shrink_toward_neutral, to_score_value, weakest

HOOK_WINDOW_S = 3.0
FULL_SPECIFICS = 4  # distinct named specifics for full marks (seed: "ingredients named" + context = 7/10)
BANNED_CLAIM_CAP = 2
LEGIBLE_TEXT_HEIGHT = 0.03


@dataclass
class Part:
    """One thing a score looks for, worth `points`; `value` None means it does not apply to this video."""

    name: str
    points: float
    value: float | None = 0.0
    confidence: Confidence = "high"
    evidence: list[Evidence] = field(default_factory=list)
    note: str = ""
    missing: bool = False  # the stage it reads is missing: counted as neutral

    @property
    def shrunk_value(self) -> float | None:
        if self.value is None:
            return None
        # shrink_toward_neutral works on a 0..10 scale; a part's neutral is half its points.
        return shrink_toward_neutral(10 * self.value / self.points, self.confidence) * self.points / 10


def _offer(part: Part, value: float, confidence: Confidence, evidence: Sequence[Evidence]) -> None:
    """Keep the best-supported reading of a part: a sure 2 beats a doubtful 2 beats nothing."""
    candidate = Part(part.name, part.points, value, confidence)
    if part.value is None or (candidate.shrunk_value or 0) > (part.shrunk_value or 0) or (
            candidate.shrunk_value == part.shrunk_value and CONFIDENCE_RANK[confidence] > CONFIDENCE_RANK[part.confidence]):
        part.value, part.confidence, part.evidence = value, confidence, list(evidence)


def _missing(part: Part, stage: str) -> Part:
    part.value, part.confidence, part.missing = part.points / 2, "low", True
    part.note = f"{stage} missing: counted as neutral"
    return part


def combine(name: str, parts: Sequence[Part], rule_version: str, *, penalty: float = 0.0, penalty_evidence: Sequence[Evidence] = ()) -> Score:
    applicable = [p for p in parts if p.value is not None]
    possible = sum(p.points for p in applicable)
    if possible <= 0:
        return Score(name=name, value=5, raw=5.0, confidence="low", shrunk=True, rule=f"{name}@{rule_version}",
                     note="nothing to judge: no part applies")
    raw_sure = 10 * sum(p.value or 0 for p in applicable) / possible
    raw = 10 * sum(p.shrunk_value or 0 for p in applicable) / possible
    raw = max(0.0, min(10.0, raw - penalty))
    shrunk = abs(raw - max(0.0, min(10.0, raw_sure - penalty))) > 1e-9 or any(p.missing for p in applicable)
    weak = [p for p in applicable if p.confidence != "high"]
    confidence = weakest(p.confidence for p in applicable)
    notes = list(dict.fromkeys(p.note for p in applicable if p.note))
    weak = [p for p in weak if not p.missing]
    if weak and shrunk:
        notes.append("pulled toward neutral: " + ", ".join(f"{p.name} ({p.confidence} confidence)" for p in weak))
    evidence = [e for p in applicable for e in p.evidence] + list(penalty_evidence)
    evidence += [Evidence(source="media", detail=f"{p.name}: not found") for p in applicable
                 if not p.evidence and (p.value or 0) == 0 and not p.note]
    return Score(name=name, value=to_score_value(raw), raw=round(raw, 3), confidence=confidence, shrunk=shrunk,
                 rule=f"{name}@{rule_version}", evidence=tuple(_dedupe(evidence)), note="; ".join(notes)[:500])


def _dedupe(evidence: Sequence[Evidence]) -> list[Evidence]:
    seen, out = set(), []
    for e in evidence:
        if e.detail not in seen:
            seen.add(e.detail)
            out.append(e)
    return out


def _channel_confidence(inputs: ScoringInputs, channel: str) -> Confidence:
    if channel == "transcript":
        return inputs.transcript.confidence if inputs.transcript else "low"
    return "high"


def _unheard(part: Part, inputs: ScoringInputs) -> None:
    """Nothing found, but a weak ASR listened to real speech: what it missed may be there."""
    t = inputs.transcript
    if part.value == 0 and t is not None and t.confidence != "high" and t.speech_seconds >= 2.0:
        # It did hear the speech, just poorly: a missing keyword is weak evidence, not none (medium, not low).
        part.confidence = "medium"
        part.note = part.note or f"not found, but the {t.confidence}-confidence transcript may have missed it"


def _found(part: Part, hits: Sequence[tx.Hit], inputs: ScoringInputs, what: str, value: float | None = None) -> None:
    """Offer each channel's first hit for a part (first by time within a channel)."""
    _unheard(part, inputs)
    by_channel: dict[str, tx.Hit] = {}
    for h in hits:
        by_channel.setdefault(h.piece.channel, h)
    for channel, hit in sorted(by_channel.items()):
        _offer(part, part.points if value is None else value, _channel_confidence(inputs, channel), [hit.evidence(what)])


# --- Hook -------------------------------------------------------------------------------------------

_QUESTION = r"^\s*(?:why|how|what|who|which|when|do|does|did|is|are|can|could|should|would|have|has|ever)\b[^.!]*\?|\?\s*$"
_NUMBER_LIST = (r"(?<!\w)(?:\d+|two|three|four|five|six|seven|eight|nine|ten)\s+(?:\w+\s+)?"
                r"(?:ingredients?|tips?|steps?|ways?|things?|reasons?|mistakes?|products?|hacks?|rules?|signs?|"
                r"secrets?|days?|weeks?|peptides?|serums?|habits?|facts?|myths?)\b")
_CONTRARIAN = r"(?<!\w)(?:stop|never|don'?t|quit|myths?|wrong|lies?|lying|overrated|unpopular opinion|nobody needs|you'?re doing it)(?!\w)"
_CURIOSITY = (r"(?<!\w)(?:secret|nobody (?:tells|talks)|no one (?:tells|talks)|here'?s why|the reason|what happens|"
              r"i tried|until i|you won'?t believe|the truth|what actually|changed my|game changer|finally)(?!\w)")
_SHOCK = r"(?<!\w)(?:shock\w*|insane|unbelievable|mind[- ]?blow\w*|warning|worst|i was wrong|wow|incredible)(?!\w)"
HOOK_PATTERNS: dict[str, str] = {
    "question": _QUESTION, "number list": _NUMBER_LIST, "contrarian": _CONTRARIAN, "curiosity": _CURIOSITY,
    "shock/awe": _SHOCK,
}


def _first_text(inputs: ScoringInputs) -> tx.TextPiece | None:
    return next(iter(tx.distinct_onscreen_lines(inputs)), None)


def hook_score(inputs: ScoringInputs, rule_version: str) -> Score:
    text_part = Part("on-screen hook text in the first second", 2.5)
    voice_part = Part("voice within 1 s", 2.5)
    pattern_part = Part("a hook pattern", 2.0)
    caption_part = Part("caption echoed in the first 3 s", 1.5)
    visual_part = Part("a visual change in the first 3 s", 1.5)

    # On-screen text: when it first appears and whether it can be read.
    if inputs.onscreen is None:
        _missing(text_part, "onscreen_text")
    else:
        first = _first_text(inputs)
        if first is not None and first.t is not None and first.t <= HOOK_WINDOW_S:
            height = max((ln.text_height for f in inputs.onscreen if f.t == first.t for ln in f.lines), default=0.0)
            value = 2.5 if first.t <= 1.0 else 2.0 if first.t <= 2.0 else 1.0
            if height < LEGIBLE_TEXT_HEIGHT:
                value *= 0.6
            _offer(text_part, value, "high", [Evidence(source="onscreen_text", frame=first.frame, t=first.t, text=first.text,
                                                       value=round(height, 4),
                                                       detail=f"first on-screen text '{first.text}' at {first.t:.1f} s ({first.frame}), "
                                                              f"{height:.1%} of frame height")])
        elif first is not None and first.t is not None:
            text_part.evidence.append(Evidence(source="onscreen_text", t=first.t, frame=first.frame, text=first.text,
                                               detail=f"first on-screen text only at {first.t:.1f} s ({first.frame})"))
        else:
            text_part.evidence.append(Evidence(source="onscreen_text", detail="no on-screen text on any keyframe"))

    # Voice onset comes from the voice-activity detector, which is reliable even when the ASR is not.
    if inputs.audio is None:
        _missing(voice_part, "audio_features")
    elif not inputs.audio.has_audio or not inputs.audio.speech:
        voice_part.evidence.append(Evidence(source="audio", detail="no speech in the video" if inputs.audio.has_audio
                                            else "no audio stream"))
    else:
        onset = inputs.audio.speech[0].start
        value = 2.5 if onset <= 1.0 else 1.5 if onset <= 2.0 else 0.8 if onset < HOOK_WINDOW_S else 0.0
        _offer(voice_part, value, "high", [Evidence(source="audio", t=onset, value=round(onset, 2),
                                                    detail=f"voice starts at {onset:.1f} s")])

    # The hook's words: what is shown or said in the first 3 s, and the caption's first line.
    opening = tx.within(tx.pieces(inputs, caption=False), until=HOOK_WINDOW_S)
    hook_line = inputs.caption_analysis.hook if inputs.caption_analysis else tx.caption_body(inputs.caption).split("\n")[0]
    caption_piece = [tx.TextPiece("caption", hook_line, "high")] if hook_line.strip() else []
    for label, pattern in HOOK_PATTERNS.items():
        for hit in tx.find(pattern, opening):
            _offer(pattern_part, 2.0, _channel_confidence(inputs, hit.piece.channel), [hit.evidence(label)])
        for hit in tx.find(pattern, caption_piece):
            _offer(pattern_part, 1.0, "high", [hit.evidence(f"{label} (caption only)")])

    ca = inputs.caption_analysis
    if ca is None:
        _missing(caption_part, "caption_analysis")
    elif not ca.hook:
        caption_part.evidence.append(Evidence(source="caption", detail="the caption has no first line to echo"))
    elif ca.hook_overlap is not None:
        _offer(caption_part, 1.5 * min(1.0, ca.hook_overlap / 0.5), "high",
               [Evidence(source="caption", text=ca.hook, value=round(ca.hook_overlap, 2),
                         detail=f"caption hook '{ca.hook[:60]}' overlaps the first 3 s by {ca.hook_overlap:.0%}")])

    if inputs.scenes is None and inputs.visual is None:
        _missing(visual_part, "scene_cuts and visual_tags")
    else:
        change = 0.0
        ev: list[Evidence] = []
        if inputs.scenes is not None:
            early = [c for c in inputs.scenes.cuts if c.t < HOOK_WINDOW_S]
            if early:
                change += 1.0
                ev.append(Evidence(source="scene_cuts", t=early[0].t, value=early[0].t, detail=f"cut at {early[0].t:.1f} s"))
            motion = inputs.scenes.motion_energy[:3]
            if motion and max(motion) >= 0.04:
                change += 0.5
                ev.append(Evidence(source="scene_cuts", value=round(max(motion), 3),
                                   detail=f"motion energy {max(motion):.2f} in the first 3 s"))
        if inputs.visual is not None:
            first = next((f for f in inputs.visual.frames if f.frame == "t0"), None)
            if first is not None and first.faces:
                change += 0.5
                ev.append(Evidence(source="visual", frame="t0", t=0.0, value=round(first.face_area, 3),
                                   detail=f"a face on the first frame ({first.face_area:.0%} of it)"))
        _offer(visual_part, min(1.5, change), "high", ev)
    return combine("hook", [text_part, voice_part, pattern_part, caption_part, visual_part], rule_version)


# --- Depth ------------------------------------------------------------------------------------------

_SPECIFICS = (r"(?<!\w)(?:\d+(?:[.,]\d+)?\s?(?:%|mg|ml|g|percent|weeks?|days?|months?|minutes?|drops?|times)|"
              r"[1-9][.)]\s+\w+|#[1-9]\s+\w+|step\s+(?:\d+|one|two|three)|first|second|third)")
# Named actives and specifics a hair/skin creator would cite; a brand profile's value props add to it.
_INGREDIENTS = (
    "copper peptides", "peptides", "peptide", "biotin", "caffeine", "rosemary", "niacinamide", "keratin", "collagen",
    "ketoconazole", "zinc", "saw palmetto", "argan", "retinol", "hyaluronic acid", "vitamin c", "vitamin e",
    "amino acids", "ceramides", "salicylic acid", "castor oil", "pumpkin seed", "redensyl", "capixyl", "procapil",
)
_MECHANISM = (r"(?<!\w)(?:because|works by|which means|so that|that'?s why|the reason|this is why|helps?|stimulat\w*|"
              r"boosts?|supports?|strengthens?|nourish\w*|absorbs?|blood flow|follicles?|signals?|binds?|penetrat\w*|"
              r"anchors?|protects?|reduces?)(?!\w)")
_DEMO = (r"(?<!\w)(?:watch|how i|here'?s how|let me show|i(?:'?m| am) (?:applying|using)|apply|applied|massage|"
         r"step|results?|day \d+|week \d+|before|after|i tried|tested|routine|on my scalp|two drops|a few drops)(?!\w)")


def _inside_claim(hit: tx.Hit) -> bool:
    from tiktok_pipelines.lib.extraction.lexicons import find_claims

    end = hit.start + len(hit.phrase)
    return any(c.start < end and hit.start < c.end for c in find_claims(hit.piece.text))


def depth_score(inputs: ScoringInputs, brand: BrandProfile, rule_version: str) -> Score:
    specifics = Part("named specifics (3+)", 4.0)
    mechanism = Part("a mechanism explained", 2.0)
    demo = Part("a demo or proof", 2.5)
    context = Part("the caption adds context", 1.5)
    all_text = tx.pieces(inputs)
    if not all_text and inputs.transcript is None and inputs.onscreen is None:
        for p in (specifics, mechanism, demo):
            _missing(p, "transcript and onscreen_text")

    # Count distinct specifics per confidence: sure ones (screen, caption) and doubtful ones (ASR).
    lexicon = tx.phrase_pattern([*_INGREDIENTS, *brand.value_props])
    named: dict[str, tuple[tx.Hit, Confidence]] = {}
    for hit in tx.find(lexicon, all_text) + tx.find(_SPECIFICS, all_text):
        if _inside_claim(hit):  # "in 7 days" of "cures hair loss in 7 days" is a promise, not a proof point
            continue
        key = " ".join(tx.words(hit.phrase))
        conf = _channel_confidence(inputs, hit.piece.channel)
        if key not in named or CONFIDENCE_RANK[conf] > CONFIDENCE_RANK[named[key][1]]:
            named[key] = (hit, conf)
    # The video has to carry its substance: a specific only the caption names counts half.
    def weight(hits: list[tx.Hit]) -> float:
        return sum(0.5 if h.piece.channel == "caption" else 1.0 for h in hits)

    sure = [h for h, c in named.values() if c == "high"]
    doubtful = [h for h, c in named.values() if c != "high"]
    if sure:
        _offer(specifics, min(4.0, 4.0 * weight(sure) / FULL_SPECIFICS), "high", [h.evidence("specific") for h in sure[:6]])
    if doubtful:
        _offer(specifics, min(4.0, 4.0 * weight(sure + doubtful) / FULL_SPECIFICS), _channel_confidence(inputs, "transcript"),
               [h.evidence("specific") for h in (sure + doubtful)[:6]])
    _unheard(specifics, inputs)
    _found(mechanism, tx.find(_MECHANISM, all_text), inputs, "mechanism")
    # A demo is something the video shows or says; a caption saying "routine" is not one.
    _found(demo, tx.find(_DEMO, [p for p in all_text if p.channel != "caption"]), inputs, "demo/proof")

    body = tx.caption_body(inputs.caption)
    body_words = [w for w in tx.words(body) if len(w) > 2]
    video_words = set(tx.words(" ".join(p.text for p in all_text if p.channel != "caption")))
    new_words = sorted({w for w in body_words if w not in video_words})
    if len(body_words) >= 8 and len(new_words) >= 4:
        _offer(context, 1.5, "high", [Evidence(source="caption", value=len(new_words),
                                               detail=f"caption adds {len(new_words)} words the video does not say or show "
                                                      f"(e.g. {', '.join(new_words[:4])})")])
    elif body_words:
        _offer(context, 0.5, "high", [Evidence(source="caption", value=len(body_words),
                                               detail=f"caption has {len(body_words)} words, little beyond the video")])
    return combine("depth", [specifics, mechanism, demo, context], rule_version)


# --- Clarity ----------------------------------------------------------------------------------------

_STRUCTURE = (r"(?:^\s*(?:[1-9][.):]|#[1-9]|step\s+\d)|(?<!\w)(?:first(?:ly)?|second(?:ly)?|third|next|then|finally|"
              r"lastly|day\s+\d+|week\s+\d+)(?!\w))")
MAX_LINES_ON_A_FRAME = 6  # a numbered list building up on screen is structure, not clutter
_CONNECTIVES = r"(?<!\w)(?:because|so|then|but|first|next|finally|that'?s why|which|and then|after|instead|plus)(?!\w)"


def _supers_while_speaking(part: Part, inputs: ScoringInputs) -> None:
    """With a weak transcript the words cannot be compared, but their timing can: supers that mirror the
    voice are on screen while it speaks. A proxy, so at most medium confidence."""
    spans = inputs.audio.speech if inputs.audio is not None else ()
    speaking = [f for f in inputs.onscreen or () if any(s.start <= f.t <= s.end for s in spans)]
    if not speaking:
        part.value = None
        part.note = "text-speech agreement not judged: the transcript is low confidence"
        return
    covered = [f for f in speaking if any(ln.text_height >= tx.MIN_READABLE_HEIGHT for ln in f.lines)]
    share = len(covered) / len(speaking)
    _offer(part, 3.0 * share, "medium", [Evidence(source="onscreen_text", value=round(share, 2),
                                                  detail=f"text on screen at {len(covered)} of {len(speaking)} keyframes "
                                                         "while the voice speaks")])
    part.note = "text-speech agreement from timing only (low-confidence transcript)"


def clarity_score(inputs: ScoringInputs, rule_version: str) -> Score:
    structure = Part("numbered or stepwise structure", 3.0)
    connectives = Part("connectives", 2.0)
    agreement = Part("on-screen text agrees with the voice", 3.0)
    readable = Part("short, readable lines", 2.0)
    lines = tx.distinct_onscreen_lines(inputs)
    speech = [p for p in tx.pieces(inputs, caption=False) if p.channel == "transcript"]

    markers = tx.find(_STRUCTURE, lines)
    if len({h.piece.text for h in markers}) >= 2:
        _offer(structure, 3.0, "high", [h.evidence("structure") for h in markers[:4]])
    elif markers:
        _offer(structure, 1.5, "high", [markers[0].evidence("structure")])
    sequence = sorted({p.t for p in lines if p.t is not None and len(p.text) <= 42})
    if len(sequence) >= 3:  # short supers arriving one after another read as a sequence even unnumbered
        _offer(structure, 2.0 if len(sequence) >= 4 else 1.5, "high",
               [Evidence(source="onscreen_text", value=len(sequence),
                         detail=f"on-screen lines arrive in sequence at {len(sequence)} moments")])
    spoken = tx.find(_STRUCTURE, speech)
    if len(spoken) >= 2:
        _offer(structure, 3.0, _channel_confidence(inputs, "transcript"), [h.evidence("structure") for h in spoken[:3]])
    caption_markers = tx.find(r"(?<!\w)(?:[1-9][.)]|first|second|third|step)(?!\w)", tx.within(tx.pieces(inputs), channels=["caption"]))
    if caption_markers:
        _offer(structure, 1.0, "high", [caption_markers[0].evidence("structure")])

    hits = tx.find(_CONNECTIVES, tx.pieces(inputs))
    by_conf: dict[Confidence, set[str]] = {}
    for h in hits:
        by_conf.setdefault(_channel_confidence(inputs, h.piece.channel), set()).add(h.phrase.lower())
    for conf, found in by_conf.items():
        _offer(connectives, 2.0 if len(found) >= 3 else 1.0, conf,
               [Evidence(source="transcript" if conf != "high" else "onscreen_text",
                         detail=f"connectives: {', '.join(sorted(found)[:6])}")])

    # Text-speech agreement only applies when there is both; a silent video is judged on its text. A weak
    # transcript cannot tell agreement from mis-hearing (pocketsphinx WER ~0.8 on clear speech), so it
    # does not judge it at all rather than pull every talking video toward 5.
    if not lines or inputs.audio is not None and not inputs.audio.speech:
        agreement.value = None
    elif inputs.transcript is not None and inputs.transcript.confidence == "low":
        _supers_while_speaking(agreement, inputs)
    elif inputs.transcript is None or not speech:
        _missing(agreement, "transcript")
    else:
        shown = {w for p in lines for w in tx.words(p.text) if len(w) > 3}
        said = {w for p in speech for w in tx.words(p.text) if len(w) > 3}
        overlap = len(shown & said) / len(shown) if shown else 0.0
        _offer(agreement, 3.0 * min(1.0, overlap / 0.5), inputs.transcript.confidence,
               [Evidence(source="transcript", value=round(overlap, 2),
                         detail=f"{overlap:.0%} of on-screen words are also said ({len(shown & said)}/{len(shown)})")])

    if inputs.onscreen is None:
        _missing(readable, "onscreen_text")
    elif lines:
        long = [p for p in lines if len(p.text) > 42]
        crowded = max((len(f.lines) for f in inputs.onscreen), default=0)
        value = 2.0 - (1.0 if long else 0.0) - (1.0 if crowded > MAX_LINES_ON_A_FRAME else 0.0)
        ev = [Evidence(source="onscreen_text", value=len(lines), detail=f"{len(lines)} distinct on-screen lines, "
                       f"{len(long)} longer than 42 characters, at most {crowded} lines on one frame")]
        _offer(readable, max(0.0, value), "high", ev)
    elif speech:
        _offer(readable, 1.0, _channel_confidence(inputs, "transcript"),
               [Evidence(source="transcript", detail="message carried by voice only")])
    return combine("clarity", [structure, connectives, agreement, readable], rule_version)


# --- Pacing -----------------------------------------------------------------------------------------

IDEAL_CUTS_PER_10S = (1.5, 4.0)
MAX_SHOT_S = 6.0


def window_rates(cuts_per_10s: Sequence[int], duration: float) -> list[tuple[float, float, float]]:
    """(start, end, cuts per 10 s) for each 10-s window; the last, partial window is scaled to 10 s and
    dropped when shorter than 3 s (one cut in 2 s is not a cadence)."""
    out = []
    for i, n in enumerate(cuts_per_10s):
        start, end = 10.0 * i, min(duration, 10.0 * (i + 1))
        if end - start < 3.0:
            continue
        out.append((start, end, n * 10.0 / (end - start)))
    return out


def pacing_score(inputs: ScoringInputs, rule_version: str) -> Score:
    cadence = Part("1.5-4 cuts per 10 s in every window", 4.0)
    first_cut = Part("first cut within 3 s", 2.0)
    long_shots = Part("no shot over 6 s", 1.5)
    speech_rate = Part("speech at 130-190 words per minute", 1.0)
    dead_air = Part("no dead air", 1.5)
    scenes = inputs.scenes
    if scenes is None:
        for p in (cadence, first_cut, long_shots):
            _missing(p, "scene_cuts")
    else:
        windows = window_rates(scenes.cuts_per_10s, scenes.analysed_seconds or inputs.duration)
        low, high = IDEAL_CUTS_PER_10S
        credit = [1.0 if low <= r <= high else 0.5 if low * 0.75 <= r <= high * 1.25 else 0.0 for _, _, r in windows]
        if windows:
            share = sum(credit) / len(credit)
            slow = [(s, e, r) for (s, e, r), c in zip(windows, credit, strict=True) if c < 1]
            ev = [Evidence(source="scene_cuts", t=s, value=round(r, 2), detail=f"{s:.0f}-{e:.0f} s: {r:.1f} cuts per 10 s")
                  for s, e, r in slow[:3]] or [Evidence(source="scene_cuts", value=round(share, 2),
                                                        detail=f"all {len(windows)} windows at 1.5-4 cuts per 10 s")]
            _offer(cadence, 4.0 * share, "high", ev)
        if scenes.cuts:
            t = scenes.cuts[0].t
            _offer(first_cut, 2.0 if t <= 3.0 else 1.0 if t <= 5.0 else 0.0, "high",
                   [Evidence(source="scene_cuts", t=t, value=round(t, 2), detail=f"first cut at {t:.1f} s")])
        else:
            first_cut.evidence.append(Evidence(source="scene_cuts", value=0, detail=f"no cut in {scenes.analysed_seconds:.0f} s"))
        if scenes.shot_lengths:
            longest = max(scenes.shot_lengths)
            starts = [0.0, *[c.t for c in scenes.cuts]]
            at = starts[scenes.shot_lengths.index(longest)] if len(starts) == len(scenes.shot_lengths) else None
            where = f" from {at:.1f} s" if at is not None else ""
            _offer(long_shots, 1.5 if longest <= MAX_SHOT_S else 0.75 if longest <= 9.0 else 0.0, "high",
                   [Evidence(source="scene_cuts", t=at, value=round(longest, 2), detail=f"longest shot {longest:.1f} s{where}")])

    speech_s = sum(s.duration for s in inputs.audio.speech) if inputs.audio is not None else 0.0
    n_words = len(inputs.transcript.words) if inputs.transcript is not None else 0
    if inputs.audio is not None and speech_s < 2.0:
        speech_rate.value = None
    elif inputs.transcript is None or n_words == 0:
        _missing(speech_rate, "transcript words")
    else:
        wpm = 60.0 * n_words / speech_s
        value = 1.0 if 130 <= wpm <= 190 else 0.5 if 100 <= wpm <= 220 else 0.0
        _offer(speech_rate, value, inputs.transcript.confidence,
               [Evidence(source="transcript", value=round(wpm), detail=f"about {wpm:.0f} words per minute")])

    delivery = Part("no pauses between spoken lines", 1.5)
    spans = inputs.audio.speech if inputs.audio is not None else ()
    if inputs.audio is None:
        _missing(delivery, "audio_features")
    elif speech_s < 2.0 or len(spans) < 2:
        delivery.value = None
    else:
        gaps = [(a.end, b.start - a.end) for a, b in zip(spans, spans[1:], strict=False) if b.start - a.end >= 0.5]
        share = sum(g for _, g in gaps) / max(spans[-1].end - spans[0].start, 1e-6)
        longest = max(gaps, key=lambda g: g[1], default=None)
        where = f", longest {longest[1]:.1f} s at {longest[0]:.1f} s" if longest else ""
        _offer(delivery, 1.5 if share <= 0.05 else 0.75 if share <= 0.15 else 0.0, "high",
               [Evidence(source="audio", t=longest[0] if longest else None, value=round(share, 3),
                         detail=f"pauses of 0.5 s or more between spoken lines: {share:.0%} of the talking time{where}")])

    audio = inputs.audio
    if audio is None:
        _missing(dead_air, "audio_features")
    elif not audio.has_audio or (not audio.speech and not audio.music_present):
        # Nothing on the soundtrack carries the rhythm: the cuts alone have to (raters mark this down).
        _offer(dead_air, 0.0, "high", [Evidence(source="audio", detail="no soundtrack: no voice or music carries the rhythm"
                                                if audio.has_audio else "no audio stream: nothing carries the rhythm")])
    else:
        share = audio.dead_air_seconds / max(inputs.duration, 1e-6)
        first_gap = next((s for s in audio.silences if s.duration >= 0.4), None)
        where = f", first at {first_gap.start:.1f} s" if first_gap else ""
        _offer(dead_air, 1.5 if share <= 0.05 else 0.75 if share <= 0.15 else 0.0, "high",
               [Evidence(source="audio", t=first_gap.start if first_gap else None, value=round(audio.dead_air_seconds, 2),
                         detail=f"{audio.dead_air_seconds:.1f} s of dead air ({share:.0%}){where}")])
    return combine("pacing", [cadence, first_cut, long_shots, speech_rate, delivery, dead_air], rule_version)


# --- CTA --------------------------------------------------------------------------------------------

# A CTA is specific when it names the action and what to do it with ("shop the link", "comment SERUM",
# "use code GLOW"); "link in bio", "follow for more" and "save this" point somewhere without asking.
_SPECIFIC_CTA = re.compile(r"\b(?:shop|buy|order|comment\s+\S+|use\s+(?:my\s+)?code|get\s+yours|grab\s+yours|add\s+to\s+cart|"
                           r"book|sign\s+up|apply|donate|dm\s+me|tap\s+the\s+link|click\s+the\s+link)\b", re.IGNORECASE)
_URGENCY = (r"(?<!\w)(?:today|now|tonight|limited|last chance|ends|hurry|before it'?s gone|while (?:it lasts|stocks last)|"
            r"\d+\s?% off|off\b|sale|discount|code|free shipping|only \d+)")
END_SHARE = 0.7


def _cta_hits(inputs: ScoringInputs, brand: BrandProfile) -> list[tx.Hit]:
    hits = []
    brand_pattern = tx.phrase_pattern(brand.cta_phrases)
    for piece in tx.pieces(inputs):
        for phrase in find_ctas(piece.text):
            hits.append(tx.Hit(piece, phrase, piece.text.find(phrase)))
        hits += tx.find(brand_pattern, [piece])
    return hits


def cta_score(inputs: ScoringInputs, brand: BrandProfile, rule_version: str) -> Score:
    presence = Part("a call to action", 4.0)
    specific = Part("a specific CTA", 2.0)
    urgency = Part("urgency or an offer", 1.5)
    placement = Part("shown or said in the last 30 %", 1.5)
    channels = Part("the same ask in two channels", 1.0)
    hits = _cta_hits(inputs, brand)
    for hit in hits:
        generic = not _SPECIFIC_CTA.search(hit.phrase)
        conf = _channel_confidence(inputs, hit.piece.channel)
        _offer(presence, 2.5 if generic else 4.0, conf, [hit.evidence("CTA")])
        if not generic:
            _offer(specific, 2.0, conf, [hit.evidence("specific CTA")])
        in_video = hit.piece.channel != "caption" and hit.t is not None
        if in_video:
            late = hit.t >= END_SHARE * inputs.duration - 0.5  # type: ignore[operator]
            _offer(placement, 1.5 if late else 0.75, conf,
                   [Evidence(source=hit.piece.channel, t=hit.t, frame=hit.piece.frame, text=hit.phrase,  # type: ignore[arg-type]
                             detail=f"CTA '{hit.phrase}' at {hit.t:.1f} s of {inputs.duration:.0f} s")])
    if hits and not any(h.piece.channel != "caption" for h in hits):
        placement.evidence.append(Evidence(source="caption", detail="the CTA is only in the caption"))
    around = [h.piece for h in hits]
    _found(urgency, tx.find(_URGENCY, around), inputs, "urgency")
    by_channel = {h.piece.channel for h in hits}
    if len(by_channel) >= 2:
        conf = "high" if len(by_channel - {"transcript"}) >= 2 else _channel_confidence(inputs, "transcript")
        _offer(channels, 1.0, conf, [Evidence(source="caption", detail=f"CTA in {', '.join(sorted(by_channel))}")])
    if not hits:
        presence.evidence.append(Evidence(source="caption", detail="no call to action in caption, on screen or said"))
    return combine("cta", [presence, specific, urgency, placement, channels], rule_version)


# --- Brand Fit --------------------------------------------------------------------------------------


def brand_fit_score(inputs: ScoringInputs, brand: BrandProfile, compliance: Compliance, rule_version: str) -> Score:
    named = Part(f"{brand.name} named", 3.0)
    value_props = Part("a value prop stated", 3.0)
    hashtag = Part("the brand hashtag", 2.0)
    niche = Part("on-niche words", 2.0)
    all_text = tx.pieces(inputs)
    _found(named, tx.find(tx.phrase_pattern([brand.name, *brand.terms]), all_text), inputs, "brand")
    props = tx.find(tx.phrase_pattern(brand.value_props), all_text)
    distinct = {" ".join(tx.words(h.phrase)) for h in props}
    for h in props:
        _offer(value_props, 3.0 if len(distinct) >= 2 else 2.0, _channel_confidence(inputs, h.piece.channel),
               [h.evidence("value prop") for h in props[:4]])
    tags = set(inputs.hashtags) | {t.lstrip("#").lower() for t in re.findall(r"#[^\s#]+", inputs.caption)}
    own = sorted(tags & set(brand.hashtags))
    if own:
        _offer(hashtag, 2.0, "high", [Evidence(source="hashtags", text=f"#{own[0]}", detail=f"brand hashtag #{own[0]}")])
    _found(niche, tx.find(tx.phrase_pattern(brand.niche_terms), all_text), inputs, "niche")
    squashed = {re.sub(r"\W", "", t.lower()): t for t in brand.niche_terms}
    niche_tags = sorted(t for t in tags if any(key and key in t for key in squashed))
    if niche_tags:
        _offer(niche, 2.0, "high", [Evidence(source="hashtags", text=f"#{niche_tags[0]}", detail=f"niche hashtag #{niche_tags[0]}")])
    penalty, penalty_ev = 0.0, []
    for flag in compliance.flags:
        if flag.code == "banned_claim":
            penalty += 3.0
            penalty_ev += list(flag.evidence[:2])
        elif flag.code == "off_brand_mention":
            penalty += 1.5
            penalty_ev += list(flag.evidence[:2])
    score = combine("brand_fit", [named, value_props, hashtag, niche], rule_version, penalty=min(penalty, 6.0),
                    penalty_evidence=penalty_ev)
    banned = [f for f in compliance.flags if f.code == "banned_claim" and f.severity == "high"]
    if banned and score.value > BANNED_CLAIM_CAP:  # RUBRIC: a banned claim is 0-2 whatever else is right
        return score.model_copy(update={"value": BANNED_CLAIM_CAP, "raw": float(BANNED_CLAIM_CAP),
                                        "note": "; ".join(filter(None, [score.note, "capped: the brand bans a claim it makes"]))})
    return score
