"""Everything a video says, shows and writes as searchable, timed text, for the scoring rules.

Speech comes from the transcript (word times where the backend gave them), on-screen text from OCR per
keyframe, and the caption has no time. Each piece keeps its channel and how far it can be trusted, so
a rule can prefer what was read on screen over what a weak ASR thinks it heard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from tiktok_pipelines.lib.extraction.artifacts import Confidence
from tiktok_pipelines.lib.scoring.inputs import ScoringInputs
from tiktok_pipelines.lib.scoring.models import Evidence

Channel = str  # "transcript" | "onscreen_text" | "caption"

MIN_READABLE_HEIGHT = 0.018  # OCR box height (about 0.76 of the font size) as a share of the frame height
SMALL_TEXT_HEIGHT = 0.025
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_HASHTAG = re.compile(r"#[^\s#]+")


@dataclass(frozen=True)
class TextPiece:
    channel: Channel
    text: str
    confidence: Confidence
    t: float | None = None
    frame: str | None = None
    word_times: tuple[tuple[int, float], ...] = ()  # (char offset, start time) of each word, for exact hit times

    def time_at(self, offset: int) -> float | None:
        best = self.t
        for start, t in self.word_times:
            if start > offset:
                break
            best = t
        return best


@dataclass(frozen=True)
class Hit:
    piece: TextPiece
    phrase: str
    start: int

    @property
    def t(self) -> float | None:
        return self.piece.time_at(self.start)

    def evidence(self, what: str = "") -> Evidence:
        where = {"transcript": "said", "onscreen_text": "on screen", "caption": "in caption"}[self.piece.channel]
        when = f" at {self.t:.1f} s" if self.t is not None else ""
        frame = f" ({self.piece.frame})" if self.piece.frame else ""
        label = f"{what}: " if what else ""
        return Evidence(source=self.piece.channel, detail=f"{label}'{self.phrase}' {where}{when}{frame}",  # type: ignore[arg-type]
                        t=self.t, frame=self.piece.frame, text=self.phrase)


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text or "")]


def caption_body(caption: str) -> str:
    return _HASHTAG.sub(" ", caption or "").strip()


def pieces(inputs: ScoringInputs, *, caption: bool = True) -> list[TextPiece]:
    """All text of the video in a stable order: speech by time, then on-screen text by time, then caption."""
    out: list[TextPiece] = []
    if inputs.transcript is not None:
        conf = inputs.transcript.confidence
        for seg in inputs.transcript.segments:
            if seg.words:
                offsets, parts, pos = [], [], 0
                for w in seg.words:
                    offsets.append((pos, w.start))
                    parts.append(w.text)
                    pos += len(w.text) + 1
                out.append(TextPiece("transcript", " ".join(parts), conf, seg.start, None, tuple(offsets)))
            elif seg.text.strip():
                out.append(TextPiece("transcript", seg.text, conf, seg.start))
    for frame in inputs.onscreen or ():
        for line in frame.lines:
            # Tiny text, or small text under the app's UI, says nothing to a viewer on a phone.
            unreadable = line.text_height < MIN_READABLE_HEIGHT or (line.text_height < SMALL_TEXT_HEIGHT and not line.in_safe_zone)
            if line.text.strip() and not unreadable:
                out.append(TextPiece("onscreen_text", line.text, "high" if line.confidence >= 0.5 else "medium",
                                     frame.t, frame.frame))
    if caption and inputs.caption.strip():
        out.append(TextPiece("caption", inputs.caption, "high"))
    return out


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def find(pattern: str, source: Iterable[TextPiece]) -> list[Hit]:
    regex = _regex(pattern)
    hits = []
    for piece in source:
        for m in regex.finditer(piece.text):
            hits.append(Hit(piece, m.group(0), m.start()))
    return hits


def phrase_pattern(phrases: Sequence[str]) -> str:
    """Whole-word, case-insensitive alternation of literal phrases (hyphen and space interchangeable)."""
    parts = []
    for p in sorted({p.strip().lower() for p in phrases if p.strip()}, key=len, reverse=True):
        escaped = re.escape(p).replace(r"\-", "[- ]?").replace(r"\ ", r"[\s-]+")
        parts.append(escaped)
    if not parts:
        return r"(?!x)x"  # matches nothing
    return r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)"


def within(source: Iterable[TextPiece], *, until: float | None = None,
           channels: Sequence[Channel] | None = None) -> list[TextPiece]:
    """Pieces inside a time window (caption pieces have no time and are left out when a window is asked)."""
    out = []
    for p in source:
        if channels is not None and p.channel not in channels:
            continue
        if until is not None and (p.t is None or p.t > until):
            continue
        out.append(p)
    return out


def distinct_onscreen_lines(inputs: ScoringInputs) -> list[TextPiece]:
    """Each on-screen line once (the same overlay is read on several keyframes), at its first sighting."""
    seen: set[str] = set()
    out = []
    for p in pieces(inputs, caption=False):
        if p.channel != "onscreen_text":
            continue
        key = " ".join(words(p.text))
        if key and key not in seen:
            seen.add(key)
            out.append(p)
    return out
