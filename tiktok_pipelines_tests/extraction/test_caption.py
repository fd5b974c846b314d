"""Caption analysis: hashtags by kind and relevance, calls to action, risky claims (negation aware), the
hook and whether the first seconds echo it, PII redaction, and the JSON artifact."""

import pytest

from tiktok_pipelines.demo.world import BRAND_HASHTAG, DemoAccount
from tiktok_pipelines.lib.extraction.artifacts import (
    Box,
    CaptionAnalysis,
    OCRLine,
    OCRResult,
    Transcript,
    TranscriptSegment,
    Word,
)
from tiktok_pipelines.lib.extraction.caption import (
    BrandLexicon,
    analyse_caption,
    first_seconds_text,
    split_hashtag,
    video_text,
)
from tiktok_pipelines.lib.extraction.lexicons import CLAIM_RULES, CTA_PHRASES, LEXICON_VERSION, find_claims, find_ctas

BLOOM = BrandLexicon(name="Bloom", hashtags=(BRAND_HASHTAG,), terms=("peptide hair serum",))
# Every call to action the demo world writes, by a fragment that only that CTA contains.
DEMO_CTA_MARKERS = ("Shop the link in my bio", "Comment SERUM", "Save this", "Follow for", "Tap the link in bio")


@pytest.fixture(scope="module")
def demo_videos():
    return DemoAccount(n_videos=36).videos


def _kinds(analysis: CaptionAnalysis) -> dict[str, str]:
    return {h.tag: h.kind for h in analysis.hashtags}


def _relevant(analysis: CaptionAnalysis) -> dict[str, bool]:
    return {h.tag: h.relevant for h in analysis.hashtags}


# --- demo world -------------------------------------------------------------------------------------------


def test_every_demo_caption_is_analysed(demo_videos):
    for video in demo_videos:
        analysis = analyse_caption(video.description, brand=BLOOM)
        assert analysis.status == "ok"
        assert analysis.caption == video.description  # nothing to redact in the demo captions
        assert analysis.hook and analysis.hook in video.description
        assert analysis.hook_reinforced is None  # nothing said or shown was given
        assert not analysis.hashtag_spam


def test_risky_demo_captions_have_claims_and_the_others_have_none(demo_videos):
    risky = [v for v in demo_videos if v.has_risky_claim]
    safe = [v for v in demo_videos if not v.has_risky_claim]
    assert risky and safe
    for video in risky:
        assert analyse_caption(video.description).claims, video.description
    for video in safe:
        assert analyse_caption(video.description).claims == (), video.description


def test_demo_calls_to_action_are_found_and_captions_without_one_have_none(demo_videos):
    with_cta = [v for v in demo_videos if any(m in v.description for m in DEMO_CTA_MARKERS)]
    without_cta = [v for v in demo_videos if v not in with_cta]
    assert with_cta and without_cta
    for video in with_cta:
        ctas = analyse_caption(video.description).ctas
        marker = next(m for m in DEMO_CTA_MARKERS if m in video.description)
        assert any(marker in cta or cta in marker for cta in ctas), (video.description, ctas)
    for video in without_cta:
        assert analyse_caption(video.description).ctas == (), video.description


def test_demo_brand_hashtag_is_brand_and_fyp_is_broad(demo_videos):
    video = next(v for v in demo_videos if BRAND_HASHTAG in v.description and "#fyp" in v.description)
    kinds = _kinds(analyse_caption(video.description, brand=BLOOM))
    assert kinds[BRAND_HASHTAG.lstrip("#")] == "brand"
    assert kinds["fyp"] == "broad"
    assert {k for t, k in kinds.items() if t not in ("fyp", BRAND_HASHTAG.lstrip("#"))} == {"niche"}


# --- calls to action --------------------------------------------------------------------------------------


def test_overlapping_cta_phrases_come_back_as_one():
    assert find_ctas("Shop the link in my bio 👇") == ["Shop the link in my bio"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Comment SERUM and I'll send the link", ["Comment SERUM"]),
        ("comment 'glow' for the routine", ["comment 'glow'"]),
        ("LEARN MORE at the link", ["LEARN MORE"]),
        ("download the app and sign up today", ["download", "sign up"]),
    ],
)
def test_cta_phrases_are_found_as_written(text, expected):
    assert find_ctas(text) == expected


@pytest.mark.parametrize(
    "text", ["the comment section is wild", "Replying to comments: does it work?", "I subscribed years ago", ""]
)
def test_ordinary_words_are_not_ctas(text):
    assert find_ctas(text) == []


def test_abcd_list_is_part_of_the_cta_lexicon():
    assert {"shop now", "buy now", "learn more", "sign up", "visit site", "watch now"} <= set(CTA_PHRASES)


# --- claims -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "severity"),
    [
        ("This serum cures hair loss", "medical", "high"),
        ("100% clinically proven", "medical", "high"),
        ("guaranteed regrowth", "absolute", "high"),
        ("Lost 10 pounds without dieting", "weight", "high"),
        ("I make $500 a day from my phone", "income", "high"),
        ("The #1 serum on TikTok", "absolute", "medium"),
    ],
)
def test_risky_claims_are_found_with_category_and_severity(text, category, severity):
    claims = find_claims(text)
    assert any(c.category == category and c.severity == severity for c in claims), claims
    for claim in claims:
        assert text[claim.start : claim.end] == claim.phrase
        assert claim.citation


@pytest.mark.parametrize(
    "text", ["This is not a cure, just my routine", "No guarantee, everyone's hair is different", "It doesn’t cure anything"]
)
def test_negated_claims_are_not_claims(text):
    assert find_claims(text) == []
    negated = find_claims(text, include_negated=True)
    assert negated and all(c.negated for c in negated)


def test_caption_notes_a_negated_claim_instead_of_flagging_it():
    analysis = analyse_caption("My honest routine. This is not a cure! #haircare")
    assert analysis.claims == ()
    assert "negated" in analysis.note and "cure" in analysis.note


def test_negation_in_another_clause_does_not_cancel_a_claim():
    assert [c.phrase for c in find_claims("No more hair loss, guaranteed")] == ["guaranteed"]


def test_a_phrase_that_is_itself_a_negation_is_still_a_claim():
    assert [c.phrase for c in find_claims("Gentle, with no side effects")] == ["no side effects"]


def test_hedging_does_not_cancel_a_claim():
    assert [c.phrase for c in find_claims("It may help prevent shedding")] == ["prevent"]


def test_claim_rules_are_versioned_and_compile():
    assert LEXICON_VERSION
    assert {r.category for r in CLAIM_RULES} == {"medical", "absolute", "weight", "income"}
    assert {r.severity for r in CLAIM_RULES} <= {"high", "medium", "low"}


# --- hashtags ---------------------------------------------------------------------------------------------


def test_brand_broad_and_niche_hashtags():
    analysis = analyse_caption("Week 3 hair growth check-in #bloompeptidehairserum #fyp #hairgrowth", brand=BLOOM)
    assert _kinds(analysis) == {"bloompeptidehairserum": "brand", "fyp": "broad", "hairgrowth": "niche"}
    assert not analysis.hashtag_spam


def test_the_brand_name_as_a_tag_counts_as_brand():
    assert _kinds(analyse_caption("New drop #bloom", brand=BLOOM))["bloom"] == "brand"


def test_fifteen_hashtags_is_stacking():
    tags = ["#fyp", "#foryou", "#viral", "#hairgrowth", "#haircare", "#hairtok", "#peptides", "#scalpcare"]
    tags += ["#cats", "#football", "#recipe", "#travel", "#music", "#cars", "#gaming"]
    analysis = analyse_caption("Week 3 hair growth check-in " + " ".join(tags))
    assert len(analysis.hashtags) == 15
    assert analysis.hashtag_spam
    kinds = _kinds(analysis)
    assert kinds["fyp"] == kinds["cats"] == kinds["football"] == "spam"
    assert kinds["hairgrowth"] == "niche"  # still says what the video is about


def test_more_than_five_broad_tags_is_stacking_even_in_a_short_list():
    analysis = analyse_caption("hair day #fyp #foryou #foryoupage #viral #trending #xyzbca")
    assert analysis.hashtag_spam
    assert set(_kinds(analysis).values()) == {"spam"}


def test_a_repeated_tag_and_engagement_bait_are_spam():
    repeated = analyse_caption("hair day #haircare #hairtok #haircare")
    assert repeated.hashtag_spam and _kinds(repeated) == {"haircare": "spam", "hairtok": "niche"}
    bait = analyse_caption("hair day #haircare #followforfollow")
    assert bait.hashtag_spam and _kinds(bait) == {"haircare": "niche", "followforfollow": "spam"}


def test_a_few_ordinary_tags_are_not_spam():
    assert not analyse_caption("hair day #haircare #hairtok #fyp #foryou").hashtag_spam


def test_hashtag_relevance_comes_from_what_the_video_says():
    caption = "My night routine #hairgrowth"
    assert _relevant(analyse_caption(caption, context_text="this is all about hair growth"))["hairgrowth"] is True
    assert _relevant(analyse_caption(caption, context_text="today we bake sourdough bread"))["hairgrowth"] is False
    # the tag itself is not evidence that the video is about it
    assert _relevant(analyse_caption(caption))["hairgrowth"] is False


def test_broad_tags_are_never_relevant():
    assert _relevant(analyse_caption("fyp fyp #fyp", context_text="fyp"))["fyp"] is False


def test_compound_tags_split_into_words():
    assert split_hashtag("hairgrowth", set()) == ["hair", "growth"]
    assert split_hashtag("bloompeptidehairserum", {"bloom"}) == ["bloom", "peptide", "hair", "serum"]
    assert split_hashtag("day30results", set()) == ["day", "30", "results"]
    assert split_hashtag("qzxv", set()) == ["qzxv"]


def test_hashtags_given_apart_from_the_caption_are_merged():
    analysis = analyse_caption("Week 3 check-in #haircare", ["#fyp", "HairCare"])
    assert [h.tag for h in analysis.hashtags] == ["fyp", "haircare"]


# --- hook -------------------------------------------------------------------------------------------------------


def test_hook_is_the_first_sentence_without_hashtags():
    analysis = analyse_caption("#ad Week 3 hair growth check-in. Follow for week 4 #fyp\nsecond line")
    assert analysis.hook == "Week 3 hair growth check-in."


def test_a_very_short_first_sentence_takes_the_next_one_along():
    assert analyse_caption("Why peptides? The 30-second version #fyp").hook == "Why peptides? The 30-second version"


def test_hook_reinforced_when_the_first_seconds_repeat_it():
    analysis = analyse_caption(
        "Week 3 hair growth check-in. Follow for more", first_seconds_text="week three of my hair growth check in"
    )
    assert analysis.hook_reinforced is True
    assert analysis.hook_overlap == 1.0


def test_hook_not_reinforced_when_the_opening_is_unrelated():
    analysis = analyse_caption(
        "Week 3 hair growth check-in. Follow for more", first_seconds_text="okay so I went to the supermarket today"
    )
    assert analysis.hook_reinforced is False
    assert analysis.hook_overlap == 0.0


@pytest.mark.parametrize("opening", ["", "   ", "so the and"])
def test_hook_reinforcement_is_unknown_without_first_seconds_text(opening):
    analysis = analyse_caption("Week 3 hair growth check-in", first_seconds_text=opening)
    assert analysis.hook_reinforced is None and analysis.hook_overlap is None
    assert "first seconds" in analysis.note


def test_first_seconds_text_takes_early_words_and_early_on_screen_text():
    words = (Word(text="week", start=0.2, end=0.5), Word(text="three", start=0.6, end=1.0), Word(text="later", start=3.4, end=3.8))
    transcript = Transcript(
        status="ok",
        backend="pocketsphinx",
        model="en-us",
        confidence="low",
        segments=(TranscriptSegment(start=0.2, end=3.8, text="week three later", words=words),),
    )
    onscreen = [_ocr("t0", 0.0, "HAIR GROWTH CHECK-IN"), _ocr("t3", 3.0, "HAIR GROWTH CHECK-IN"), _ocr("p50", 9.0, "DAY 21")]
    assert first_seconds_text(transcript, onscreen) == "week three\nHAIR GROWTH CHECK-IN"
    assert video_text(transcript, onscreen) == "week three later\nHAIR GROWTH CHECK-IN\nDAY 21"
    assert first_seconds_text(None, None) == "" and video_text(None, None) == ""


def test_segments_without_word_timings_are_cut_at_an_even_speaking_rate():
    segment = TranscriptSegment(start=0.0, end=6.0, text="one two three four five six")
    transcript = Transcript(status="ok", backend="openai", model="whisper-1", confidence="medium", segments=(segment,))
    assert first_seconds_text(transcript, None) == "one two three"


def _ocr(frame: str, t: float, text: str) -> OCRResult:
    line = OCRLine(text=text, confidence=0.9, box=Box(x=0.1, y=0.2, w=0.6, h=0.05), text_height=0.05, in_safe_zone=True)
    return OCRResult(frame=frame, t=t, lines=(line,))


# --- privacy, empty input, errors, storage ------------------------------------------------------------------


def test_email_in_caption_is_redacted_before_storing():
    analysis = analyse_caption("Collabs: bloom.team@example.com. Shop now #haircare")
    assert "example.com" not in analysis.model_dump_json()
    assert analysis.caption == "Collabs: [email]. Shop now #haircare"
    assert analysis.redactions == 1
    assert analysis.ctas == ("Shop now",)


@pytest.mark.parametrize("caption", [None, "", "   "])
def test_no_caption(caption):
    analysis = analyse_caption(caption)
    assert analysis.status == "ok"
    assert analysis.caption == "" and analysis.hashtags == () and analysis.hook == ""
    assert analysis.note == "no caption"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"caption": 42}, "caption"),
        ({"caption": "hi", "hashtags": "#fyp"}, "hashtags"),
        ({"caption": "hi", "hashtags": ["#fyp", 3]}, "hashtags[1]"),
        ({"caption": "hi", "hashtags": ["hair growth"]}, "hashtags[0]"),
        ({"caption": "hi", "first_seconds_text": None}, "first_seconds_text"),
        ({"caption": "hi", "context_text": 1.5}, "context_text"),
    ],
)
def test_wrong_input_types_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        analyse_caption(**kwargs)


def test_brand_lexicon_rejects_a_bare_string_of_hashtags():
    with pytest.raises(ValueError, match="hashtags"):
        BrandLexicon(name="Bloom", hashtags="#bloom")  # type: ignore[arg-type]


def test_analysis_round_trips_through_json():
    analysis = analyse_caption(
        "Day 21 of my peptide serum routine: cures hair loss in 7 days! Follow for week 5 #bloompeptidehairserum #fyp",
        first_seconds_text="day twenty one of my peptide serum routine",
        context_text="peptide serum for hair",
        brand=BLOOM,
    )
    assert analysis.claims and analysis.ctas and analysis.hashtags and analysis.hook_reinforced is True
    assert CaptionAnalysis.model_validate_json(analysis.model_dump_json()) == analysis
