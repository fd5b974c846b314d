"""Versioned phrase lists: calls to action, risky claims and hashtag classes.

Caption analysis uses them now; scoring and compliance (issue 5) run the same lists over the transcript and
on-screen text, so a rule change is one edit here plus a bump of LEXICON_VERSION (stored with every result,
so a re-score can tell which list produced a flag).

Claims follow creative-analysis.md §4: medical/disease, absolute/guarantee, weight and income claims, each
with a severity and the policy it comes from. Negated mentions ("this is not a cure", "no guarantee") are
a disclaimer, not a claim: `find_claims` leaves them out unless asked (`include_negated=True`, which marks
them `negated=True` for a compliance reviewer). Hedges ("may help", "could") do NOT cancel a claim: the FTC
Health Products guidance says such qualifiers do not make an unsupported claim acceptable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

LEXICON_VERSION = "lexicon-1"

Severity = Literal["high", "medium", "low"]

# --- calls to action ------------------------------------------------------------------------------------

# abcds-detector's fixed list (helpers/generic_helpers.py:get_call_to_action_api_list), lower-cased.
_ABCD_CTAS: tuple[str, ...] = (
    "learn more",
    "get quote",
    "apply now",
    "sign up",
    "contact us",
    "subscribe",
    "download",
    "book now",
    "shop now",
    "buy now",
    "donate now",
    "order now",
    "play now",
    "see more",
    "start now",
    "visit site",
    "watch now",
)
# How creators actually ask on TikTok. "<WORD>" is a keyword the viewer is told to type: an upper-case or
# quoted token ("Comment SERUM", "comment 'link'"), so "the comment section" is not a CTA.
_TIKTOK_CTAS: tuple[str, ...] = (
    "link in bio",
    "link in my bio",
    "tap the link",
    "click the link",
    "shop the link",
    "comment <WORD>",
    "comment below",
    "drop a comment",
    "let me know in the comments",
    "follow for",
    "follow me",
    "hit follow",
    "save this",
    "save for later",
    "duet this",
    "stitch this",
    "share with",
    "send this to",
    "tag a friend",
    "tag someone",
    "use code",
    "use my code",
    "get yours",
    "grab yours",
    "add to cart",
    "dm me",
    "visit our website",
    "check out the link",
)
CTA_PHRASES: tuple[str, ...] = _ABCD_CTAS + _TIKTOK_CTAS

_KEYWORD = r"""(?:(?-i:[A-Z0-9]{2,})|["'“‘][^\W_]+["'”’])"""


def _phrase_pattern(phrase: str) -> str:
    words = [_KEYWORD if w == "<WORD>" else re.escape(w) for w in phrase.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


@lru_cache(maxsize=1)
def _cta_regex() -> re.Pattern[str]:
    return re.compile("|".join(_phrase_pattern(p) for p in CTA_PHRASES), re.IGNORECASE)


def find_ctas(text: str) -> list[str]:
    """CTA phrases in `text`, as written there, in order. Overlapping hits merge into one phrase, so
    "Shop the link in my bio" is one CTA, not "Shop the link" and "link in my bio"."""
    if not text:
        return []
    regex = _cta_regex()
    spans: list[tuple[int, int]] = []
    # finditer never returns overlapping matches, so search again from each start to see every phrase.
    pos = 0
    while (m := regex.search(text, pos)) is not None:
        spans.append(m.span())
        pos = m.start() + 1
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [text[start:end] for start, end in merged]


# --- claims -------------------------------------------------------------------------------------------

_FTC_HEALTH = "FTC Health Products Compliance Guidance (Dec 2022): health claims need RCT-level evidence"
_TIKTOK_SHOP_MEDICAL = "TikTok Shop content policy: medical claims (treat, cure, prevent) are prohibited"
_TIKTOK_MISLEADING = (
    "TikTok ads policy, Misleading and false content: no promised/exaggerated results or absolute terms "
    "(ads.tiktok.com/help/article/tiktok-ads-policy-misleading-and-false-content)"
)
_TIKTOK_WEIGHT = (
    "TikTok ads policy, Weight management: no unrealistic, product-alone or guaranteed weight change "
    "(ads.tiktok.com/help/article/tiktok-ads-policy-weight-management)"
)
_TIKTOK_FINANCE = "TikTok ads policy, Misleading and false content: no get-rich-quick or guaranteed income claims"


@dataclass(frozen=True)
class ClaimRule:
    category: str  # "medical", "absolute", "weight", "income"
    pattern: str  # regex, matched case-insensitively
    severity: Severity
    citation: str
    negatable: bool = True  # False when the phrase is itself a negation ("no side effects")


@dataclass(frozen=True)
class ClaimMatch:
    category: str
    phrase: str  # as written in the text
    severity: Severity
    start: int
    end: int
    citation: str
    negated: bool = False


_NUM = r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|fifty|a few|a couple of)"
_DISEASES = (
    r"(?:diabetes|cancer|covid(?:-19)?|arthritis|eczema|psoriasis|anxiety|depression|adhd|insomnia|acne|alopecia|"
    r"rosacea|dermatitis|hypertension|high blood pressure|asthma|migraines?|pcos|infections?)"
)

CLAIM_RULES: tuple[ClaimRule, ...] = (
    # medical / disease
    ClaimRule("medical", r"\bcur(?:e|es|ed|ing)\b", "high", _TIKTOK_SHOP_MEDICAL),
    ClaimRule("medical", r"\btreat(?:s|ed|ing)?\b(?!\s+(?:yo(?:ur)?self|yourselves|myself|ourselves|day))", "high", _TIKTOK_SHOP_MEDICAL),
    ClaimRule("medical", r"\btreatments?\s+(?:for|of)\b", "high", _TIKTOK_SHOP_MEDICAL),
    ClaimRule("medical", r"\bheal(?:s|ed|ing)?\b", "high", _TIKTOK_SHOP_MEDICAL),
    ClaimRule("medical", r"\bprevent(?:s|ed|ing|ion)?\b", "medium", _TIKTOK_SHOP_MEDICAL),
    ClaimRule("medical", r"\brevers(?:e|es|ed|ing)\b", "medium", _FTC_HEALTH),
    ClaimRule("medical", r"\bregrow(?:s|th|ing|n)?\b", "medium", _FTC_HEALTH),
    ClaimRule("medical", r"\bdiagnos\w*", "medium", _FTC_HEALTH),
    ClaimRule("medical", r"\bclinically[- ](?:proven|shown)\b", "high", _FTC_HEALTH),
    ClaimRule("medical", r"\bclinically[- ]tested\b", "medium", _FTC_HEALTH),
    ClaimRule("medical", r"\b(?:doctor|dermatologist|derm)[- ](?:recommended|approved)\b", "high", _FTC_HEALTH),
    ClaimRule("medical", r"\bfda[- ](?:approved|cleared)\b", "high", _FTC_HEALTH),
    ClaimRule("medical", r"\bprescription[- ]strength\b", "medium", _FTC_HEALTH),
    ClaimRule(
        "medical",
        r"\b(?:helps?(?:\s+with)?|fix(?:es|ed)?|stops?|stopped|gets? rid of|got rid of|clears?(?:\s+up)?|cleared(?:\s+up)?|"
        r"reliev(?:es?|ed)|relief from|fights?)\s+(?:my\s+|your\s+|the\s+)?" + _DISEASES + r"\b",
        "high",
        _FTC_HEALTH,
    ),
    # absolute / guarantee
    ClaimRule("absolute", r"\bguarant(?:ee|ees|eed)\b", "high", _TIKTOK_MISLEADING),
    ClaimRule("absolute", r"(?<![\w.])100\s?%", "medium", _TIKTOK_MISLEADING),
    ClaimRule("absolute", r"\bmiracle\w*", "medium", _TIKTOK_MISLEADING),
    ClaimRule("absolute", r"\bno side[- ]effects?\b", "high", _FTC_HEALTH, negatable=False),
    ClaimRule("absolute", r"\brisk[- ]free\b", "medium", _TIKTOK_MISLEADING),
    ClaimRule("absolute", r"\bpermanent(?:ly)?\b", "medium", _TIKTOK_MISLEADING),
    ClaimRule("absolute", r"\binstant(?:ly)?\b", "low", _TIKTOK_MISLEADING),
    ClaimRule("absolute", r"\bovernight\b", "low", _TIKTOK_MISLEADING),
    ClaimRule("absolute", r"(?:#1\b|\bnumber one\b(?!\s*[,:\-–—])|\bno\.\s?1\b|\bbest in (?:the world|the market|class)\b)", "medium", _TIKTOK_MISLEADING),
    ClaimRule("absolute", r"\bworks for every(?:one|body)\b", "medium", _TIKTOK_MISLEADING),
    ClaimRule("absolute", r"\bin (?:just |only )?" + _NUM + r"\s+(?:days?|weeks?|hours?|minutes?)\b", "low", _TIKTOK_MISLEADING),
    # weight
    ClaimRule("weight", r"\blos(?:e|t)\s+" + _NUM + r"\s*(?:lbs?|pounds|kgs?|kilos?|stone|dress sizes|sizes)\b", "high", _TIKTOK_WEIGHT),
    ClaimRule("weight", r"\bburn(?:s|ing)?\s+(?:belly\s+)?fat\b|\bfat[- ]burn(?:er|ers|ing)\b", "high", _TIKTOK_WEIGHT),
    ClaimRule("weight", r"\bmelt(?:s|ing)?\s+(?:away\s+)?(?:the\s+)?(?:belly\s+)?fat\b", "high", _TIKTOK_WEIGHT),
    ClaimRule("weight", r"\bappetite[- ]suppress\w*", "high", _TIKTOK_WEIGHT),
    ClaimRule("weight", r"\bwithout\s+(?:any\s+)?(?:diet(?:ing)?|exercis(?:e|ing)|working out)\b", "high", _TIKTOK_WEIGHT, negatable=False),
    ClaimRule("weight", r"\blose weight fast\b", "high", _TIKTOK_WEIGHT),
    ClaimRule("weight", r"\bdetox\w*", "medium", _TIKTOK_WEIGHT),
    ClaimRule("weight", r"\bflat (?:tummy|stomach|belly)\b", "medium", _TIKTOK_WEIGHT),
    # income / finance
    ClaimRule(
        "income",
        r"\b(?:make|made|earn|earned|making|earning)\s+\$\s?\d[\d,.]*k?\s*(?:a|per|every)\s+(?:day|week|month)\b",
        "high",
        _TIKTOK_FINANCE,
    ),
    ClaimRule("income", r"\bpassive income\b", "medium", _TIKTOK_FINANCE),
    ClaimRule("income", r"\bquit (?:your|my) (?:9-5|9 to 5|nine to five|job)\b", "medium", _TIKTOK_FINANCE),
    ClaimRule("income", r"\bget rich\b", "medium", _TIKTOK_FINANCE),
    ClaimRule("income", r"\bfinancial freedom\b", "low", _TIKTOK_FINANCE),
)

_SEVERITY_RANK = {"high": 2, "medium": 1, "low": 0}
# A negator this many words before the claim, inside the same clause, turns it into a disclaimer.
_NEGATION_WINDOW = 3
_NEGATORS = frozenset({"not", "no", "never", "nor", "without", "cannot", "neither", "nothing"})
_CLAUSE_BREAK = re.compile(r"[.!?;:,\n]")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})  # one char for one, so offsets stay valid


@lru_cache(maxsize=1)
def _compiled_rules() -> tuple[tuple[ClaimRule, re.Pattern[str]], ...]:
    return tuple((rule, re.compile(rule.pattern, re.IGNORECASE)) for rule in CLAIM_RULES)


def _is_negated(text: str, start: int) -> bool:
    clause = _CLAUSE_BREAK.split(text[:start])[-1]
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)*", clause.lower())[-_NEGATION_WINDOW:]
    return any(w in _NEGATORS or w.endswith("n't") for w in words)


def is_negated(text: str, start: int) -> bool:
    """Whether the words just before `start` (same clause) negate what follows: "not a cure", "no guarantee"."""
    return _is_negated(text.translate(_APOSTROPHES), start)


def find_claims(text: str, *, include_negated: bool = False) -> list[ClaimMatch]:
    """Risky claim phrases in `text`, in order of position. Where two rules hit the same words the more
    severe one is kept. Negated phrases are dropped unless `include_negated`, then marked `negated`."""
    if not text:
        return []
    folded = text.translate(_APOSTROPHES)
    best: dict[tuple[int, int], ClaimMatch] = {}
    for rule, regex in _compiled_rules():
        for m in regex.finditer(folded):
            negated = rule.negatable and _is_negated(folded, m.start())
            if negated and not include_negated:
                continue
            match = ClaimMatch(rule.category, text[m.start() : m.end()], rule.severity, m.start(), m.end(), rule.citation, negated)
            held = best.get(m.span())
            if held is None or _SEVERITY_RANK[match.severity] > _SEVERITY_RANK[held.severity]:
                best[m.span()] = match
    return sorted(best.values(), key=lambda c: (c.start, c.end))


# --- hashtags ---------------------------------------------------------------------------------------------

# Platform-wide discovery tags: they say nothing about the topic, so they never count as niche.
BROAD_HASHTAGS: frozenset[str] = frozenset(
    {
        "fyp",
        "fy",
        "fypシ",
        "fypage",
        "foryou",
        "foryoupage",
        "foryourpage",
        "viral",
        "viralvideo",
        "viraltiktok",
        "goviral",
        "trending",
        "trend",
        "tiktok",
        "tiktokviral",
        "explore",
        "explorepage",
        "xyzbca",
        "xyz",
        "blowup",
        "blowthisup",
        "duet",
        "stitch",
        "capcut",
        "new",
        "video",
        "reels",
        "instagood",
        "love",
    }
)
# Engagement bait: asking for follows/likes in a tag is spam whatever the video is about.
BAIT_HASHTAGS: frozenset[str] = frozenset(
    {
        "followforfollow",
        "follow4follow",
        "f4f",
        "followback",
        "likeforlike",
        "like4like",
        "l4l",
        "likeforlikes",
        "sub4sub",
        "subforsub",
        "comment4comment",
        "makemefamous",
        "makemeviral",
        "pleaseviral",
        "dontletthisflop",
        "fypviral",
    }
)
MAX_HASHTAGS = 10  # more is stacking
MAX_BROAD_HASHTAGS = 5  # more broad tags is stacking even in a short list
