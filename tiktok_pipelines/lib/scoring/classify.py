"""What kind of creative a video is: angle, hook type, content types, visual subjects, composition,
emotion and pattern-interrupt tags.

Labels come from keyword lists over what a viewer reads and hears (caption, on-screen text, transcript)
and from what the extractors measured (CLIP tags, Haar faces, keyframe statistics). Every label carries
an Evidence whose detail names it ("hook_type=question: caption starts 'Why peptides? ...'"). Where
nothing supports a label the field stays empty: a classification is never a guess.

A low-confidence transcript (the offline pocketsphinx engine) is not read here: it mishears often
enough to invent a "versus" or a "why", and a label has no confidence to hide that behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from tiktok_pipelines.lib.extraction.artifacts import FrameStats, OCRResult, Tag
from tiktok_pipelines.lib.extraction.caption import HOOK_WINDOW_SECONDS, caption_hook
from tiktok_pipelines.lib.extraction.clip import NONE_LABELS
from tiktok_pipelines.lib.scoring.inputs import USABLE, ScoringInputs
from tiktok_pipelines.lib.scoring.models import (
    Classification,
    Compliance,
    Evidence,
    EvidenceSource,
)

# OCR lines below this confidence are more often texture than words.
MIN_OCR_CONFIDENCE = 0.5
SAME_TEXT_JACCARD = 0.6
# The caption's first line and the first 3 s count double for the angle: the framing a viewer gets.
OPENING_WEIGHT = 2
# An angle needs an opening hit or two hits elsewhere: one stray tip line does not frame a video.
MIN_ANGLE_WEIGHT = 2
_QUOTE_CHARS = 90

# --- keyword lists ---------------------------------------------------------------------------------------
# Regexes, matched case-insensitively on word boundaries. Kept small and literal on purpose: each one is a
# phrase a rater would point at, not a topic model.

# "Week 3", "day 21": a point on a timeline. "Follow for week 5" announces the next part of a series.
_TIMELINE = r"(?<!for )\b(?:day|week|month)\s+\d+\b"

# The creative's framing. Order is the tie-break (a "vs" video that also shows results is a comparison).
ANGLE_PATTERNS: dict[str, tuple[str, ...]] = {
    # Two things set against each other.
    "comparison": (
        r"\bvs\.?(?!\w)", r"\bversus\b", r"\bcompared? (?:to|with)\b", r"\bbetter than\b", r"\binstead of\b",
        r"\bswitch(?:ed|ing)? (?:from|to)\b", r"\bside[- ]by[- ]side\b", r"\bwhich (?:one )?is better\b",
        r"\branking\b", r"\branked\b", r"\bdupe\b",
    ),
    # A change over time: results, a journey, a day/week counter.
    "transformation": (
        r"\bbefore\s*(?:and|&|/|\+|vs\.?)\s*after\b", r"\btransformation\b", r"\bglow[- ]?up\b", r"\bresults?\b",
        _TIMELINE, r"\bafter\s+\d+\s+(?:days?|weeks?|months?)\b", r"\bjourney\b",
        r"\bwent from\b", r"\bprogress\b", r"\bcheck[- ]in\b",
    ),
    # How it works: research, mechanism, the biology.
    "science": (
        r"\bscien\w*", r"\bstud(?:y|ies)\b", r"\bresearch\w*", r"\bclinical(?:ly)?\b", r"\bmechanism\b",
        r"\bworks by\b", r"\bhow it works\b", r"\bfollicles?\b", r"\bmolecul\w+", r"\bkeratin\b",
        r"\bdermatologists?\b", r"\bderm says\b", r"\bwhy peptides\b",
    ),
    # The viewer's own power and worth.
    "empowerment": (
        r"\byou deserve\b", r"\bconfiden(?:ce|t)\b", r"\bempower\w*", r"\bself[- ]love\b", r"\bown (?:it|your)\b",
        r"\bembrace\b", r"\byou(?:'ve| have)? got this\b", r"\bfeel like (?:yourself|myself)\b", r"\bproud\b",
        r"\btake (?:back )?control\b", r"\bbe kind to yourself\b",
    ),
}

# Hook patterns in the opening, checked in this order: an explicit question wins over everything,
# a "stop doing X" over the softer curiosity gap it also opens.
HOOK_PATTERNS: dict[str, tuple[str, ...]] = {
    # A question mark, or an inverted auxiliary at the start ("Do you ...", "Is it ..."). "What I wish I
    # knew" starts with a question word and is not a question, so question words alone do not count.
    "question": (
        r"\?",
        r"^(?:do|does|did|is|are|can|could|should|would|have|has|will|was|were)\s+(?:you|it|this|that|your|we|i|they|he|she)\b",
        r"^ever wonder\w*\b",
    ),
    # Against the usual advice.
    "contrarian": (
        r"\bstop\b(?!\s+scrolling)", r"\bdon'?t\b", r"\bdo not\b", r"\bnever\b", r"\bquit\b", r"\bmyths?\b",
        r"\bwrong\b", r"\blies\b", r"\boverrated\b", r"\bunpopular opinion\b", r"\bmistakes?\b", r"\bskip the\b",
        r"\bno \w+ needed\b", r"\byou don'?t need\b", r"\bforget (?:about )?\w+", r"\bwhat actually (?:matters|works)\b",
    ),
    # Alarm.
    "shock": (
        r"\bwarning\b", r"\bshock\w*", r"\binsane\b", r"\bhorrif\w*", r"\bterrif\w*", r"\bscary\b", r"\bdisgusting\b",
        r"\bi can'?t believe\b", r"\bomg\b", r"\bcrazy\b", r"\bnightmare\b", r"!{2,}",
    ),
    # Wonder at something beautiful or big.
    "awe": (
        r"\bwow\b", r"\bstunning\b", r"\bbreathtaking\b", r"\bunreal\b", r"\bincredible\b", r"\bmind[- ]?blown\b",
        r"\bjaw[- ]dropping\b", r"\blook at (?:this|these|that)\b", r"\bmagic(?:al)?\b",
    ),
    # An open loop the viewer stays to close; a numbered list promises items still to come.
    "curiosity": (
        r"\bsecrets?\b", r"\bwhat i wish i knew\b", r"\bnobody (?:talks|tells)\b", r"\bhere'?s why\b",
        r"\bthe reason\b", r"\bwatch this\b", r"\bwait for it\b", r"\bwatch (?:till|until) the end\b",
        r"\bstop scrolling\b", r"\byou won'?t believe\b", r"\bthe truth about\b", r"\bi tried\b",
        r"\bhonest review\b", r"\branking\b", r"^pov\b", r"\bbefore you (?:buy|try|use)\b",
        r"^\d+\s+(?:\w+\s+)?(?:tips|ways|steps|things|ingredients|reasons|mistakes|hacks|signs|rules|products)\b",
    ),
}

CONTENT_PATTERNS: dict[str, tuple[str, ...]] = {
    # Showing the product in use. A bare instruction ("apply on a dry scalp") is a tip, not a demo.
    "demo": (
        r"\bhow i (?:apply|use)\b", r"\bwatch me\b", r"\blet me show\b", r"\bdemo\w*", r"\bshowing you\b",
        r"\btry(?:ing)? it on\b", r"\bin action\b", r"\bmassage \+",
    ),
    # A first-person narrative.
    "story": (
        r"\bstory ?time\b", r"^pov\b", r"\bwhat i wish i knew\b", r"\bi used to\b", r"\bi was\b", r"\bmy journey\b",
        r"\bwhen i\b", r"\breplying to\b", r"\bso i\b", r"\blast (?:year|month)\b",
    ),
    # Life around the product: routines, rituals, a day.
    "lifestyle": (
        r"\broutine\b", r"\bday in (?:my|the) life\b", r"\bgrwm\b", r"\bget ready with me\b", r"\bself[- ]care\b",
        r"\bwash day\b", r"\bvlog\b",
    ),
    # Teaching steps or tips.
    "tutorial": (
        r"\bhow (?:to|i)\b", r"\bstep\s*\d+\b", r"\btutorial\b", r"\bhere'?s how\b",
        r"\b\d+\s+(?:\w+\s+)?(?:tips|steps|ways|mistakes|hacks|rules)\b", r"^\s*\d+\s*[.)]\s*\w",
        r"\b(?:first|then|finally),",
    ),
}

# before_after needs compliance's flag, or two kinds of signal from two places, one of them explicit
# (before/after wording or CLIP's before/after tag): "week 3" plus "results" is a progress update.
BEFORE_AFTER_SIGNALS: dict[str, tuple[str, ...]] = {
    "before/after wording": (r"\bbefore\s*(?:and|&|/|\+|vs\.?|->|→)\s*after\b", r"^\s*(?:before|after)\s*[:!.]?\s*$"),
    "timeline marker": (_TIMELINE, r"\bafter\s+\d+\s+(?:days?|weeks?|months?)\b"),
    "results wording": (r"\bresults?\b", r"\btransformation\b", r"\bglow[- ]?up\b"),
}

_EXPLICIT_BEFORE_AFTER = ("before/after wording", "CLIP before/after tag")

# What the text says outright, used for emotion only when CLIP has no emotion tag.
EMOTION_PATTERNS: dict[str, tuple[str, ...]] = {
    "awe": (r"\bwow\b", r"\bstunning\b", r"\bbreathtaking\b", r"\bunreal\b", r"\bmind[- ]?blown\b", r"\bjaw[- ]dropping\b"),
    "serenity": (r"\bcalm\w*", r"\brelax\w*", r"\bpeaceful\b", r"\bsoothing\b", r"\bunwind\w*", r"\bself[- ]care\b", r"\bcozy\b"),
    "joy": (r"\bobsessed\b", r"\bso happy\b", r"\byay\b", r"\bi love (?:it|this|how)\b", r"\bfavou?rite\b", r"😍|🥰|😊"),
    "intrigue": (r"\bsecrets?\b", r"\bnobody (?:talks|tells)\b", r"\bthe truth about\b", r"\bwhat i wish i knew\b", r"\bhidden\b", r"\bmystery\b"),
    "surprise": (r"\bi can'?t believe\b", r"\bno way\b", r"\bomg\b", r"\bshocked\b", r"\bplot twist\b", r"\bsurpris\w+", r"\bdidn'?t expect\b"),
}

# CLIP's emotion family in the classification's words; sad/angry/neutral have no label there.
CLIP_EMOTIONS: dict[str, str] = {"happy": "joy", "surprised": "surprise"}
# Keyframe changes in the first 3 s that read as a colour break: within one shot the demo clips never
# moved brightness by more than 0.04 or colourfulness by more than 11 between keyframes; across a cut
# the median change was 0.28 and 71.
COLOUR_JUMP_BRIGHTNESS = 0.12
COLOUR_JUMP_COLOURFULNESS = 25.0
COLOUR_JUMP_CONTRAST = 0.10
# rule_of_thirds: the subject sits within this closeness of a thirds point on at least half the frames.
THIRDS_POINT = 0.6
# central_focus: a face whose centre is this close to the vertical centre line.
CENTRE_TOLERANCE = 0.1
# symmetry and leading_lines have no detector: no keyframe statistic or CLIP label measures them, so
# they are never given rather than guessed.


@dataclass(frozen=True)
class TextSnippet:
    """One piece of text a viewer reads or hears, where it came from and when."""

    source: EvidenceSource  # "caption", "onscreen_text" or "transcript"
    text: str
    t: float | None = None
    frame: str | None = None
    opening: bool = False  # the caption's first line or the first 3 s

    def where(self) -> str:
        if self.source == "caption":
            return "caption's first line" if self.opening else "caption"
        if self.source == "onscreen_text":
            return f"on screen at {self.t:.1f} s ({self.frame})" if self.t is not None else "on screen"
        return f"said at {self.t:.1f} s" if self.t is not None else "said"


@dataclass(frozen=True)
class _Hit:
    label: str
    snippet: TextSnippet
    phrase: str


# --- text the video carries ----------------------------------------------------------------------------------


def caption_without_hashtags(caption: str | None) -> str:
    """The caption as prose: hashtags removed, whitespace kept per line."""
    if not caption:
        return ""
    return "\n".join(" ".join(re.sub(r"#[^\s#]+", " ", line).split()) for line in str(caption).splitlines())


def readable_lines(result: OCRResult) -> list[str]:
    """A keyframe's OCR lines confident enough to be words, whitespace-normalised."""
    return [" ".join(line.text.split()) for line in result.lines
            if line.confidence >= MIN_OCR_CONFIDENCE and re.search(r"\w\w", line.text)]


def transcript_usable(inputs: ScoringInputs) -> bool:
    """Whether the transcript is trustworthy enough to label from (not the low-confidence engine)."""
    if inputs.transcript is None or inputs.transcript.status not in USABLE:
        return False
    modality = inputs.modality("transcript")
    confidence = modality.confidence if modality is not None else inputs.transcript.confidence
    return confidence != "low"


def text_snippets(inputs: ScoringInputs, *, include_weak_transcript: bool = False) -> tuple[TextSnippet, ...]:
    """What the video says in words: the caption (first line marked as opening), each distinct on-screen
    text block at the first keyframe it appears on, and the transcript (its first 3 s as one opening
    snippet) unless the transcript is low-confidence and `include_weak_transcript` is off."""
    snippets: list[TextSnippet] = []
    prose = caption_without_hashtags(inputs.caption)
    hook = (inputs.caption_analysis.hook if inputs.caption_analysis is not None else "") or caption_hook(prose)
    if hook:
        snippets.append(TextSnippet("caption", hook, opening=True))
        rest = prose.replace(hook, " ", 1) if hook in prose else prose
        if re.search(r"\w", rest):
            snippets.append(TextSnippet("caption", " ".join(rest.split())))
    elif re.search(r"\w", prose):
        snippets.append(TextSnippet("caption", " ".join(prose.split())))
    previous = ""
    for result in sorted(inputs.onscreen or (), key=lambda r: (r.t, r.frame)):
        lines = readable_lines(result)
        text = " ".join(lines)
        if not text:
            previous = ""
            continue
        if not _same_text(text, previous):
            snippets.append(TextSnippet("onscreen_text", text, result.t, result.frame,
                                        opening=result.t <= HOOK_WINDOW_SECONDS))
        previous = text
    transcript = inputs.transcript
    if transcript is not None and transcript.status in USABLE and (include_weak_transcript or transcript_usable(inputs)):
        opening_words: list[str] = []
        opening_start: float | None = None
        for segment in transcript.segments:
            if not segment.text.strip():
                continue
            if segment.words:
                early = [w.text for w in segment.words if w.start < HOOK_WINDOW_SECONDS]
                if early and opening_start is None:
                    opening_start = min(w.start for w in segment.words)
                late = " ".join(w.text for w in segment.words if w.start >= HOOK_WINDOW_SECONDS)
                opening_words.extend(early)
                if late.strip():
                    start = next(w.start for w in segment.words if w.start >= HOOK_WINDOW_SECONDS)
                    snippets.append(TextSnippet("transcript", late, start))
            elif segment.start < HOOK_WINDOW_SECONDS:
                opening_words.append(segment.text)
                opening_start = segment.start if opening_start is None else opening_start
            else:
                snippets.append(TextSnippet("transcript", segment.text, segment.start))
        if opening_words:
            snippets.insert(_opening_insert_at(snippets), TextSnippet("transcript", " ".join(opening_words), opening_start,
                                                                        opening=True))
    return tuple(snippets)


def _same_text(a: str, b: str) -> bool:
    """Two keyframes show the same overlay when most of their words agree (OCR misreads a glyph now and
    then: "SERUM I" / "SERUM |")."""
    wa, wb = set(re.findall(r"[a-z0-9]+", a.lower())), set(re.findall(r"[a-z0-9]+", b.lower()))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= SAME_TEXT_JACCARD


def _opening_insert_at(snippets: Sequence[TextSnippet]) -> int:
    # The spoken opening goes after the other opening snippets, so the caption and the screen, which
    # a silent viewer sees, lead the evidence.
    return max((i + 1 for i, s in enumerate(snippets) if s.opening), default=0)


# --- matching -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def _normalise(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").strip()


def find_phrases(patterns: dict[str, tuple[str, ...]], snippets: Iterable[TextSnippet]) -> list[_Hit]:
    """Every (label, snippet) with the first phrase of that label found in it, in label then snippet order."""
    snippets = tuple(snippets)
    hits: list[_Hit] = []
    for label, label_patterns in patterns.items():
        for snippet in snippets:
            text = _normalise(snippet.text)
            for regex in _compiled(label_patterns):
                m = regex.search(text)
                if m is not None:
                    hits.append(_Hit(label, snippet, m.group(0).strip() or m.group(0)))
                    break
    return hits


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 3].rstrip() + "..."


def _text_evidence(field: str, hit: _Hit) -> Evidence:
    s = hit.snippet
    phrase = f"'{hit.phrase}'" if hit.phrase not in ("?",) else "a question mark"
    if s.opening and s.source == "caption":
        detail = f"{field}={hit.label}: caption starts '{_quote(s.text)}' ({phrase})"
    else:
        detail = f"{field}={hit.label}: {phrase} {s.where()} ('{_quote(s.text)}')"
    return Evidence(source=s.source, detail=detail, t=s.t, frame=s.frame, text=_quote(s.text))


# --- labels ------------------------------------------------------------------------------------------------


def _angle(snippets: Sequence[TextSnippet]) -> tuple[str | None, list[Evidence]]:
    hits = find_phrases(ANGLE_PATTERNS, snippets)
    if not hits:
        return None, []
    weight = {label: 0 for label in ANGLE_PATTERNS}
    for hit in hits:
        weight[hit.label] += OPENING_WEIGHT if hit.snippet.opening else 1
    order = list(ANGLE_PATTERNS)
    best = max(order, key=lambda label: (weight[label], -order.index(label)))
    if weight[best] < MIN_ANGLE_WEIGHT:
        return None, []
    chosen = [h for h in hits if h.label == best]
    chosen.sort(key=lambda h: not h.snippet.opening)
    return best, [_text_evidence("angle", h) for h in chosen[:2]]


def _hook_type(snippets: Sequence[TextSnippet]) -> tuple[str | None, list[Evidence]]:
    opening = [s for s in snippets if s.opening]
    hits = find_phrases(HOOK_PATTERNS, opening)
    if not hits:
        return None, []
    first = hits[0]  # HOOK_PATTERNS order, then snippet order (caption, screen, speech)
    return first.label, [_text_evidence("hook_type", first)]


def _frame_times(inputs: ScoringInputs) -> dict[str, float]:
    times = {k.label: k.t for k in inputs.keyframes}
    for k in inputs.keyframes:
        for alias in k.aliases:
            times.setdefault(alias, k.t)
    if inputs.visual is not None:
        for f in inputs.visual.frames:
            times.setdefault(f.frame, f.t)
    for r in inputs.onscreen or ():
        times.setdefault(r.frame, r.t)
    return times


def clip_tags(inputs: ScoringInputs, family: str) -> list[Tag]:
    """CLIP tags of one family (never the none/other label), best first; empty when CLIP did not run."""
    visual = inputs.visual
    if visual is None or visual.clip_status not in USABLE:
        return []
    tags = [t for t in visual.tags if t.family == family and t.label not in NONE_LABELS]
    return sorted(tags, key=lambda t: (-t.score, t.label))


def clip_available(inputs: ScoringInputs) -> bool:
    return inputs.visual is not None and inputs.visual.clip_status in USABLE


def _tag_evidence(field: str, label: str, tag: Tag, times: dict[str, float]) -> Evidence:
    frames = sorted(tag.frames, key=lambda f: (times.get(f, float("inf")), f))
    first = frames[0] if frames else None
    where = f" on {', '.join(frames[:4])}" if frames else ""
    return Evidence(source="visual", detail=f"{field}={label}: CLIP {tag.family} tag '{tag.label}' ({tag.score:.2f}){where}",
                    frame=first, t=times.get(first) if first else None, value=round(tag.score, 3))


def _content_types(inputs: ScoringInputs, compliance: Compliance, snippets: Sequence[TextSnippet],
                   times: dict[str, float]) -> tuple[list[str], list[Evidence]]:
    found: dict[str, list[Evidence]] = {}
    for hit in find_phrases(CONTENT_PATTERNS, snippets):
        found.setdefault(hit.label, [])
        if len(found[hit.label]) < 2:
            found[hit.label].append(_text_evidence("content_type", hit))
    for tag in clip_tags(inputs, "subject"):
        if tag.label == "hands demonstrating":
            found.setdefault("demo", []).append(_tag_evidence("content_type", "demo", tag, times))
    before_after = _before_after(inputs, compliance, snippets, times)
    if before_after:
        found["before_after"] = before_after
    order = ("demo", "story", "before_after", "lifestyle", "tutorial")
    labels = [label for label in order if label in found]
    return labels, [e for label in labels for e in found[label]]


def _before_after(inputs: ScoringInputs, compliance: Compliance, snippets: Sequence[TextSnippet],
                  times: dict[str, float]) -> list[Evidence]:
    flagged = [f for f in compliance.flags if f.code == "before_after_sensitive"]
    if flagged:
        flag = flagged[0]
        return [Evidence(source=flag.evidence[0].source,
                         detail=f"content_type=before_after: compliance flag before_after_sensitive ({flag.severity}): "
                                f"{flag.evidence[0].detail}",
                         t=flag.evidence[0].t, frame=flag.evidence[0].frame, text=flag.evidence[0].text)]
    found: list[tuple[str, object, Evidence]] = []  # (kind, where it came from, evidence)
    for hit in find_phrases(BEFORE_AFTER_SIGNALS, snippets):
        s = hit.snippet
        found.append((hit.label, s, Evidence(
            source=s.source, t=s.t, frame=s.frame, text=_quote(s.text),
            detail=f"content_type=before_after: {hit.label} '{hit.phrase}' {s.where()} ('{_quote(s.text)}')")))
    for tag in clip_tags(inputs, "before_after"):
        found.append(("CLIP before/after tag", tag, _tag_evidence("content_type", "before_after", tag, times)))
    explicit = [f for f in found if f[0] in _EXPLICIT_BEFORE_AFTER]
    for kind, origin, evidence in explicit:
        other = next((f for f in found if f[0] != kind and f[1] is not origin), None)
        if other is not None:
            return [evidence, other[2]]
    return []


def _visual_subjects(inputs: ScoringInputs, times: dict[str, float]) -> tuple[list[str], list[Evidence]]:
    labels: list[str] = []
    evidence: list[Evidence] = []
    for tag in clip_tags(inputs, "subject"):
        if tag.label not in labels:
            labels.append(tag.label)
            evidence.append(_tag_evidence("visual_subject", tag.label, tag, times))
    frames = sorted(inputs.visual.frames, key=lambda f: f.t) if inputs.visual is not None else []
    with_faces = [f for f in frames if f.faces]
    if with_faces:
        labels.append("face")
        biggest = max(with_faces, key=lambda f: (f.face_area, -f.t))
        evidence.append(Evidence(
            source="visual", frame=biggest.frame, t=biggest.t, value=biggest.face_area,
            detail=f"visual_subject=face: Haar face on {len(with_faces)} of {len(frames)} keyframes, "
                   f"largest {biggest.face_area:.1%} of the frame at {biggest.t:.1f} s ({biggest.frame})"))
    with_text = [r for r in sorted(inputs.onscreen or (), key=lambda r: r.t) if readable_lines(r)]
    if with_text:
        labels.append("text overlay")
        first = with_text[0]
        evidence.append(Evidence(
            source="onscreen_text", frame=first.frame, t=first.t, text=_quote(" / ".join(readable_lines(first))),
            detail=f"visual_subject=text overlay: text on {len(with_text)} of {len(inputs.onscreen or ())} keyframes, "
                   f"first at {first.t:.1f} s ('{_quote(' / '.join(readable_lines(first)))}')"))
    return labels, evidence


def face_centre(frame: FrameStats) -> tuple[float, float] | None:
    """Centre of the largest face (faces are stored largest first), as frame fractions."""
    if not frame.faces:
        return None
    face = frame.faces[0]
    return face.x + face.w / 2, face.y + face.h / 2


def _composition(inputs: ScoringInputs, times: dict[str, float]) -> tuple[list[str], list[Evidence]]:
    frames = sorted(inputs.visual.frames, key=lambda f: f.t) if inputs.visual is not None else []
    labels: list[str] = []
    evidence: list[Evidence] = []
    if frames:
        on_thirds = [f for f in frames if f.thirds >= THIRDS_POINT]
        if len(on_thirds) * 2 >= len(frames):
            labels.append("rule_of_thirds")
            evidence.append(Evidence(
                source="visual", frame=on_thirds[0].frame, t=on_thirds[0].t, value=on_thirds[0].thirds,
                detail=f"composition=rule_of_thirds: subject near a thirds point (closeness >= {THIRDS_POINT}) on "
                       f"{len(on_thirds)} of {len(frames)} keyframes ({', '.join(f.frame for f in on_thirds[:4])})"))
        with_faces = [f for f in frames if f.faces]
        centred = [f for f in with_faces if abs(face_centre(f)[0] - 0.5) <= CENTRE_TOLERANCE]  # type: ignore[index]
        if len(centred) >= 2 and len(centred) * 2 >= len(with_faces):
            labels.append("central_focus")
            evidence.append(Evidence(
                source="visual", frame=centred[0].frame, t=centred[0].t,
                detail=f"composition=central_focus: face centred (within {CENTRE_TOLERANCE:.0%} of the middle) on "
                       f"{len(centred)} of {len(with_faces)} keyframes with a face"))
    if "central_focus" not in labels:
        close_ups = [t for t in clip_tags(inputs, "shot_type") if t.label in ("face close-up", "product close-up")]
        if close_ups:
            labels.append("central_focus")
            evidence.append(_tag_evidence("composition", "central_focus", close_ups[0], times))
    order = ("symmetry", "leading_lines", "central_focus", "rule_of_thirds")
    return [label for label in order if label in labels], [
        e for label in order for e in evidence if f"composition={label}:" in e.detail]


def _emotion(inputs: ScoringInputs, snippets: Sequence[TextSnippet], times: dict[str, float]) -> tuple[list[str], list[Evidence]]:
    labels: list[str] = []
    evidence: list[Evidence] = []
    for tag in clip_tags(inputs, "emotion"):
        label = CLIP_EMOTIONS.get(tag.label)
        if label and label not in labels:
            labels.append(label)
            evidence.append(_tag_evidence("emotion", label, tag, times))
    if not labels:
        for hit in find_phrases(EMOTION_PATTERNS, snippets):
            if hit.label not in labels:
                labels.append(hit.label)
                evidence.append(_text_evidence("emotion", hit))
    order = ("awe", "serenity", "joy", "intrigue", "surprise")
    return [label for label in order if label in labels], [
        e for label in order for e in evidence if f"emotion={label}:" in e.detail]


def colour_jumps(frames: Sequence[FrameStats], until: float = HOOK_WINDOW_SECONDS) -> list[tuple[FrameStats, FrameStats, str]]:
    """Consecutive keyframes up to `until` seconds between which brightness, colourfulness or contrast
    jumps (see the COLOUR_JUMP_* thresholds), with what jumped."""
    early = sorted((f for f in frames if f.t <= until), key=lambda f: (f.t, f.frame))
    jumps = []
    for a, b in pairwise(early):
        parts = []
        if abs(b.brightness - a.brightness) >= COLOUR_JUMP_BRIGHTNESS:
            parts.append(f"brightness {a.brightness:.2f} -> {b.brightness:.2f}")
        if abs(b.colourfulness - a.colourfulness) >= COLOUR_JUMP_COLOURFULNESS:
            parts.append(f"colourfulness {a.colourfulness:.0f} -> {b.colourfulness:.0f}")
        if abs(b.contrast - a.contrast) >= COLOUR_JUMP_CONTRAST:
            parts.append(f"contrast {a.contrast:.2f} -> {b.contrast:.2f}")
        if parts:
            jumps.append((a, b, ", ".join(parts)))
    return jumps


def _pattern_interrupt(inputs: ScoringInputs, times: dict[str, float]) -> tuple[list[str], list[Evidence]]:
    labels: list[str] = []
    evidence: list[Evidence] = []
    frames = inputs.visual.frames if inputs.visual is not None else ()
    jumps = colour_jumps(frames)
    if jumps:
        a, b, what = jumps[0]
        labels.append("color_contrast")
        evidence.append(Evidence(source="visual", frame=b.frame, t=b.t,
                                 detail=f"pattern_interrupt=color_contrast: {what} between {a.frame} ({a.t:.1f} s) "
                                        f"and {b.frame} ({b.t:.1f} s)"))

    def early(tag: Tag) -> bool:
        return any(times.get(f, float("inf")) <= HOOK_WINDOW_SECONDS for f in tag.frames)

    for label, shot in (("grand_scale", "wide shot"), ("unexpected_angle", "overhead shot")):
        tag = next((t for t in clip_tags(inputs, "shot_type") if t.label == shot and early(t)), None)
        if tag is not None:
            labels.append(label)
            evidence.append(_tag_evidence("pattern_interrupt", label, tag, times))
    order = ("grand_scale", "color_contrast", "unexpected_angle")
    return [label for label in order if label in labels], [
        e for label in order for e in evidence if f"pattern_interrupt={label}:" in e.detail]


def classify(inputs: ScoringInputs, compliance: Compliance) -> Classification:
    """Angle, hook type, content types, visual subjects, composition, emotion and pattern-interrupt tags,
    each with the evidence that gave it; empty where nothing supports a label."""
    if not isinstance(inputs, ScoringInputs):
        raise TypeError(f"inputs must be ScoringInputs, got {type(inputs).__name__}")
    if not isinstance(compliance, Compliance):
        raise TypeError(f"compliance must be Compliance, got {type(compliance).__name__}")
    snippets = text_snippets(inputs)
    times = _frame_times(inputs)
    angle, angle_ev = _angle(snippets)
    hook, hook_ev = _hook_type(snippets)
    content, content_ev = _content_types(inputs, compliance, snippets, times)
    subjects, subject_ev = _visual_subjects(inputs, times)
    composition, composition_ev = _composition(inputs, times)
    emotion, emotion_ev = _emotion(inputs, snippets, times)
    interrupt, interrupt_ev = _pattern_interrupt(inputs, times)
    return Classification(
        angle=angle,  # type: ignore[arg-type]
        hook_type=hook,  # type: ignore[arg-type]
        content_types=tuple(content),  # type: ignore[arg-type]
        visual_subjects=tuple(subjects),
        composition=tuple(composition),  # type: ignore[arg-type]
        emotion=tuple(emotion),  # type: ignore[arg-type]
        pattern_interrupt=tuple(interrupt),  # type: ignore[arg-type]
        evidence=(*angle_ev, *hook_ev, *content_ev, *subject_ev, *composition_ev, *emotion_ev, *interrupt_ev),
    )
