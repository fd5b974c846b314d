"""Caption analysis: hashtags, calls to action, risky claims, and whether the video's first seconds echo the
caption's hook.

All of it is deterministic text work (no model): the same caption, transcript and on-screen text always
give the same `CaptionAnalysis`. The caption is PII-redacted first, and everything stored or searched comes
from the redacted text. The phrase lists live in `lexicons.py` so scoring and compliance reuse them.

Hashtag rules:
- brand: listed in the brand kit (or the brand name squashed into a tag);
- broad: platform discovery tags (`BROAD_HASHTAGS`: fyp, foryou, viral, ...);
- spam: engagement bait (#followforfollow), a tag repeated, or, when the caption stacks tags (more than
  `MAX_HASHTAGS`, or more than `MAX_BROAD_HASHTAGS` broad ones), every broad tag and every tag unrelated
  to the video. Relevant niche and brand tags keep their kind even in a stacked caption: they still say
  what the video is about;
- niche: the rest.
A tag is relevant when at least half of its meaningful words (compound tags are split into words, #hairgrowth
-> hair, growth) appear in the caption or in what the video says or shows. Broad tags are never relevant:
they name no topic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tiktok_pipelines.lib.captions import extract_hashtags
from tiktok_pipelines.lib.extraction.artifacts import CaptionAnalysis, HashtagFinding, OCRResult, Transcript
from tiktok_pipelines.lib.extraction.lexicons import (
    BAIT_HASHTAGS,
    BROAD_HASHTAGS,
    LEXICON_VERSION,
    MAX_BROAD_HASHTAGS,
    MAX_HASHTAGS,
    find_claims,
    find_ctas,
)
from tiktok_pipelines.lib.privacy import redact_pii

CAPTION_VERSION = f"caption-1+{LEXICON_VERSION}"
HOOK_WINDOW_SECONDS = 3.0
# Share of the hook's meaningful words that must come back in the first seconds. Half tolerates the ASR
# dropping or mishearing a word or two of a short hook while an unrelated opening scores near zero.
HOOK_OVERLAP_THRESHOLD = 0.5
RELEVANCE_THRESHOLD = 0.5  # share of a tag's words found in the video's text
_MIN_HOOK_WORDS = 3  # a first sentence shorter than this ("Why peptides?") is joined with the next one
_MAX_WORD_LENGTH = 24  # longest dictionary word the tag splitter tries

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

_STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does doing for from had has have he her here hers him
    his how i i'd i'll i'm i've if in into is it it's its just me more most my no nor not of off on once only or
    other our out over own same she should so some such than that that's the their them then there these they
    this those through to too under until up very was we were what when where which while who whom why will with
    would you you'd you'll you're you've your yours yourself""".split()
)
# Words tags carry for the platform, not the topic: #hairtok is about hair, #fyp about nothing.
_PLATFORM_WORDS = frozenset({"tok", "tiktok", "fyp", "fy", "foryou", "foryoupage", "page", "viral", "trending"})
_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
    "ninety": "90", "hundred": "100",
}  # fmt: skip
_TENS = frozenset({"20", "30", "40", "50", "60", "70", "80", "90"})
# Enough common words to split the usual compound tags when the video's own words do not cover them.
_BUILTIN_WORDS = frozenset(
    """after all and anti art baby back bath beauty before best big bio body book books brow brows business care
    check clean coffee cook cooking curl curly daily dance day diet diy dog dry easy edges eye eyes face fall fashion
    fat fit fitness food for free friend fun girl glow good grow growing growth gym hack hacks hair hairs happy
    health healthy help home how in journey kids kitchen life lifestyle lip lips long loss love makeup meal mental
    mom morning music my natural new night nails off oil oily on outfit partum peptide peptides pet plant post
    postpartum real recipe recipes result results review routine routines scalp self serum shed shedding short skin skincare small
    style summer tag thin thinning tip tips tok tutorial up vs week weight wellness with women work workout""".split()
)


@dataclass(frozen=True)
class BrandLexicon:
    """What counts as the brand in a caption: its name, its own hashtags (with or without '#') and other
    terms (products, slogans) that help split its compound tags into words."""

    name: str = ""
    hashtags: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ValueError(f"BrandLexicon.name must be a string, got {type(self.name).__name__}")
        for field in ("hashtags", "terms"):
            value = getattr(self, field)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"BrandLexicon.{field} must be a sequence of strings, got {value!r}")

    def tags(self) -> frozenset[str]:
        tags = {_normalise_tag(t) for t in self.hashtags} - {""}
        squashed = re.sub(r"\W", "", self.name.lower())
        if len(squashed) >= 3:
            tags.add(squashed)
        return frozenset(tags)


# --- words ------------------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """Lower-cased words with number words as digits ("twenty one" -> "21"), as ASR spells numbers out."""
    tokens: list[str] = []
    for word in _WORD.findall(text.lower().translate(_APOSTROPHES)):
        number = _NUMBER_WORDS.get(word)
        if number and len(number) == 1 and tokens and tokens[-1] in _TENS and number != "0":
            tokens[-1] = tokens[-1][0] + number
        else:
            tokens.append(number or word)
    return tokens


def _stem(word: str) -> str:
    """A light suffix stripper: enough to make 'weeks'/'week' and 'thinning'/'thin' meet, not linguistics."""
    if word.isdigit() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _meaningful(tokens: Sequence[str]) -> list[str]:
    return [_stem(t) for t in tokens if t not in _STOPWORDS]


def _normalise_tag(tag: str) -> str:
    return tag.strip().lstrip("#").lower()


def _without_hashtags(text: str, tags: Sequence[str]) -> str:
    for tag in tags:
        text = re.sub("#" + re.escape(tag) + r"(?!\w)", " ", text, flags=re.IGNORECASE)
    return text


# --- hook ---------------------------------------------------------------------------------------------------


def caption_hook(text_without_hashtags: str) -> str:
    """The caption's first line, cut to its first sentence (joined with the next when that is very short)."""
    lines = [line.strip() for line in text_without_hashtags.splitlines() if _WORD.search(line)]
    if not lines:
        return ""
    sentences = [s for s in _SENTENCE_END.split(lines[0]) if s.strip()]
    hook = sentences[0]
    if len(_tokens(hook)) < _MIN_HOOK_WORDS and len(sentences) > 1:
        hook = f"{hook} {sentences[1]}"
    return " ".join(hook.split())


def hook_overlap(hook: str, first_seconds: str) -> float | None:
    """Share of the hook's meaningful words (stemmed, stopwords out) also said or shown in the first
    seconds; None when either side has no words to compare."""
    hook_words = set(_meaningful(_tokens(hook)))
    opening = set(_meaningful(_tokens(first_seconds)))
    if not hook_words or not opening:
        return None
    return round(len(hook_words & opening) / len(hook_words), 3)


# --- hashtags -------------------------------------------------------------------------------------------------


def _is_word(piece: str, vocabulary: frozenset[str] | set[str]) -> bool:
    if len(piece) < 2:
        return False
    if piece in vocabulary:
        return True
    # plurals of known words: #peptides when the video says "peptide"
    return (piece.endswith("s") and piece[:-1] in vocabulary) or (piece.endswith("es") and piece[:-2] in vocabulary)


def split_hashtag(tag: str, words: Iterable[str] = ()) -> list[str]:
    """Split a compound tag into words known from `words` or a short built-in English list: fewest letters
    left unexplained, then fewest words. Runs of unexplained letters come back as one piece; digits are
    their own word."""
    return _split(tag.lower(), _BUILTIN_WORDS | {w.lower() for w in words})


def _split(tag: str, vocabulary: frozenset[str] | set[str]) -> list[str]:
    n = len(tag)
    unreached = (n + 1, n + 1)
    # cost[i] = (unexplained letters, words) of the best split of tag[:i]; back[i] = where its last piece
    # starts and whether that piece is a word
    cost = [(0, 0)] + [unreached] * n
    back = [(0, True)] * (n + 1)
    for i in range(n):
        if cost[i] == unreached:
            continue
        unknown, words = cost[i]
        steps = [(i + 1, (unknown + 1, words), False)]
        for j in range(i + 2, min(n, i + _MAX_WORD_LENGTH) + 1):
            if _is_word(tag[i:j], vocabulary):
                steps.append((j, (unknown, words + 1), True))
        if digits := re.match(r"\d+", tag[i:]):
            steps.append((i + digits.end(), (unknown, words + 1), True))
        for j, candidate, is_word in steps:
            if candidate < cost[j]:
                cost[j], back[j] = candidate, (i, is_word)
    pieces: list[tuple[str, bool]] = []
    end = n
    while end > 0:
        start, is_word = back[end]
        piece = tag[start:end]
        if not is_word and pieces and not pieces[-1][1]:
            pieces[-1] = (piece + pieces[-1][0], False)  # glue unexplained letters into one chunk
        else:
            pieces.append((piece, is_word))
        end = start
    return [p for p, _ in reversed(pieces)]


def _tag_is_relevant(tag: str, vocabulary: set[str], said: set[str]) -> bool:
    if tag in said or _stem(tag) in said:
        return True
    words = [w for w in _split(tag, vocabulary) if w not in _STOPWORDS and w not in _PLATFORM_WORDS and len(w) >= 2]
    if not words:
        return False
    hits = sum(1 for w in words if w in said or _stem(w) in said)
    return hits / len(words) >= RELEVANCE_THRESHOLD


def _tag_occurrences(text: str, tag: str) -> int:
    return len(re.findall("#" + re.escape(tag) + r"(?!\w)", text, flags=re.IGNORECASE))


def _classify_hashtags(
    caption: str, explicit: Sequence[str], brand: BrandLexicon | None, said_text: str
) -> tuple[tuple[HashtagFinding, ...], bool]:
    from_caption = extract_hashtags(caption)
    tags = list(dict.fromkeys([*explicit, *from_caption]))
    if not tags:
        return (), False
    repeated = {t for t in tags if explicit.count(t) > 1 or _tag_occurrences(caption, t) > 1}
    brand_tags = brand.tags() if brand else frozenset()
    said_tokens = _tokens(said_text)
    said = set(said_tokens) | {_stem(t) for t in said_tokens}
    brand_words = _tokens(" ".join([brand.name, *brand.terms])) if brand else []
    vocabulary = set(said_tokens) | set(brand_words) | _BUILTIN_WORDS

    n_broad = sum(1 for t in tags if t in BROAD_HASHTAGS and t not in brand_tags)
    stacked = len(tags) > MAX_HASHTAGS or n_broad > MAX_BROAD_HASHTAGS
    findings: list[HashtagFinding] = []
    for tag in tags:
        relevant = tag not in BROAD_HASHTAGS and _tag_is_relevant(tag, vocabulary, said)
        if tag in brand_tags:
            kind = "brand"
        elif tag in BAIT_HASHTAGS or tag in repeated:
            kind = "spam"
        elif tag in BROAD_HASHTAGS:
            kind = "spam" if stacked else "broad"
        else:
            kind = "spam" if stacked and not relevant else "niche"
        findings.append(HashtagFinding(tag=tag, kind=kind, relevant=relevant))
    spam = stacked or bool(repeated) or any(t in BAIT_HASHTAGS for t in tags)
    return tuple(findings), spam


# --- inputs ------------------------------------------------------------------------------------------------------


def _checked_hashtags(hashtags: Sequence[str] | None) -> list[str]:
    if hashtags is None:
        return []
    if isinstance(hashtags, str | bytes) or not isinstance(hashtags, Sequence):
        raise ValueError(f"hashtags must be a sequence of strings (or None), got {type(hashtags).__name__}")
    tags: list[str] = []
    for i, raw in enumerate(hashtags):
        if not isinstance(raw, str):
            raise ValueError(f"hashtags[{i}] must be a string, got {type(raw).__name__}")
        tag = _normalise_tag(raw)
        if not re.fullmatch(r"[^\W]+", tag):
            raise ValueError(f"hashtags[{i}] is not a hashtag (letters, digits and '_' only): {raw!r}")
        tags.append(tag)
    return tags


def _checked_text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string, got {type(value).__name__}")
    return value


# --- public API ------------------------------------------------------------------------------------------------


def analyse_caption(
    caption: str | None,
    hashtags: Sequence[str] | None = None,
    *,
    first_seconds_text: str = "",
    context_text: str = "",
    brand: BrandLexicon | None = None,
) -> CaptionAnalysis:
    """Analyse one caption. `hashtags` are tags known apart from the caption text (merged with the ones in
    it); `first_seconds_text` is what is said or shown in the first 3 s (see `first_seconds_text()`), and
    `context_text` everything said or shown in the video (`video_text()`), for hashtag relevance.

    Raises ValueError naming the field when an input has the wrong type."""
    if caption is not None and not isinstance(caption, str):
        raise ValueError(f"caption must be a string or None, got {type(caption).__name__}")
    explicit = _checked_hashtags(hashtags)
    opening = _checked_text(first_seconds_text, "first_seconds_text")
    context = _checked_text(context_text, "context_text")
    if brand is not None and not isinstance(brand, BrandLexicon):
        raise ValueError(f"brand must be a BrandLexicon or None, got {type(brand).__name__}")

    redacted = redact_pii((caption or "").strip())
    text = redacted.text
    notes: list[str] = []
    if not text:
        notes.append("no caption")

    body = _without_hashtags(text, [*explicit, *extract_hashtags(text)])
    findings, spam = _classify_hashtags(text, explicit, brand, "\n".join([body, opening, context]))

    claims = find_claims(text, include_negated=True)
    negated = [c.phrase for c in claims if c.negated]
    if negated:
        notes.append("negated claim wording not counted as a claim: " + ", ".join(repr(p) for p in negated))

    hook = caption_hook(body)
    overlap: float | None = None
    if not hook:
        if text:
            notes.append("caption has no hook text (only hashtags or symbols)")
    elif not _meaningful(_tokens(opening)):
        notes.append("no speech or on-screen text in the first seconds: hook reinforcement not assessed")
    else:
        overlap = hook_overlap(hook, opening)
        if overlap is None:
            notes.append("hook has no meaningful words to compare with the first seconds")

    return CaptionAnalysis(
        status="ok",
        caption=text,
        hashtags=findings,
        hashtag_spam=spam,
        ctas=tuple(find_ctas(text)),
        claims=tuple(dict.fromkeys(c.phrase for c in claims if not c.negated)),
        hook=hook,
        hook_reinforced=None if overlap is None else overlap >= HOOK_OVERLAP_THRESHOLD,
        hook_overlap=overlap,
        redactions=redacted.redactions,
        note="; ".join(notes),
    )


def _segment_opening(segment_text: str, start: float, end: float, seconds: float) -> list[str]:
    """Words of a segment without word timings that fall before `seconds`, estimated from an even
    speaking rate across the segment (the only timing there is)."""
    words = segment_text.split()
    if end <= seconds or end <= start:
        return words
    return words[: math.ceil(len(words) * (seconds - start) / (end - start))]


def first_seconds_text(
    transcript: Transcript | None, onscreen: Sequence[OCRResult] | None, seconds: float = HOOK_WINDOW_SECONDS
) -> str:
    """What is said (words starting before `seconds`) and shown (OCR of keyframes at t <= `seconds`) at the
    start of the video: speech first, then each distinct on-screen line once."""
    if not seconds > 0:
        raise ValueError(f"seconds must be > 0, got {seconds!r}")
    spoken: list[str] = []
    if transcript is not None:
        for segment in transcript.segments:
            if segment.start >= seconds:
                continue
            if segment.words:
                spoken.extend(w.text for w in segment.words if w.start < seconds)
            else:
                spoken.extend(_segment_opening(segment.text, segment.start, segment.end, seconds))
    shown = _distinct_lines(r for r in (onscreen or ()) if r.t <= seconds)
    return "\n".join(part for part in (" ".join(spoken), *shown) if part)


def video_text(transcript: Transcript | None, onscreen: Sequence[OCRResult] | None) -> str:
    """Everything the video says and shows: the transcript, then each distinct on-screen line once."""
    spoken = transcript.text if transcript is not None else ""
    shown = _distinct_lines(onscreen or ())
    return "\n".join(part for part in (spoken, *shown) if part)


def _distinct_lines(results: Iterable[OCRResult]) -> list[str]:
    seen: dict[str, None] = {}
    for result in sorted(results, key=lambda r: r.t):
        for line in result.lines:
            text = " ".join(line.text.split())
            if text:
                seen.setdefault(text, None)
    return list(seen)
