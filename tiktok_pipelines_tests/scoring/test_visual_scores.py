"""The sixteen visual-only scores: what a viewer gets with the sound off, with evidence, and honest about
what the extractors could not see."""

from __future__ import annotations

import dataclasses

import pytest

from tiktok_pipelines.lib.extraction.artifacts import (
    Box,
    FrameStats,
    OCRLine,
    OCRResult,
    Tag,
    VisualTags,
)
from tiktok_pipelines.lib.scoring.inputs import ScoringInputs
from tiktok_pipelines.lib.scoring.models import (
    VISUAL_SCORES,
    Compliance,
    Evidence,
    PolicyFlag,
    Score,
)
from tiktok_pipelines.lib.scoring.scale import shrink_toward_neutral, to_score_value
from tiktok_pipelines.lib.scoring.visual_scores import font_height, visual_scores
from tiktok_pipelines_tests.scoring.videos import (
    line,
    make_inputs,
    said,
    silent_text_video,
    strong_list_video,
    weak_video,
)

RULE = "scoring-test"
NO_FLAGS = Compliance(lexicon_version="lexicon-1")


def scores(inputs: ScoringInputs, compliance: Compliance = NO_FLAGS) -> dict[str, Score]:
    return {s.name: s for s in visual_scores(inputs, compliance, rule_version=RULE)}


def details(score: Score) -> str:
    return "\n".join(e.detail for e in score.evidence)


def talking_head(**overrides: object) -> ScoringInputs:
    """A creator talks for 20 s in one shot; nothing is written on screen; the CTA is only spoken."""
    args: dict = {
        "video_id": "talking", "duration": 20.0, "face": True, "caption": "my hair update #hairtok",
        "hashtags": ("hairtok",),
        "speech": (said(0.2, "okay so my hair has been shedding a lot lately"),
                   said(4.0, "I started massaging my scalp every night with a peptide serum"),
                   said(10.0, "it is hormone free and it feels light"),
                   said(16.0, "comment SERUM below and I will send it")),
        "overlays": (), "cuts": (),
    }
    args.update(overrides)
    return make_inputs(**args)


def with_clip(inputs: ScoringInputs, *tags: Tag) -> ScoringInputs:
    assert inputs.visual is not None
    visual = inputs.visual.model_copy(update={"clip_status": "ok", "clip_model": "ViT-B-32", "tags": tags, "note": ""})
    return dataclasses.replace(inputs, visual=visual)


def flag(severity: str, code: str = "medical_claim") -> PolicyFlag:
    return PolicyFlag(code=code, severity=severity, summary=f"{code} in the caption", citation="TikTok ads policy",  # type: ignore[arg-type]
                      evidence=(Evidence(source="caption", detail=f"'cures hair loss' in caption ({severity})", text="cures hair loss"),))


# --- shape ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("video", [strong_list_video, weak_video, silent_text_video, talking_head], ids=lambda f: f.__name__)
def test_all_sixteen_scores_in_order_as_integers_with_rule_and_evidence(video) -> None:
    result = visual_scores(video(), NO_FLAGS, rule_version=RULE)
    assert tuple(s.name for s in result) == VISUAL_SCORES
    for s in result:
        assert type(s.value) is int and 0 <= s.value <= 10, s
        assert 0.0 <= s.raw <= 10.0
        assert s.rule == f"{s.name}@{RULE}"
        assert s.evidence, f"{s.name} has no evidence"
        assert all(e.detail.strip() for e in s.evidence)


def test_identical_inputs_give_identical_scores() -> None:
    first = visual_scores(strong_list_video(), NO_FLAGS, rule_version=RULE)
    again = visual_scores(strong_list_video(), NO_FLAGS, rule_version=RULE)
    assert first == again
    assert [s.model_dump_json() for s in first] == [s.model_dump_json() for s in again]


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="inputs"):
        visual_scores(None, NO_FLAGS, rule_version=RULE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rule_version"):
        visual_scores(strong_list_video(), NO_FLAGS, rule_version=" ")


# --- silent comprehension and text --------------------------------------------------------------------------------


def test_a_silent_video_with_its_message_on_screen_is_silent_friendly() -> None:
    s = scores(silent_text_video())
    assert s["silent_comprehension"].value >= 7
    assert s["text_legibility"].value >= 7
    assert "nothing is spoken" in details(s["silent_comprehension"])
    assert "CTA 'SHOP THE LINK IN BIO' on screen" in details(s["silent_comprehension"])


def test_a_talking_head_with_nothing_on_screen_is_lost_without_sound() -> None:
    s = scores(talking_head())
    assert s["silent_comprehension"].value <= 3
    assert "text on 0 of" in details(s["silent_comprehension"])
    assert "CTA 'comment SERUM' only spoken" in details(s["silent_comprehension"])


def test_no_text_at_all_has_nothing_to_read_or_time() -> None:
    s = scores(talking_head())
    for name in ("text_legibility", "text_timing"):
        assert s[name].value <= 2
        assert "no on-screen text" in s[name].note
        assert not s[name].shrunk  # OCR ran and found nothing: that is evidence, not a gap


def test_a_weak_transcript_only_pulls_its_own_part_toward_neutral() -> None:
    strong = scores(talking_head())["silent_comprehension"]
    weak = scores(talking_head(asr_confidence="low"))["silent_comprehension"]
    assert weak.shrunk and "low-confidence transcript" in weak.note
    assert weak.value <= 3  # the screen is still empty: only the word-overlap part moved
    assert weak.raw == strong.raw and weak.value >= strong.value


def test_tiny_text_under_the_bottom_ui_is_hard_to_read() -> None:
    tiny = line("shop the link in bio for 20% off", height=0.012, y=0.86, safe=False, overlaps=("bottom",))
    s = scores(silent_text_video(overlays=((0.0, 20.0, tiny),)))
    assert s["text_legibility"].value <= 3
    assert "under the bottom UI" in details(s["text_legibility"])
    assert "font 1.2% of frame height" in details(s["text_legibility"])
    big = line("SHOP THE LINK IN BIO", height=0.04, y=0.5)
    assert scores(silent_text_video(overlays=((0.0, 20.0, big),)))["text_legibility"].value >= 8


def test_the_ocr_box_of_a_capitals_line_is_read_as_its_font_size() -> None:
    # Same 64-69 px font on a 1920-px frame: capitals box 2.55 %, a line with descenders 3.49 %.
    caps = OCRLine(text="SKIP THE HEAVY OILS", confidence=0.96, box=Box(x=0.1, y=0.5, w=0.7, h=0.0255),
                   text_height=0.0255, in_safe_zone=True)
    mixed = OCRLine(text="serum: my 2-minute", confidence=0.94, box=Box(x=0.1, y=0.3, w=0.7, h=0.0349),
                    text_height=0.0349, in_safe_zone=True)
    assert font_height(caps) == pytest.approx(0.0336, abs=0.001)
    assert font_height(mixed) == pytest.approx(0.036, abs=0.001)


def test_text_that_flashes_by_is_too_short_to_read() -> None:
    long_line = line("FIVE PEPTIDES THAT WORK WHILE YOU SLEEP AND WHY", height=0.04)
    flashed = silent_text_video(overlays=((0.0, 0.5, long_line),))
    s = scores(flashed)["text_timing"]
    assert "too short:" in details(s)
    assert s.value < scores(silent_text_video())["text_timing"].value


# --- missing modalities and CLIP -----------------------------------------------------------------------------------


def test_without_clip_aesthetics_and_emotion_are_still_integers_and_say_so() -> None:
    s = scores(strong_list_video())
    for name in ("aesthetics", "emotion", "camera_work"):
        assert type(s[name].value) is int
        assert "CLIP unavailable" in s[name].note
        assert s[name].shrunk


def test_clip_tags_are_used_when_clip_ran() -> None:
    plain = strong_list_video()
    tagged = with_clip(plain, Tag(family="aesthetics", label="professional studio production", score=0.8, frames=("t0",)),
                       Tag(family="emotion", label="happy", score=0.7, frames=("t1", "t2")))
    with_tags, without = scores(tagged), scores(plain)
    assert "CLIP unavailable" not in with_tags["aesthetics"].note
    assert "CLIP aesthetics 'professional studio production' (0.80)" in details(with_tags["aesthetics"])
    assert with_tags["emotion"].value > without["emotion"].value
    assert "CLIP emotion 'happy'" in details(with_tags["emotion"])


def test_a_missing_visual_stage_is_neutral_with_low_confidence_never_zero() -> None:
    s = scores(strong_list_video(missing=("visual_tags",)))
    for name in ("aesthetics", "first_frame"):
        assert s[name].value == 5
        assert s[name].confidence == "low"
        assert s[name].shrunk
        assert "visual_tags missing" in s[name].note


def test_missing_on_screen_text_is_not_scored_as_no_text() -> None:
    s = scores(strong_list_video(missing=("onscreen_text",)))
    assert s["text_legibility"].value == 5
    assert "onscreen_text missing" in s["text_legibility"].note
    assert s["text_legibility"].confidence == "low"


def test_missing_everything_leaves_every_visual_score_neutral_or_near_it() -> None:
    bare = ScoringInputs(video_id="bare", duration=0.0, width=0, height=0, has_audio=True)
    for s in visual_scores(bare, NO_FLAGS, rule_version=RULE):
        assert 3 <= s.value <= 9, s  # brand safety alone may stay at 9: no flag is a finding of the compliance pass
        assert s.confidence in ("low", "medium")


# --- picture, motion, format -----------------------------------------------------------------------------------------


def _still_frames(inputs: ScoringInputs, **stats: float) -> ScoringInputs:
    assert inputs.visual is not None
    frames = tuple(f.model_copy(update=stats) for f in inputs.visual.frames)
    return dataclasses.replace(inputs, visual=inputs.visual.model_copy(update={"frames": frames}))


def test_a_dark_blurred_picture_has_poor_aesthetics_and_first_frame() -> None:
    good = scores(strong_list_video())
    dark = scores(_still_frames(strong_list_video(), brightness=0.03, contrast=0.02, colourfulness=2.0, sharpness=5.0))
    assert dark["aesthetics"].value <= 3 < good["aesthetics"].value
    assert dark["first_frame"].value < good["first_frame"].value
    assert "brightness 0.03" in details(dark["aesthetics"])


def test_a_dark_still_first_second_with_tiny_text_does_not_stop_the_thumb() -> None:
    tiny = line("new video", height=0.011, y=0.5)
    dull = _still_frames(silent_text_video(overlays=((0.0, 20.0, tiny),), cuts=(8.0,)),
                         brightness=0.05, contrast=0.02, colourfulness=3.0)
    dull = dataclasses.replace(dull, scenes=dull.scenes.model_copy(update={"motion_energy": (0.0,) * 20}))  # type: ignore[union-attr]
    low, high = scores(dull)["thumb_stop"], scores(strong_list_video())["thumb_stop"]
    assert low.value <= 2
    assert high.value >= 8
    assert "font 1.4% of frame height" in details(low) and "motion energy 0.000 in the first second" in details(low)


def test_a_frozen_single_shot_has_no_motion_dynamics() -> None:
    frozen = strong_list_video(cuts=())
    frozen = dataclasses.replace(frozen, scenes=frozen.scenes.model_copy(update={"motion_energy": (0.0,) * 30}))  # type: ignore[union-attr]
    s, good = scores(frozen), scores(strong_list_video())
    assert s["motion_dynamics"].value <= 2 < good["motion_dynamics"].value
    assert "frozen picture in 30 s" in details(s["motion_dynamics"])
    assert s["camera_work"].value < good["camera_work"].value
    assert "one shot of 30.0 s" in details(s["camera_work"])


def test_a_cut_and_a_colour_jump_in_the_first_three_seconds_interrupt_the_feed() -> None:
    video = strong_list_video(cuts=(1.5, 6.0, 12.0))
    frames = tuple(f.model_copy(update={"brightness": 0.2 if f.t < 1.5 else 0.6}) for f in video.visual.frames)  # type: ignore[union-attr]
    jumpy = dataclasses.replace(video, visual=video.visual.model_copy(update={"frames": frames}))  # type: ignore[union-attr]
    static = strong_list_video(cuts=(8.0, 16.0))
    static = dataclasses.replace(static, scenes=static.scenes.model_copy(update={"motion_energy": (0.001,) * 30}))  # type: ignore[union-attr]
    high, low = scores(jumpy)["pattern_interrupt"], scores(static)["pattern_interrupt"]
    assert high.value >= 8
    assert low.value <= 3
    assert "first cut at 1.5 s" in details(high) and "brightness 0.20 -> 0.60" in details(high)
    assert "no cut in the first 3 s (first cut at 8.0 s)" in details(low)


def test_short_videos_without_an_end_card_loop_better() -> None:
    short = silent_text_video(duration=12.0, overlays=((0.0, 6.0, line("3 PEPTIDES YOUR SCALP NEEDS")),), cuts=(3.0, 6.0, 9.0))
    long_with_card = silent_text_video(duration=60.0, cuts=(20.0, 40.0), overlays=(
        (0.0, 5.0, line("3 PEPTIDES YOUR SCALP NEEDS")), (54.0, 60.0, line("FOLLOW FOR PART 2"))))
    frames = tuple(f.model_copy(update={"brightness": 0.8 if f.frame == "end" else 0.4}) for f in long_with_card.visual.frames)  # type: ignore[union-attr]
    energy = (0.05,) * 58 + (0.0, 0.0)  # the last seconds are a still card
    long_with_card = dataclasses.replace(
        long_with_card, visual=long_with_card.visual.model_copy(update={"frames": frames}),  # type: ignore[union-attr]
        scenes=long_with_card.scenes.model_copy(update={"motion_energy": energy}))  # type: ignore[union-attr]
    good, bad = scores(short)["loopability"], scores(long_with_card)["loopability"]
    assert good.value >= 8 and bad.value <= 2
    assert "ends on a card: 'FOLLOW FOR PART 2' at 59.0 s (end) over a frozen picture" in details(bad)
    assert "no end card" in details(good)


def test_text_kept_on_screen_from_the_start_is_not_an_end_card() -> None:
    persistent = silent_text_video(overlays=((0.0, 20.0, line("FOLLOW FOR PART 2")),))
    assert "no end card" in details(scores(persistent)["loopability"])


def test_landscape_long_and_soundless_is_off_trend() -> None:
    off = silent_text_video(width=1920, height=1080, duration=150.0, hashtags=("fyp",))
    off = dataclasses.replace(off, caption_analysis=None, hashtags=("fyp",))
    s = scores(off)["trend_alignment"]
    assert s.value <= 3
    assert "1920x1080 (landscape)" in details(s)
    assert scores(strong_list_video())["trend_alignment"].value >= 8


def test_a_face_to_camera_voice_and_community_tags_read_as_native() -> None:
    native = scores(talking_head(overlays=((0.0, 20.0, line("my hair update", height=0.04)),)))["cultural_resonance"]
    slideshow = scores(silent_text_video())["cultural_resonance"]
    assert native.value >= 7 > slideshow.value
    assert "community hashtag #hairtok" in details(native)


def test_a_numbered_list_with_a_save_ask_is_worth_saving() -> None:
    caption = "3 steps for a healthier scalp. Save this for wash day #hairtok"
    listed = scores(silent_text_video(caption=caption))["save_share"]
    assert listed.value >= 8
    assert "'Save this' caption" in details(listed)
    bare = scores(talking_head(caption="hello", speech=(said(0.5, "hello everyone good morning"),)))["save_share"]
    assert bare.value <= 3


# --- brand safety -----------------------------------------------------------------------------------------------------


def test_brand_safety_is_capped_by_compliance_flags() -> None:
    video = strong_list_video()
    high = scores(video, Compliance(lexicon_version="lexicon-1", flags=(flag("high"),)))["brand_safety"]
    medium = scores(video, Compliance(lexicon_version="lexicon-1", flags=(flag("medium", "absolute_claim"),)))["brand_safety"]
    clean = scores(video)["brand_safety"]
    assert high.value <= 3
    assert 3 < medium.value <= 6
    assert clean.value == 9
    assert "high-severity medical_claim: 'cures hair loss' in caption" in details(high)
    assert "CLIP unavailable" in clean.note


def test_unsafe_imagery_from_clip_caps_brand_safety_and_clean_clip_lifts_it() -> None:
    video = strong_list_video()
    unsafe = scores(with_clip(video, Tag(family="brand_safety", label="weapons", score=0.6, frames=("p50",))))["brand_safety"]
    checked = scores(with_clip(video))["brand_safety"]
    assert unsafe.value <= 3 and "CLIP brand-safety 'weapons'" in details(unsafe)
    assert checked.value == 10


# --- the shared scale -------------------------------------------------------------------------------------------------


def test_shrinking_keeps_half_at_low_and_most_at_medium_confidence() -> None:
    assert shrink_toward_neutral(9.0, "low") == pytest.approx(7.0)
    assert shrink_toward_neutral(9.0, "medium") == pytest.approx(8.2)
    assert shrink_toward_neutral(9.0, "high") == pytest.approx(9.0)
    assert shrink_toward_neutral(1.0, "low") == pytest.approx(3.0)
    with pytest.raises(ValueError, match="confidence"):
        shrink_toward_neutral(9.0, "certain")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        shrink_toward_neutral(float("nan"), "low")


def test_score_values_round_half_up_and_stay_in_range() -> None:
    assert [to_score_value(x) for x in (6.5, 7.5, 7.49, 0.3 * 8.5 + 0.7 * 7, -3.0, 12.0)] == [7, 8, 7, 7, 0, 10]
    assert type(to_score_value(4.4)) is int
    with pytest.raises(ValueError):
        to_score_value(float("nan"))


def test_image_statistics_are_trusted_even_when_clip_is_missing() -> None:
    # visual_tags without CLIP is a medium-confidence modality; its measured statistics are not weakened
    # twice: only the CLIP part is held at neutral.
    s = scores(strong_list_video())["aesthetics"]
    stats_only = [e for e in s.evidence if e.detail.startswith("median sharpness")]
    assert stats_only and "'sharpness' from a" not in s.note


def test_frame_stats_built_by_hand_without_modalities_are_read() -> None:
    frames = tuple(FrameStats(frame=label, t=t, brightness=0.5, contrast=0.22, colourfulness=45.0, sharpness=900.0, thirds=0.7)
                   for label, t in (("t0", 0.0), ("t1", 1.0), ("t2", 2.0), ("end", 9.0)))
    bare = ScoringInputs(video_id="hand", duration=10.0, width=1080, height=1920, has_audio=False,
                         visual=VisualTags(status="ok", frames=frames),
                         onscreen=tuple(OCRResult(frame=f.frame, t=f.t) for f in frames))
    s = scores(bare)
    assert s["aesthetics"].value >= 7
    assert s["text_legibility"].value <= 2
