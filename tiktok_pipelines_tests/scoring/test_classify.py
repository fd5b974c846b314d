"""Classification: every label has evidence that names it, and no evidence means no label."""

from __future__ import annotations

import dataclasses

import pytest

from tiktok_pipelines.lib.extraction.artifacts import Box, Tag
from tiktok_pipelines.lib.scoring.classify import caption_without_hashtags, classify
from tiktok_pipelines.lib.scoring.inputs import ScoringInputs
from tiktok_pipelines.lib.scoring.models import (
    Classification,
    Compliance,
    Evidence,
    PolicyFlag,
)
from tiktok_pipelines_tests.scoring.videos import (
    line,
    make_inputs,
    said,
    strong_list_video,
)

NO_FLAGS = Compliance(lexicon_version="lexicon-1")


def video(caption: str = "", overlays: tuple = (), speech: tuple | None = None, **kw: object) -> ScoringInputs:
    return make_inputs(caption=caption, overlays=overlays, speech=speech, **kw)


def evidence_for(result: Classification, field: str, label: str) -> list[Evidence]:
    return [e for e in result.evidence if f"{field}={label}:" in e.detail]


def with_clip(inputs: ScoringInputs, *tags: Tag) -> ScoringInputs:
    assert inputs.visual is not None
    return dataclasses.replace(inputs, visual=inputs.visual.model_copy(update={"clip_status": "ok", "tags": tags}))


# --- hook type ------------------------------------------------------------------------------------------------------


def test_a_question_in_the_caption_is_a_question_hook() -> None:
    result = classify(video("Why is your hair thinning after pregnancy? Here is what helped #hairtok"), NO_FLAGS)
    assert result.hook_type == "question"
    [ev] = evidence_for(result, "hook_type", "question")
    assert ev.source == "caption"
    assert "caption starts 'Why is your hair thinning after pregnancy?" in ev.detail


def test_a_question_shown_on_screen_in_the_first_seconds_counts_too() -> None:
    result = classify(video(overlays=((0.0, 3.0, line("DOES IT WORK ON THIN EDGES?")),)), NO_FLAGS)
    assert result.hook_type == "question"
    [ev] = evidence_for(result, "hook_type", "question")
    assert ev.source == "onscreen_text" and ev.frame == "t0" and ev.t == 0.0


def test_a_question_shown_after_the_opening_is_not_the_hook() -> None:
    result = classify(video(overlays=((6.0, 9.0, line("DOES IT WORK ON THIN EDGES?")),)), NO_FLAGS)
    assert result.hook_type is None


def test_stop_doing_is_a_contrarian_hook_and_a_numbered_promise_is_curiosity() -> None:
    assert classify(video("Stop putting oil on your scalp"), NO_FLAGS).hook_type == "contrarian"
    assert classify(video("5 ingredients your shampoo is hiding"), NO_FLAGS).hook_type == "curiosity"


def test_no_text_anywhere_means_no_hook_type() -> None:
    result = classify(video(), NO_FLAGS)
    assert result.hook_type is None
    assert result.angle is None
    assert result.content_types == ()
    assert result.emotion == ()
    assert not any("hook_type=" in e.detail for e in result.evidence)


def test_a_low_confidence_transcript_is_not_read_for_labels() -> None:
    speech = (said(0.3, "why is nobody talking about this?"),)
    weak = classify(video(speech=speech, asr_confidence="low"), NO_FLAGS)
    strong = classify(video(speech=speech, asr_confidence="high"), NO_FLAGS)
    assert weak.hook_type is None
    assert strong.hook_type == "question"
    [ev] = evidence_for(strong, "hook_type", "question")
    assert ev.source == "transcript" and ev.t == 0.3


# --- angle and content types ---------------------------------------------------------------------------------------------


def test_versus_in_the_opening_is_a_comparison() -> None:
    result = classify(video("Copper peptides vs biotin: what actually matters #haircare",
                            overlays=((0.0, 3.0, line("COPPER PEPTIDES VS BIOTIN")),)), NO_FLAGS)
    assert result.angle == "comparison"
    details = [e.detail for e in evidence_for(result, "angle", "comparison")]
    assert any("caption starts 'Copper peptides vs biotin" in d and "('vs')" in d for d in details)


def test_one_stray_tip_does_not_set_the_angle() -> None:
    stray = ((13.0, 16.0, line("PEPTIDES FEED FOLLICLES")),)  # read on p50 (15 s)
    assert classify(video("My night routine", overlays=stray), NO_FLAGS).angle is None
    framed = classify(video("Why peptides? The science of your scalp", overlays=stray), NO_FLAGS)
    assert framed.angle == "science"


def test_a_numbered_list_of_steps_is_a_tutorial() -> None:
    steps = ((0.0, 3.5, line("3 STEPS TO APPLY SERUM")), (4.0, 9.0, line("1. PART YOUR HAIR")),
             (9.0, 14.0, line("2. TWO DROPS PER PART")), (14.0, 19.0, line("3. MASSAGE 60 SECONDS")))
    result = classify(video("3 steps to apply serum without greasy roots", overlays=steps), NO_FLAGS)
    assert "tutorial" in result.content_types
    assert evidence_for(result, "content_type", "tutorial")
    assert result.hook_type == "curiosity"  # "3 steps ..." promises items still to come


def test_before_after_needs_a_flag_or_two_kinds_of_signal() -> None:
    results_only = video("Week 4 update", overlays=((5.0, 8.0, line("WEEK 4 RESULTS")),))
    assert "before_after" not in classify(results_only, NO_FLAGS).content_types

    labelled = video("Day 1 vs day 30", overlays=((0.0, 2.5, line("BEFORE")), (2.5, 5.0, line("AFTER"))))
    result = classify(labelled, NO_FLAGS)
    assert "before_after" in result.content_types
    kinds = " ".join(e.detail for e in evidence_for(result, "content_type", "before_after"))
    assert "before/after wording" in kinds and "timeline marker" in kinds

    flagged = Compliance(lexicon_version="lexicon-1", flags=(PolicyFlag(
        code="before_after_sensitive", severity="high", summary="before/after imagery", citation="Meta",
        evidence=(Evidence(source="visual", detail="split screen on p50", frame="p50", t=15.0),)),))
    result = classify(video("my hair journey"), flagged)
    assert "before_after" in result.content_types
    [ev] = evidence_for(result, "content_type", "before_after")
    assert "compliance flag before_after_sensitive" in ev.detail and ev.frame == "p50"


def test_follow_for_week_five_is_a_series_not_a_transformation() -> None:
    assert classify(video("My scalp routine. Follow for week 5"), NO_FLAGS).angle is None


def test_hashtags_are_not_read_as_words() -> None:
    assert caption_without_hashtags("Copper peptides #vs #beforeandafter\nline two #fyp") == "Copper peptides\nline two"
    assert classify(video("my routine #vs #results #transformation"), NO_FLAGS).angle is None


# --- visual labels ------------------------------------------------------------------------------------------------------


def test_faces_and_text_are_visual_subjects_and_clip_subjects_lead() -> None:
    plain = strong_list_video()
    assert classify(plain, NO_FLAGS).visual_subjects == ("face", "text overlay")
    tagged = with_clip(plain, Tag(family="subject", label="hands demonstrating", score=0.62, frames=("t2", "p25")),
                       Tag(family="subject", label="other", score=0.9, frames=("t0",)))
    result = classify(tagged, NO_FLAGS)
    assert result.visual_subjects == ("hands demonstrating", "face", "text overlay")
    assert "demo" in result.content_types
    assert any("CLIP subject tag 'hands demonstrating' (0.62) on t2, p25" in e.detail for e in result.evidence)


def test_emotion_comes_from_clip_when_it_ran_else_only_from_clear_words() -> None:
    assert classify(video("I'm obsessed with this serum"), NO_FLAGS).emotion == ("joy",)
    assert classify(video("new serum"), NO_FLAGS).emotion == ()
    happy = with_clip(video("new serum"), Tag(family="emotion", label="happy", score=0.7, frames=("t1",)),
                      Tag(family="emotion", label="sad", score=0.5, frames=("p50",)))
    result = classify(happy, NO_FLAGS)
    assert result.emotion == ("joy",)
    assert evidence_for(result, "emotion", "joy")[0].frame == "t1"


def test_a_brightness_jump_in_the_first_seconds_is_a_colour_contrast_interrupt() -> None:
    base = video("x")
    frames = tuple(f.model_copy(update={"brightness": 0.15 if f.t < 2 else 0.7}) for f in base.visual.frames)  # type: ignore[union-attr]
    jumpy = dataclasses.replace(base, visual=base.visual.model_copy(update={"frames": frames}))  # type: ignore[union-attr]
    result = classify(jumpy, NO_FLAGS)
    assert result.pattern_interrupt == ("color_contrast",)
    [ev] = evidence_for(result, "pattern_interrupt", "color_contrast")
    assert "brightness 0.15 -> 0.70 between t1 (1.0 s) and t2 (2.0 s)" in ev.detail
    assert classify(base, NO_FLAGS).pattern_interrupt == ()


def test_an_early_wide_shot_from_clip_is_grand_scale() -> None:
    wide = with_clip(video("x"), Tag(family="shot_type", label="wide shot", score=0.5, frames=("t1",)))
    late = with_clip(video("x"), Tag(family="shot_type", label="wide shot", score=0.5, frames=("p75",)))
    assert classify(wide, NO_FLAGS).pattern_interrupt == ("grand_scale",)
    assert classify(late, NO_FLAGS).pattern_interrupt == ()


def test_composition_from_thirds_and_centred_faces() -> None:
    base = video("x")  # make_inputs puts the subject at thirds closeness 0.7 on every keyframe
    assert classify(base, NO_FLAGS).composition == ("rule_of_thirds",)
    centred = tuple(f.model_copy(update={"thirds": 0.1, "faces": (Box(x=0.35, y=0.2, w=0.3, h=0.2),), "face_area": 0.06})
                    for f in base.visual.frames)  # type: ignore[union-attr]
    faces = dataclasses.replace(base, visual=base.visual.model_copy(update={"frames": centred}))  # type: ignore[union-attr]
    result = classify(faces, NO_FLAGS)
    assert result.composition == ("central_focus",)
    assert "face centred" in evidence_for(result, "composition", "central_focus")[0].detail


# --- every label is backed ------------------------------------------------------------------------------------------


def test_every_label_has_evidence_that_names_it() -> None:
    rich = with_clip(
        strong_list_video(caption="Why peptides vs biotin? My night routine, 3 steps. I'm obsessed #hairtok"),
        Tag(family="subject", label="person talking to camera", score=0.7, frames=("t0",)),
        Tag(family="shot_type", label="overhead shot", score=0.6, frames=("t2",)),
    )
    result = classify(rich, NO_FLAGS)
    labels = [("angle", result.angle), ("hook_type", result.hook_type),
              *(("content_type", c) for c in result.content_types),
              *(("visual_subject", s) for s in result.visual_subjects),
              *(("composition", c) for c in result.composition),
              *(("emotion", e) for e in result.emotion),
              *(("pattern_interrupt", p) for p in result.pattern_interrupt)]
    assert len([lbl for _, lbl in labels if lbl]) >= 8
    for field, label in labels:
        if label:
            assert evidence_for(result, field, label), f"{field}={label} has no evidence"


def test_classification_is_deterministic() -> None:
    assert classify(strong_list_video(), NO_FLAGS) == classify(strong_list_video(), NO_FLAGS)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="compliance"):
        classify(strong_list_video(), None)  # type: ignore[arg-type]
