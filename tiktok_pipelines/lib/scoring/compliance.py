"""Compliance: risky claims, brand-banned wording, sensitive before/after content and missing or
misplaced sponsorship disclosure, each as a flag with its evidence and the policy it comes from
(creative-analysis.md §4).

Deterministic and text-first: the claims lexicon (`lexicons.find_claims`) runs over what is said
(transcript words, with the time of the first matched word), what is shown (OCR lines, with their
keyframe) and what is written (caption), separately, so every flag says where the words were. A
missing modality is never read as "nothing risky there": it is simply not searched, and a missing
disclosure says which sources could not be checked.

A high-severity flag or a platform blocker caps the band at revise (`Compliance.caps_band`); the
engine applies the cap, this module only decides the flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from tiktok_pipelines.lib.extraction.lexicons import (
    LEXICON_VERSION,
    ClaimMatch,
    is_negated,
    find_claims,
)
from tiktok_pipelines.lib.scoring.brand import BrandProfile, BrandProfileError
from tiktok_pipelines.lib.scoring.inputs import USABLE, ScoringInputs
from tiktok_pipelines.lib.scoring.models import (
    Compliance,
    Evidence,
    EvidenceSource,
    PlatformBlocker,
    PolicyFlag,
    Severity,
)

COMPLIANCE_VERSION = "compliance-1"

Platform = Literal["tiktok", "meta"]

# --- policy citations (creative-analysis.md §4) ------------------------------------------------------------

_FTC_ENDORSEMENT = (
    "FTC Endorsement Guides (16 CFR Part 255, revised 2023): a material connection must be disclosed clearly "
    "and conspicuously (https://manatt.com/insights/newsletters/advertising-law/an-in-depth-look-at-the-ftcs-updates-2)"
)
_FTC_SAME_MEDIUM = (
    "FTC Endorsement Guides (revised 2023): visual endorsement needs a visual disclosure, audible needs audible, "
    "both need both (https://manatt.com/insights/newsletters/advertising-law/an-in-depth-look-at-the-ftcs-updates-2)"
)
_TIKTOK_BEFORE_AFTER = (
    "TikTok ads policy, Misleading and false content: \"showing wrinkles disappearing by using a cream through "
    "before-and-after comparisons\" is not allowed "
    "(https://ads.tiktok.com/help/article/tiktok-ads-policy-misleading-and-false-content)"
)
_META_BEFORE_AFTER = (
    "Meta Advertising Standards, Personal Health and Appearance: before-and-after images displaying idealised "
    "results are not allowed "
    "(https://transparency.fb.com/policies/ad-standards/objectionable-content/personal-health-and-appearance)"
)
_TIKTOK_MEDICAL_BLOCK = (
    "TikTok ads policy, Misleading and false content: no cures for diseases, no promised results "
    "(https://ads.tiktok.com/help/article/tiktok-ads-policy-misleading-and-false-content); "
    "TikTok Shop content policy: medical claims (treat, cure, prevent) are prohibited"
)
_TIKTOK_WEIGHT_BLOCK = (
    "TikTok ads policy, Weight management: no unrealistic, product-alone or guaranteed weight change "
    "(https://ads.tiktok.com/help/article/tiktok-ads-policy-weight-management)"
)

# --- claims --------------------------------------------------------------------------------------------------

_CLAIM_CODES: dict[str, str] = {
    "medical": "medical_claim",
    "absolute": "absolute_claim",
    "weight": "weight_claim",
    "income": "income_claim",
}
_CLAIM_LABELS: dict[str, str] = {
    "medical_claim": "Medical/disease claim",
    "absolute_claim": "Absolute or guaranteed result",
    "weight_claim": "Weight-loss claim",
    "income_claim": "Income claim",
}
# Every claim rule in the lexicon cites a TikTok policy or the FTC health guidance; Meta's Personal
# Health and Appearance policy is about imagery and self-perception, so only before/after involves it.
_CLAIM_PLATFORMS: tuple[Platform, ...] = ("tiktok",)

# --- before/after ---------------------------------------------------------------------------------------------

# "before and after", "before & after", "before/after", "before vs after", "#beforeandafter".
_BEFORE_AFTER_PHRASE = r"\bbefore\s*(?:and|&|/|\+|-|vs\.?|versus|n)?\s*after\b"
# "results" as a claim of outcome; "results may vary" is a disclaimer, not a showing of results.
_RESULTS = r"(?<!individual )\bresults?\b(?!\s+(?:may|can|will|might)\s+vary)"
_WORDING_BEFORE_AFTER = re.compile(f"{_BEFORE_AFTER_PHRASE}|{_RESULTS}", re.IGNORECASE)
# On screen, a label is the signal: "BEFORE", "After 8 weeks", "Day 1", "Week 4", "Results". A line that
# merely starts with the word ("Before you buy another oil") is not a label.
_ONSCREEN_BEFORE_AFTER = re.compile(
    f"{_BEFORE_AFTER_PHRASE}|{_RESULTS}"
    r"|^\W*(?:before|after)\b(?:\W*$|\s*[:|\-–—]|\s+(?:\d|day|week|month|using|one|two|three|four|six|eight|twelve))"
    r"|\b(?:day|week|month)\s*#?\d{1,3}\b",
    re.IGNORECASE,
)
CLIP_BEFORE_AFTER_MIN = 0.5  # softmax over 3 labels: the comparison label must take most of the mass
# Words that make a before/after about the body (skin, hair, weight): the case TikTok names outright.
_BODY_WORDS = re.compile(
    r"\b(?:wrinkles?|fine lines|crow'?s feet|skin|complexion|acne|pimples?|dark spots?|cellulite|stretch marks|"
    r"scars?|hair ?loss|thinning|thin hair|bald(?:ness|ing)?|receding|hairline|alopecia|shedding|regrowth|"
    r"weight|pounds|lbs|belly|waist|body fat)\b",
    re.IGNORECASE,
)

# --- disclosure -----------------------------------------------------------------------------------------------

_DISCLOSURE_TEXT = re.compile(
    r"(?<![\w#])#(?:ad|ads|advert|advertisement|sponsored|partner|paidpartnership|paidpartner)(?![\w-])"
    r"|\bpaid[- ]partnership\b|\bsponsored by\b",
    re.IGNORECASE,
)
# An "AD" super: the whole line is the disclosure.
_DISCLOSURE_SUPER = re.compile(r"^\W*(?:#?ad|sponsored|advertisement)\W*$", re.IGNORECASE)
_DISCLOSURE_SPOKEN = re.compile(
    r"\bsponsored by\b|\bpaid partnership\b|\b(?:this|today's) (?:video|post) is sponsored(?: by)?\b"
    r"|\bin partnership with\b|\bhashtag (?:ad|sponsored)\b",
    re.IGNORECASE,
)
_VISUAL_SOURCES: frozenset[str] = frozenset({"onscreen_text", "caption", "hashtags"})

# --- safe CTAs ------------------------------------------------------------------------------------------------

# No efficacy, no timeline, no result: they point to facts the viewer can check.
DEFAULT_SAFE_CTAS: tuple[str, ...] = (
    "See the full ingredient list at the link in my bio",
    "Read how I use it in my routine at the link in my bio",
    "Questions about the ingredients? Ask in the comments",
)

_SEVERITY_RANK: dict[str, int] = {"high": 2, "medium": 1, "low": 0}
_SOURCE_ORDER: dict[str, int] = {
    s: i for i, s in enumerate(("transcript", "onscreen_text", "caption", "hashtags", "visual", "brand_profile"))
}
_CODE_ORDER: tuple[str, ...] = (
    "medical_claim", "absolute_claim", "weight_claim", "income_claim", "banned_claim", "before_after_sensitive",
    "missing_disclosure", "disclosure_mismatch", "off_brand_mention",
)
_SOURCE_NAMES: dict[str, str] = {
    "transcript": "speech", "onscreen_text": "on-screen text", "caption": "caption", "hashtags": "hashtags",
    "visual": "CLIP tags",
}


# --- where text came from -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Passage:
    """One searchable piece of text and how to place a hit in it in time."""

    source: EvidenceSource
    text: str
    t: float | None = None  # the time of the whole passage (an OCR keyframe)
    frame: str | None = None
    words: tuple[tuple[int, int, float], ...] = ()  # (start, end, seconds) of each word found in `text`
    segments: tuple[tuple[int, int, float], ...] = ()  # (start, end, seconds) of each transcript segment
    weak: bool = False  # low-confidence ASR: say so beside the words

    def time_at(self, start: int, end: int) -> float | None:
        # The first word the match touches; a segment's start where its words could not be aligned.
        for w_start, w_end, t in self.words:
            if w_end > start and w_start < end:
                return t
        for s_start, s_end, t in self.segments:
            if s_start <= start <= s_end:
                return t
        return self.t

    def evidence(self, start: int, end: int, *, note: str = "") -> Evidence:
        phrase = " ".join(self.text[start:end].split())
        t = self.time_at(start, end)
        if self.source == "transcript":
            where = f"said at {t:.1f} s" if t is not None else "said"
            if self.weak:
                where += " (low-confidence transcript)"
        elif self.source == "onscreen_text":
            where = f"on screen at {t:.1f} s (frame {self.frame})" if t is not None else "on screen"
        else:
            where = f"in {self.source}"
        detail = f"{note}: '{phrase}' {where}" if note else f"'{phrase}' {where}"
        context = _context(self.text, start, end)
        if context.lower() != phrase.lower():
            detail += f' in "{context}"'
        return Evidence(source=self.source, detail=detail, t=t, frame=self.frame, text=phrase)


def _context(text: str, start: int, end: int) -> str:
    """A few words either side of a hit, so the detail reads on its own ("this serum cures hair loss")."""
    # Within the sentence: a transcript joins many, and the words before a full stop are another thought.
    lead = re.split(r"(?<=[.!?\n])\s", text[max(0, start - 120) : start])[-1]
    tail = re.split(r"(?<=[.!?\n])\s", text[end : end + 120])[0]
    left = re.search(r"(?:\S+\s+){0,3}$", lead)
    right = re.match(r"(?:\s*\S+){0,4}", tail)
    a = start - (len(lead) - left.start()) if left else start
    b = end + (right.end() if right else 0)
    snippet = " ".join(text[a:b].split())
    return snippet if len(snippet) <= 100 else snippet[:99] + "…"


def _transcript_passage(inputs: ScoringInputs) -> _Passage | None:
    transcript = inputs.transcript
    if transcript is None or transcript.status not in USABLE:
        return None
    parts: list[str] = []
    words: list[tuple[int, int, float]] = []
    segments: list[tuple[int, int, float]] = []
    offset = 0
    for segment in transcript.segments:
        seg_text = (segment.text or "").strip() or " ".join(w.text.strip() for w in segment.words if w.text.strip())
        if not seg_text:
            continue
        if parts:
            offset += 1  # the joining space
        seg_start = offset
        folded = seg_text.lower()
        cursor = 0
        # Align each timed word to its characters in the segment text, in order; a word the text does not
        # contain (redacted, re-punctuated) is skipped and the segment start stands in for it.
        for word in segment.words:
            token = word.text.strip().lower()
            idx = folded.find(token, cursor) if token else -1
            if idx < 0:
                token = token.strip(".,!?;:\"'()[]…-–—")
                idx = folded.find(token, cursor) if token else -1
            if idx < 0:
                continue
            words.append((seg_start + idx, seg_start + idx + len(token), float(word.start)))
            cursor = idx + len(token)
        segments.append((seg_start, seg_start + len(seg_text), float(segment.start)))
        parts.append(seg_text)
        offset += len(seg_text)
    if not parts:
        return None
    return _Passage("transcript", " ".join(parts), words=tuple(words), segments=tuple(segments),
                    weak=transcript.confidence == "low")


def _onscreen_passages(inputs: ScoringInputs) -> list[_Passage]:
    passages: list[_Passage] = []
    for result in inputs.onscreen or ():
        for line in result.lines:
            if line.text and line.text.strip():
                passages.append(_Passage("onscreen_text", line.text, t=float(result.t), frame=result.frame))
    return passages


def _caption_text(inputs: ScoringInputs) -> str:
    caption = inputs.caption or ""
    if not caption.strip() and inputs.caption_analysis is not None:
        caption = inputs.caption_analysis.caption or ""
    return caption


def _hashtag_passage(inputs: ScoringInputs, caption: str) -> _Passage | None:
    # The caption carries its hashtags as written; only tags it does not show are searched again here.
    written = caption.lower()
    extra = sorted({h.strip().lstrip("#").lower() for h in inputs.hashtags if h and h.strip("# ")})
    extra = [h for h in extra if not re.search(rf"#{re.escape(h)}(?!\w)", written)]
    return _Passage("hashtags", " ".join(f"#{h}" for h in extra)) if extra else None


@dataclass(frozen=True)
class _Sources:
    transcript: _Passage | None
    onscreen: tuple[_Passage, ...]
    caption: _Passage | None
    hashtags: _Passage | None

    @property
    def all(self) -> list[_Passage]:
        return [p for p in (self.transcript, *self.onscreen, self.caption, self.hashtags) if p is not None]

    @property
    def written(self) -> list[_Passage]:
        return [p for p in (self.caption, self.hashtags) if p is not None]


def _sources(inputs: ScoringInputs) -> _Sources:
    caption = _caption_text(inputs)
    return _Sources(
        transcript=_transcript_passage(inputs),
        onscreen=tuple(_onscreen_passages(inputs)),
        caption=_Passage("caption", caption) if caption.strip() else None,
        hashtags=_hashtag_passage(inputs, caption),
    )


# --- helpers --------------------------------------------------------------------------------------------------


def _evidence_key(e: Evidence) -> tuple:
    return (_SOURCE_ORDER.get(e.source, 99), -1.0 if e.t is None else e.t, e.frame or "", e.text or "", e.detail)


def _ordered(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    unique = {(e.source, e.detail, e.t, e.frame, e.text, e.value): e for e in evidence}
    out, seen_on_screen = [], set()
    for e in sorted(unique.values(), key=_evidence_key):
        # An overlay is read on every keyframe it spans: its first sighting is the evidence, not each frame.
        if e.source == "onscreen_text" and e.text:
            key = e.text.lower()
            if key in seen_on_screen:
                continue
            seen_on_screen.add(key)
        out.append(e)
    return tuple(out)


def _max_severity(severities: Iterable[str]) -> Severity:
    return max(severities, key=lambda s: _SEVERITY_RANK[s])  # type: ignore[return-value]


def _negated(text: str, start: int) -> bool:
    return is_negated(text, start)


def _regex_hits(passages: Iterable[_Passage], regex: re.Pattern[str], *, negatable: bool = False,
                note: str = "") -> list[Evidence]:
    found: list[Evidence] = []
    for passage in passages:
        for m in regex.finditer(passage.text):
            if m.end() == m.start() or (negatable and _negated(passage.text, m.start())):
                continue
            found.append(passage.evidence(m.start(), m.end(), note=note))
    return found


def _phrases(evidence: Sequence[Evidence], limit: int = 4) -> str:
    seen: list[str] = []
    for e in evidence:
        phrase = (e.text or "").lower()
        if phrase and phrase not in seen:
            seen.append(phrase)
    shown = ", ".join(f"'{p}'" for p in seen[:limit])
    return shown + (f" and {len(seen) - limit} more" if len(seen) > limit else "")


def _where(evidence: Sequence[Evidence]) -> str:
    sources = sorted({e.source for e in evidence}, key=lambda s: _SOURCE_ORDER.get(s, 99))
    return ", ".join(_SOURCE_NAMES.get(s, s) for s in sources)


# --- claims ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ClaimHit:
    code: str
    match: ClaimMatch
    evidence: Evidence


def _claim_hits(sources: _Sources) -> list[_ClaimHit]:
    hits: list[_ClaimHit] = []
    for passage in sources.all:
        for match in find_claims(passage.text):
            hits.append(_ClaimHit(_CLAIM_CODES.get(match.category, f"{match.category}_claim"), match,
                                  passage.evidence(match.start, match.end, note=f"{match.category} claim ({match.severity})")))
    return hits


def _claim_flags(hits: Sequence[_ClaimHit]) -> list[PolicyFlag]:
    flags: list[PolicyFlag] = []
    for code in sorted({h.code for h in hits}, key=_code_rank):
        mine = sorted((h for h in hits if h.code == code), key=lambda h: _evidence_key(h.evidence))
        evidence = _ordered(h.evidence for h in mine)
        citations = list(dict.fromkeys(h.match.citation for h in mine))
        label = _CLAIM_LABELS.get(code, code.replace("_", " "))
        flags.append(PolicyFlag(
            code=code,
            severity=_max_severity(h.match.severity for h in mine),
            summary=f"{label}: {_phrases(evidence)} ({_where(evidence)})",
            citation="; ".join(citations),
            evidence=evidence,
            platforms=_CLAIM_PLATFORMS,
        ))
    return flags


# --- brand ----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _brand_patterns(label: str, patterns: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled: list[tuple[str, re.Pattern[str]]] = []
    for pattern in patterns:
        if not pattern or not pattern.strip():
            continue
        try:
            # Whole words only: 'cure[sd]?' must not fire inside "secured".
            compiled.append((pattern, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)))
        except re.error as exc:
            raise BrandProfileError(
                f"brand profile {label}: banned_claims pattern {pattern!r} is not a valid regular expression ({exc})"
            ) from exc
    return tuple(compiled)


def _word_regex(words: Iterable[str]) -> re.Pattern[str] | None:
    escaped = sorted({re.escape(" ".join(w.split())) for w in words if w and w.strip()}, key=lambda w: (-len(w), w))
    if not escaped:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(e.replace(r"\ ", r"\s+") for e in escaped) + r")(?!\w)", re.IGNORECASE)


def _banned_flag(sources: _Sources, brand: BrandProfile) -> PolicyFlag | None:
    evidence: list[Evidence] = []
    for pattern, regex in _brand_patterns(brand.label, tuple(brand.banned_claims)):
        # A disclaimer ("this is not a cure") is what the brand wants said instead, so it does not count.
        evidence += _regex_hits(sources.all, regex, negatable=True, note=f"banned by the brand ({pattern})")
    if not evidence:
        return None
    ordered = _ordered(evidence)
    return PolicyFlag(
        code="banned_claim",
        severity="high",
        summary=f"Claim the brand never makes: {_phrases(ordered)} ({_where(ordered)})",
        citation=f"Brand profile {brand.label}: banned_claims",
        evidence=ordered,
    )


def _off_brand_flag(sources: _Sources, brand: BrandProfile) -> PolicyFlag | None:
    regex = _word_regex(brand.off_brand)
    if regex is None:
        return None
    # A mention is the problem even when negated ("no minoxidil needed" still names the competitor).
    evidence = _ordered(_regex_hits(sources.all, regex, note="off-brand word"))
    if not evidence:
        return None
    return PolicyFlag(
        code="off_brand_mention",
        severity="low",
        summary=f"Off-brand mention: {_phrases(evidence)} ({_where(evidence)})",
        citation=f"Brand profile {brand.label}: off_brand",
        evidence=evidence,
    )


# --- before/after ---------------------------------------------------------------------------------------------


def _clip_before_after(inputs: ScoringInputs) -> list[Evidence]:
    visual = inputs.visual
    # CLIP tags are only real observations when CLIP ran; "partial" means some frames were tagged.
    if visual is None or visual.clip_status not in USABLE:
        return []
    times = {k.label: k.t for k in inputs.keyframes} | {f.frame: f.t for f in visual.frames}
    found: list[Evidence] = []
    for tag in visual.tags:
        if tag.family != "before_after" or tag.score <= CLIP_BEFORE_AFTER_MIN:
            continue
        frames = tuple(tag.frames)
        first = frames[0] if frames else None
        on = f" on frames {', '.join(frames)}" if frames else ""
        found.append(Evidence(
            source="visual",
            detail=f"CLIP tag '{tag.label}' at {tag.score:.2f} (threshold {CLIP_BEFORE_AFTER_MIN}){on}",
            t=times.get(first) if first else None,
            frame=first,
            text=tag.label,
            value=round(float(tag.score), 4),
        ))
    return found


def _before_after_flag(
    inputs: ScoringInputs, sources: _Sources, claim_hits: Sequence[_ClaimHit]
) -> PolicyFlag | None:
    # Independent signals, one per source however many hits it has. A split-screen detector (a seam at
    # 50 % with two dissimilar halves) would be a fifth, but no stored artifact has the pixels for it: the
    # nearest we have is CLIP's "split screen" label, which counts as the CLIP signal.
    note = "before/after signal"
    signals: dict[str, list[Evidence]] = {
        "on-screen text": _regex_hits(sources.onscreen, _ONSCREEN_BEFORE_AFTER, note=note),
        "speech": _regex_hits([p for p in (sources.transcript,) if p], _WORDING_BEFORE_AFTER, note=note),
        "caption": _regex_hits(sources.written, _WORDING_BEFORE_AFTER, note=note),
        "CLIP": _clip_before_after(inputs),
    }
    present = [name for name, evidence in signals.items() if evidence]
    if len(present) < 2:
        return None
    evidence = [e for name in present for e in signals[name]]
    # Escalate when the comparison is about the body or comes with a health/weight claim: the exact case
    # TikTok names ("wrinkles disappearing ... before-and-after").
    escalation = sorted((h.evidence for h in claim_hits if h.code in ("medical_claim", "weight_claim")), key=_evidence_key)
    if not escalation:
        escalation = sorted(_regex_hits(sources.all, _BODY_WORDS, note="body/skin/hair word"), key=_evidence_key)
    severity: Severity = "high" if escalation else "medium"
    summary = f"Before/after content from {len(present)} independent signals ({', '.join(present)})"
    if escalation:
        summary += f", about the body or with a health claim ('{escalation[0].text}')"
        evidence.append(escalation[0])
    return PolicyFlag(
        code="before_after_sensitive",
        severity=severity,
        summary=summary,
        citation=f"{_TIKTOK_BEFORE_AFTER}; {_META_BEFORE_AFTER}",
        evidence=_ordered(evidence),
        platforms=("tiktok", "meta"),
    )


# --- disclosure -----------------------------------------------------------------------------------------------


def _disclosures(sources: _Sources) -> list[Evidence]:
    found: list[Evidence] = []
    # "not sponsored" is the opposite of a disclosure.
    found += _regex_hits(sources.written, _DISCLOSURE_TEXT, negatable=True, note="disclosure")
    found += _regex_hits(sources.onscreen, _DISCLOSURE_TEXT, negatable=True, note="disclosure")
    for passage in sources.onscreen:
        if _DISCLOSURE_SUPER.match(passage.text) and not _DISCLOSURE_TEXT.search(passage.text):
            found.append(passage.evidence(0, len(passage.text), note="disclosure super"))
    if sources.transcript is not None:
        found += _regex_hits([sources.transcript], _DISCLOSURE_SPOKEN, negatable=True, note="spoken disclosure")
    return list(_ordered(found))


def _brand_mentions(sources: _Sources, brand: BrandProfile) -> tuple[list[Evidence], list[Evidence]]:
    """(audible, visual) places the brand is named: an endorsement in that medium."""
    regex = _word_regex((brand.name, *brand.terms))
    audible = _regex_hits([sources.transcript], regex, note="brand named") if regex and sources.transcript else []
    visual = _regex_hits([*sources.onscreen, *sources.written], regex, note="brand named") if regex else []
    tags = _word_regex(f"#{h}" for h in brand.hashtags)
    if tags is not None:
        visual += _regex_hits(sources.written, tags, note="brand hashtag")
    return sorted(audible, key=_evidence_key), sorted(visual, key=_evidence_key)


def _disclosure_flags(
    inputs: ScoringInputs, sources: _Sources, brand: BrandProfile, disclosures: Sequence[Evidence]
) -> list[PolicyFlag]:
    # Both platforms also require branded content to be labelled; the FTC rule follows the post anywhere.
    platforms: tuple[Platform, ...] = ("tiktok", "meta")
    if not disclosures:
        if not brand.paid_partnership:
            return []
        checked = [name for name, present in (("caption", sources.caption or sources.hashtags),
                                              ("on-screen text", inputs.onscreen is not None),
                                              ("speech", sources.transcript)) if present]
        unchecked = [name for name in ("caption", "on-screen text", "speech") if name not in checked]
        detail = (f"brand profile {brand.label} says creators are paid (paid_partnership: true); no #ad, #sponsored, "
                  f"#partner, 'paid partnership' or 'sponsored by' found in {', '.join(checked) or 'any source'}")
        if unchecked:
            detail += f" (not checked, no data: {', '.join(unchecked)})"
        return [PolicyFlag(
            code="missing_disclosure",
            severity="high",
            summary="Paid partnership with no disclosure (#ad, 'paid partnership') anywhere in the video or caption",
            citation=_FTC_ENDORSEMENT,
            evidence=(Evidence(source="brand_profile", detail=detail),),
            platforms=platforms,
        )]
    audible_endorsement, visual_endorsement = _brand_mentions(sources, brand)
    audible_disclosure = [d for d in disclosures if d.source == "transcript"]
    visual_disclosure = [d for d in disclosures if d.source in _VISUAL_SOURCES]
    problems: list[str] = []
    evidence: list[Evidence] = []
    if audible_endorsement and not audible_disclosure:
        problems.append(f"{brand.name} is named aloud but the disclosure is only in text")
        evidence += [audible_endorsement[0], *visual_disclosure]
    if visual_endorsement and not visual_disclosure:
        problems.append(f"{brand.name} is shown in text but the disclosure is only spoken")
        evidence += [visual_endorsement[0], *audible_disclosure]
    if not problems:
        return []
    return [PolicyFlag(
        code="disclosure_mismatch",
        severity="medium",
        summary="; ".join(problems) + ": disclose in the same medium as the endorsement",
        citation=_FTC_SAME_MEDIUM,
        evidence=_ordered(evidence),
        platforms=platforms,
    )]


# --- blockers ---------------------------------------------------------------------------------------------------


def _blockers(claim_hits: Sequence[_ClaimHit], flags: Sequence[PolicyFlag]) -> list[PlatformBlocker]:
    blockers: list[PlatformBlocker] = []
    medical = _ordered(h.evidence for h in claim_hits if h.code == "medical_claim" and h.match.severity == "high")
    if medical:
        blockers.append(PlatformBlocker(
            platform="tiktok", code="medical_claim",
            reason=f"Medical claim of cure, treatment or proof: {_phrases(medical)}",
            citation=_TIKTOK_MEDICAL_BLOCK, evidence=medical,
        ))
    weight = _ordered(h.evidence for h in claim_hits if h.code == "weight_claim" and h.match.severity == "high")
    if weight:
        blockers.append(PlatformBlocker(
            platform="tiktok", code="weight_claim",
            reason=f"Guaranteed, product-alone or unrealistic weight loss: {_phrases(weight)}",
            citation=_TIKTOK_WEIGHT_BLOCK, evidence=weight,
        ))
    before_after = next((f for f in flags if f.code == "before_after_sensitive"), None)
    if before_after is not None:
        if before_after.severity == "high":
            blockers.append(PlatformBlocker(
                platform="tiktok", code="before_after_sensitive",
                reason="Before/after comparison of skin, hair or weight, or tied to a health claim",
                citation=_TIKTOK_BEFORE_AFTER, evidence=before_after.evidence,
            ))
        blockers.append(PlatformBlocker(
            platform="meta", code="before_after_sensitive",
            reason="Before/after content showing idealised results",
            citation=_META_BEFORE_AFTER, evidence=before_after.evidence,
        ))
    return sorted(blockers, key=lambda b: (b.platform != "tiktok", _code_rank(b.code)))


# --- entry point ------------------------------------------------------------------------------------------------


def _code_rank(code: str) -> tuple[int, str]:
    return (_CODE_ORDER.index(code) if code in _CODE_ORDER else len(_CODE_ORDER), code)


def _safe_ctas(brand: BrandProfile) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for cta in (*brand.safe_ctas, *DEFAULT_SAFE_CTAS):
        text = " ".join((cta or "").split())
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    return tuple(seen.values())


def _heard_only_weakly(flag: PolicyFlag) -> PolicyFlag:
    """A high-severity flag whose only evidence is a low-confidence transcript (pocketsphinx hears
    "questions" as "cured") is kept for a human to check, one step down, so it does not cap the band."""
    if flag.severity != "high" or any(e.source != "transcript" for e in flag.evidence):
        return flag
    return flag.model_copy(update={"severity": "medium",
                                   "summary": f"{flag.summary} (only heard by a low-confidence transcript: review)"})


def _iter_flags(inputs: ScoringInputs, sources: _Sources, brand: BrandProfile,
                claim_hits: Sequence[_ClaimHit], disclosures: Sequence[Evidence]) -> Iterator[PolicyFlag]:
    yield from _claim_flags(claim_hits)
    for flag in (_banned_flag(sources, brand), _before_after_flag(inputs, sources, claim_hits),
                 _off_brand_flag(sources, brand)):
        if flag is not None:
            yield flag
    yield from _disclosure_flags(inputs, sources, brand, disclosures)


def assess_compliance(inputs: ScoringInputs, brand: BrandProfile) -> Compliance:
    """Policy flags, platform blockers, the disclosures found and, when anything is risky, comms-safe
    CTA wording. Raises BrandProfileError when a banned-claim pattern in the profile is not a regex."""
    if not isinstance(inputs, ScoringInputs):
        raise TypeError(f"assess_compliance: inputs must be ScoringInputs, got {type(inputs).__name__}")
    if not isinstance(brand, BrandProfile):
        raise TypeError(f"assess_compliance: brand must be a BrandProfile, got {type(brand).__name__}")
    _brand_patterns(brand.label, tuple(brand.banned_claims))  # a broken profile fails even on an empty video
    sources = _sources(inputs)
    claim_hits = _claim_hits(sources)
    disclosures = _disclosures(sources)
    weak_ears = inputs.transcript is not None and inputs.transcript.confidence == "low"
    flags = sorted((_heard_only_weakly(f) if weak_ears else f for f in _iter_flags(inputs, sources, brand, claim_hits, disclosures)),
                   key=lambda f: (-_SEVERITY_RANK[f.severity], _code_rank(f.code)))
    # A blocker needs evidence someone can rely on: a claim only a weak ASR "heard" goes to review instead.
    sure_hits = [h for h in claim_hits if not (weak_ears and h.evidence.source == "transcript")]
    return Compliance(
        lexicon_version=f"{COMPLIANCE_VERSION}+{LEXICON_VERSION}",
        flags=tuple(flags),
        blockers=tuple(_blockers(sure_hits, flags)),
        safe_ctas=_safe_ctas(brand) if flags else (),
        disclosure_found=tuple(disclosures),
    )
