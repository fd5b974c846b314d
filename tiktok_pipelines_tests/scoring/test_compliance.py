"""Compliance: claims per source with their time/frame, negation and hedges, before/after needing two
independent signals, disclosure presence and medium, brand banned claims, blockers and safe CTAs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tiktok_pipelines.demo.world import RISKY_CLAIMS
from tiktok_pipelines.lib.extraction.artifacts import (
    Box,
    OCRLine,
    OCRResult,
    Tag,
    Transcript,
    TranscriptSegment,
    VisualTags,
    Word,
)
from tiktok_pipelines.lib.extraction.lexicons import LEXICON_VERSION
from tiktok_pipelines.lib.scoring.brand import (
    BrandProfile,
    BrandProfileError,
    load_brand_profile,
)
from tiktok_pipelines.lib.scoring.compliance import (
    COMPLIANCE_VERSION,
    DEFAULT_SAFE_CTAS,
    assess_compliance,
)
from tiktok_pipelines.lib.scoring.inputs import ScoringInputs
from tiktok_pipelines.lib.scoring.models import Compliance, PolicyFlag

DEMO = load_brand_profile()
# A brand with no banned words, no off-brand words and no paid creators: only the platform lexicon speaks.
PLAIN = BrandProfile(name="Acme", terms=("Acme serum",))


def said(start: float, text: str, step: float = 0.5, confidence: str = "high") -> TranscriptSegment:
    """A segment whose words are `step` seconds apart, starting at `start`."""
    words = tuple(Word(text=w, start=start + i * step, end=start + i * step + step * 0.8)
                  for i, w in enumerate(text.split()))
    return TranscriptSegment(start=start, end=start + len(words) * step, text=text, words=words)


def transcript(*segments: TranscriptSegment, confidence: str = "high") -> Transcript:
    return Transcript(status="ok", backend="faster-whisper", model="small", confidence=confidence, segments=segments)


def shown(label: str, t: float, *lines: str) -> OCRResult:
    return OCRResult(frame=label, t=t, lines=tuple(
        OCRLine(text=text, confidence=0.9, box=Box(x=0.1, y=0.4, w=0.6, h=0.05), text_height=0.05, in_safe_zone=True)
        for text in lines))


def clip(*tags: Tag, status: str = "ok") -> VisualTags:
    return VisualTags(status="ok", clip_status=status, clip_model="ViT-B-32", tags=tags)


def video(**kw: object) -> ScoringInputs:
    base: dict[str, object] = {"video_id": "v1", "duration": 20.0, "width": 1080, "height": 1920, "has_audio": True}
    return ScoringInputs(**(base | kw))  # type: ignore[arg-type]


def flag(c: Compliance, code: str) -> PolicyFlag:
    found = [f for f in c.flags if f.code == code]
    assert found, f"no {code} flag in {[f.code for f in c.flags]}"
    return found[0]


def codes(c: Compliance) -> set[str]:
    return {f.code for f in c.flags}


# --- claims per source --------------------------------------------------------------------------------------

CLAIMS = [
    ("medical_claim", "this serum cures hair loss", "cures", "high"),
    ("absolute_claim", "results are guaranteed", "guaranteed", "high"),
    ("weight_claim", "I lost 10 pounds with it", "lost 10 pounds", "high"),
    ("income_claim", "I make $500 a day now", "make $500 a day", "high"),
]


@pytest.mark.parametrize(("code", "sentence", "phrase", "severity"), CLAIMS)
def test_spoken_claim_carries_the_time_of_its_first_word(code: str, sentence: str, phrase: str, severity: str) -> None:
    c = assess_compliance(video(transcript=transcript(said(0.0, "okay so listen up."), said(4.1, sentence))), PLAIN)
    f = flag(c, code)
    assert f.severity == severity
    (e,) = f.evidence
    assert e.source == "transcript" and e.text == phrase
    assert e.t == pytest.approx(4.1 + 0.5 * sentence.split().index(phrase.split()[0]))
    assert f"'{phrase}' said at {e.t:.1f} s" in e.detail
    assert "tiktok" in f.platforms and f.citation


@pytest.mark.parametrize(("code", "sentence", "phrase", "severity"), CLAIMS)
def test_onscreen_claim_carries_its_frame_and_time(code: str, sentence: str, phrase: str, severity: str) -> None:
    c = assess_compliance(video(onscreen=(shown("t0", 0.0, "Hair diary"), shown("p50", 9.5, sentence.upper()))), PLAIN)
    (e,) = flag(c, code).evidence
    assert (e.source, e.frame, e.t, e.text) == ("onscreen_text", "p50", 9.5, phrase.upper())
    assert "on screen at 9.5 s (frame p50)" in e.detail


@pytest.mark.parametrize(("code", "sentence", "phrase", "severity"), CLAIMS)
def test_caption_claim_is_evidenced_from_the_caption(code: str, sentence: str, phrase: str, severity: str) -> None:
    c = assess_compliance(video(caption=f"Week 3 update! {sentence} #hairgrowth"), PLAIN)
    f = flag(c, code)
    (e,) = f.evidence
    assert (e.source, e.t, e.frame, e.text) == ("caption", None, None, phrase)
    assert f"'{phrase}' in caption" in e.detail


def test_word_times_map_through_punctuation_and_unaligned_words() -> None:
    # Whisper words carry punctuation and the redactor rewrote one word: the claim still gets its own word's time.
    words = (Word(text=" Honestly,", start=1.0, end=1.4), Word(text=" Jane", start=1.5, end=1.8),
             Word(text=" it", start=2.0, end=2.1), Word(text=" heals", start=2.7, end=3.0),
             Word(text=" eczema.", start=3.1, end=3.6))
    segment = TranscriptSegment(start=1.0, end=3.6, text="Honestly, [NAME] it heals eczema.", words=words)
    c = assess_compliance(video(transcript=transcript(segment)), PLAIN)
    assert [e.t for e in flag(c, "medical_claim").evidence] == [2.7]


def test_a_segment_without_words_times_its_claims_at_the_segment_start() -> None:
    segment = TranscriptSegment(start=6.0, end=9.0, text="and it is clinically proven")
    (e,) = flag(assess_compliance(video(transcript=transcript(segment)), PLAIN), "medical_claim").evidence
    assert e.t == 6.0 and e.text == "clinically proven"


def test_claim_flag_takes_the_highest_severity_and_orders_evidence_by_source_then_time() -> None:
    c = assess_compliance(video(
        caption="Clinically tested formula",  # medium
        onscreen=(shown("p75", 12.0, "heals your scalp"), shown("t1", 1.0, "prevents shedding")),  # high, medium
        transcript=transcript(said(8.0, "it helps prevent breakage"), said(2.0, "it cured my alopecia")),
    ), PLAIN)
    f = flag(c, "medical_claim")
    assert f.severity == "high"
    assert [(e.source, e.t) for e in f.evidence] == [
        ("transcript", 2.5), ("transcript", 9.0), ("onscreen_text", 1.0), ("onscreen_text", 12.0), ("caption", None)]


def test_an_overlay_read_on_several_keyframes_is_one_piece_of_evidence_at_its_first_sighting() -> None:
    c = assess_compliance(video(onscreen=(shown("t0", 0.0, "GUARANTEED", "GUARANTEED"), shown("t1", 1.0, "GUARANTEED"))),
                          PLAIN)
    assert [e.frame for e in flag(c, "absolute_claim").evidence] == ["t0"]


def test_negated_claims_do_not_flag_anywhere() -> None:
    c = assess_compliance(video(
        caption="This is not a cure, just my routine",
        onscreen=(shown("t0", 0.0, "NOT A CURE"),),
        transcript=transcript(said(0.0, "this serum is not a cure for anything")),
    ), DEMO)  # the demo brand bans 'cure' too: a disclaimer is not a banned claim either
    assert c.flags == () and c.blockers == () and c.safe_ctas == ()


def test_a_hedge_does_not_cancel_a_claim() -> None:
    c = assess_compliance(video(transcript=transcript(said(3.0, "this may help cure thinning"))), PLAIN)
    f = flag(c, "medical_claim")
    assert f.severity == "high" and f.evidence[0].text == "cure"
    assert c.caps_band


def test_low_confidence_transcript_says_so_beside_the_words() -> None:
    c = assess_compliance(video(transcript=transcript(said(0.0, "it cures baldness"), confidence="low")), PLAIN)
    assert "low-confidence transcript" in flag(c, "medical_claim").evidence[0].detail


@pytest.mark.parametrize("claim", RISKY_CLAIMS)
def test_demo_world_risky_claims_flag_high_from_the_caption(claim: str) -> None:
    caption = f"Day 12 of my peptide serum routine {claim} #hairgrowth #bloompeptidehairserum"
    for brand in (PLAIN, DEMO):
        c = assess_compliance(video(caption=caption), brand)
        claim_flags = [f for f in c.flags if f.code.endswith("_claim") and f.code != "banned_claim"]
        assert any(f.severity == "high" for f in claim_flags), claim
        assert all(e.source == "caption" for f in claim_flags for e in f.evidence)
        assert c.caps_band


# --- brand profile --------------------------------------------------------------------------------------------


def test_banned_claim_from_the_demo_profile_flags_high() -> None:
    c = assess_compliance(video(caption="My little miracle in a bottle"), DEMO)
    f = flag(c, "banned_claim")
    assert f.severity == "high" and f.evidence[0].text == "miracle"
    assert "miracle" in f.evidence[0].detail and "Bloom@1" in f.citation
    assert c.caps_band


def test_banned_claims_match_whole_words_only() -> None:
    c = assess_compliance(video(caption="I secured my edges with a silk scarf"), DEMO)
    assert "banned_claim" not in codes(c)


def test_a_bad_banned_claim_regex_names_the_pattern(tmp_path: Path) -> None:
    path = tmp_path / "brand.yaml"
    path.write_text("name: Broken\nbanned_claims: ['cure[sd', 'miracle']\n", encoding="utf-8")
    brand = load_brand_profile(path)
    with pytest.raises(BrandProfileError, match=r"banned_claims pattern 'cure\[sd' is not a valid regular expression"):
        assess_compliance(video(), brand)  # even a video with no text: a broken profile is never silent


def test_off_brand_words_flag_low_and_do_not_cap_the_band() -> None:
    c = assess_compliance(video(caption="My scalp routine, no minoxidil needed"), DEMO)
    f = flag(c, "off_brand_mention")
    assert f.severity == "low" and f.evidence[0].text == "minoxidil"
    assert not c.caps_band


# --- before/after -----------------------------------------------------------------------------------------------


def test_before_after_from_onscreen_text_alone_does_not_flag() -> None:
    c = assess_compliance(video(onscreen=(shown("t0", 0.0, "BEFORE"), shown("p75", 15.0, "AFTER", "Day 30"))), PLAIN)
    assert "before_after_sensitive" not in codes(c)


def test_two_signals_from_the_same_source_count_once() -> None:
    c = assess_compliance(video(caption="My before and after, real results #beforeandafter"), PLAIN)
    assert "before_after_sensitive" not in codes(c)


def test_onscreen_plus_caption_before_after_flags_medium() -> None:
    c = assess_compliance(video(onscreen=(shown("t0", 0.0, "Day 1"), shown("end", 19.0, "Day 30")),
                                caption="3 month before & after with my nightly routine"), PLAIN)
    f = flag(c, "before_after_sensitive")
    assert f.severity == "medium"
    assert {e.source for e in f.evidence} == {"onscreen_text", "caption"}
    assert [e.frame for e in f.evidence if e.source == "onscreen_text"] == ["t0", "end"]
    assert set(f.platforms) == {"tiktok", "meta"}
    assert "before-and-after" in f.citation and "transparency.fb.com" in f.citation
    assert [(b.platform, b.code) for b in c.blockers] == [("meta", "before_after_sensitive")]


def test_before_after_about_hair_loss_is_high_and_blocked_on_tiktok() -> None:
    c = assess_compliance(video(onscreen=(shown("t0", 0.0, "BEFORE"), shown("p75", 15.0, "AFTER 8 weeks")),
                                transcript=transcript(said(2.0, "here are my results after the hair loss phase"))),
                          PLAIN)
    f = flag(c, "before_after_sensitive")
    assert f.severity == "high"
    assert any(e.text and e.text.lower() == "hair loss" for e in f.evidence)
    assert {(b.platform, b.code) for b in c.blockers} == {("tiktok", "before_after_sensitive"),
                                                          ("meta", "before_after_sensitive")}


def test_ordinary_words_are_not_before_after_signals() -> None:
    c = assess_compliance(video(onscreen=(shown("t0", 0.0, "Before you buy another hair oil, watch this"),),
                                caption="Results may vary. POV: your part line after 6 weeks",
                                transcript=transcript(said(0.0, "before you buy anything hear me out"))), PLAIN)
    assert "before_after_sensitive" not in codes(c)


def test_clip_tag_counts_only_above_threshold_and_when_clip_ran() -> None:
    caption = "before/after of my scalp routine"
    strong = Tag(family="before_after", label="before and after comparison", score=0.81, frames=("p50",))
    weak = Tag(family="before_after", label="split screen", score=0.4, frames=("p50",))
    c = assess_compliance(video(caption=caption, visual=clip(strong)), PLAIN)
    f = flag(c, "before_after_sensitive")
    (e,) = [e for e in f.evidence if e.source == "visual"]
    assert e.frame == "p50" and e.value == 0.81 and "0.81" in e.detail
    assert "before_after_sensitive" not in codes(assess_compliance(video(caption=caption, visual=clip(weak)), PLAIN))
    unavailable = clip(strong, status="unavailable")
    assert "before_after_sensitive" not in codes(assess_compliance(video(caption=caption, visual=unavailable), PLAIN))


# --- disclosure ---------------------------------------------------------------------------------------------------


def test_missing_disclosure_for_a_paid_partnership_flags_high() -> None:
    paid = DEMO.model_copy(update={"paid_partnership": True})
    c = assess_compliance(video(caption="Shop Bloom via the link in my bio #bloomhair"), paid)
    f = flag(c, "missing_disclosure")
    assert f.severity == "high" and "FTC Endorsement Guides" in f.citation
    (e,) = f.evidence
    assert e.source == "brand_profile" and "paid_partnership" in e.detail
    assert "not checked, no data: on-screen text, speech" in e.detail
    assert c.caps_band
    assert "missing_disclosure" not in codes(assess_compliance(video(caption="Shop Bloom #bloomhair"), DEMO))


def test_disclosures_are_recorded_wherever_they_appear() -> None:
    c = assess_compliance(video(
        caption="Love this #ad #bloomhair",
        onscreen=(shown("t0", 0.0, "AD"),),
        transcript=transcript(said(1.0, "this video is sponsored by Bloom")),
    ), DEMO.model_copy(update={"paid_partnership": True}))
    assert [(e.source, e.text, e.t) for e in c.disclosure_found] == [
        ("transcript", "this video is sponsored by", 1.0), ("onscreen_text", "AD", 0.0), ("caption", "#ad", None)]
    assert not ({"missing_disclosure", "disclosure_mismatch"} & codes(c))
    assert c.flags == () and c.safe_ctas == ()


def test_not_disclosures() -> None:
    c = assess_compliance(video(caption="#adorable routine, not sponsored by anyone", onscreen=(shown("t0", 0.0, "ADD"),),
                                transcript=transcript(said(0.0, "this is not sponsored by anyone"))),
                          DEMO.model_copy(update={"paid_partnership": True}))
    assert c.disclosure_found == ()
    assert "missing_disclosure" in codes(c)


def test_hashtags_missing_from_the_caption_text_are_still_read() -> None:
    c = assess_compliance(video(caption="so #adorable", hashtags=("adorable", "ad")), PLAIN)
    assert [(e.source, e.text) for e in c.disclosure_found] == [("hashtags", "#ad")]


def test_audible_endorsement_with_only_visual_disclosure_is_a_mismatch() -> None:
    c = assess_compliance(video(caption="my wash day #ad",
                                transcript=transcript(said(0.0, "I have been using Bloom every night"))), DEMO)
    f = flag(c, "disclosure_mismatch")
    assert f.severity == "medium" and "visual" in f.citation and "audible" in f.citation
    assert [(e.source, e.text) for e in f.evidence] == [("transcript", "Bloom"), ("caption", "#ad")]
    assert f.evidence[0].t == 2.0  # "Bloom" is the fifth word, 0.5 s apart
    assert not c.caps_band


def test_visual_endorsement_with_only_spoken_disclosure_is_a_mismatch() -> None:
    c = assess_compliance(video(onscreen=(shown("t1", 1.0, "Bloom peptide serum"),),
                                transcript=transcript(said(0.0, "quick one, this is a paid partnership"))), DEMO)
    f = flag(c, "disclosure_mismatch")
    assert [(e.source, e.text) for e in f.evidence] == [("transcript", "paid partnership"),
                                                        ("onscreen_text", "Bloom")]


def test_no_transcript_is_not_evidence_of_an_audible_endorsement() -> None:
    c = assess_compliance(video(caption="Bloom on wash day #ad"), DEMO)
    assert "disclosure_mismatch" not in codes(c)


# --- empty and odd input, safe CTAs, determinism ---------------------------------------------------------------


def test_no_text_at_all_gives_no_flags() -> None:
    c = assess_compliance(video(has_audio=False), DEMO)
    assert c == Compliance(lexicon_version=f"{COMPLIANCE_VERSION}+{LEXICON_VERSION}")
    assert not c.caps_band


def test_empty_and_odd_artifacts_do_not_crash() -> None:
    c = assess_compliance(video(
        caption="  🔥🔥 \n ",
        hashtags=("", "#", "fyp"),
        onscreen=(shown("t0", 0.0, "", "   "), OCRResult(frame="t1", t=1.0)),
        transcript=Transcript(status="ok", backend="x", model="m", confidence="low",
                              segments=(TranscriptSegment(start=0.0, end=1.0, text=""),
                                        TranscriptSegment(start=1.0, end=2.0, text="",
                                                          words=(Word(text=" ", start=1.0, end=1.1),)))),
        visual=clip(),
    ), DEMO)
    assert c.flags == () and c.disclosure_found == ()


def test_failed_transcript_is_not_searched() -> None:
    broken = Transcript(status="error", backend="x", model="m", confidence="low",
                        segments=(said(0.0, "it cures everything"),))
    assert assess_compliance(video(transcript=broken), PLAIN).flags == ()


def test_safe_ctas_only_when_risky_brand_first() -> None:
    assert assess_compliance(video(caption="My wash day routine #bloomhair"), DEMO).safe_ctas == ()
    risky = assess_compliance(video(caption="guaranteed thicker hair"), DEMO)
    assert risky.safe_ctas[: len(DEMO.safe_ctas)] == DEMO.safe_ctas
    assert risky.safe_ctas[len(DEMO.safe_ctas):] == DEFAULT_SAFE_CTAS
    assert assess_compliance(video(caption="guaranteed thicker hair"), PLAIN).safe_ctas == DEFAULT_SAFE_CTAS


def test_safe_ctas_make_no_claims_themselves() -> None:
    from tiktok_pipelines.lib.extraction.lexicons import find_claims

    assert all(find_claims(cta) == [] for cta in (*DEFAULT_SAFE_CTAS, *DEMO.safe_ctas))


def test_high_severity_caps_the_band_and_medical_claims_block_on_tiktok() -> None:
    c = assess_compliance(video(transcript=transcript(said(0.0, "it cures hair loss and melts belly fat"))), PLAIN)
    assert c.caps_band
    assert [(b.platform, b.code) for b in c.blockers] == [("tiktok", "medical_claim"), ("tiktok", "weight_claim")]
    assert all(b.citation and b.evidence for b in c.blockers)
    medium = assess_compliance(video(caption="prevents breakage"), PLAIN)
    assert flag(medium, "medical_claim").severity == "medium" and not medium.caps_band and medium.blockers == ()


def test_identical_inputs_give_identical_compliance() -> None:
    def build() -> ScoringInputs:
        return video(caption="before and after #ad guaranteed", hashtags=("sponsored", "ad"),
                     onscreen=(shown("t0", 0.0, "Day 1", "100% natural"), shown("end", 19.0, "Day 60")),
                     transcript=transcript(said(0.0, "Bloom cured my alopecia, results in 7 days")),
                     visual=clip(Tag(family="before_after", label="split screen", score=0.7, frames=("t0",))))

    first, second = assess_compliance(build(), DEMO), assess_compliance(build(), DEMO)
    assert first == second
    assert first.model_dump_json() == second.model_dump_json()
    ranks = {"high": 0, "medium": 1, "low": 2}
    assert [ranks[f.severity] for f in first.flags] == sorted(ranks[f.severity] for f in first.flags)


def test_wrong_argument_types_are_named() -> None:
    with pytest.raises(TypeError, match="brand must be a BrandProfile"):
        assess_compliance(video(), {"name": "Bloom"})  # type: ignore[arg-type]
