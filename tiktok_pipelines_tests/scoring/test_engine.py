"""The deterministic engine on whole videos: the seed's acceptance behaviours (silent videos, weak hooks,
the scoring formula, quality bands), evidence on every score, honest confidence, fixes that say what
triggered them, and identical results for identical inputs."""

from __future__ import annotations

import pytest

from tiktok_pipelines.lib.scoring.brand import load_brand_profile
from tiktok_pipelines.lib.scoring.engine import score_video
from tiktok_pipelines.lib.scoring.models import CORE_SCORES, PILLARS, VISUAL_SCORES, CreativeScores, Score
from tiktok_pipelines.lib.scoring.rubric import DEFAULT_WEIGHTS, band_for, capped_band, check_weights, overall_score
from tiktok_pipelines_tests.scoring.videos import (
    line,
    make_inputs,
    said,
    silent_text_video,
    strong_list_video,
    weak_video,
)

BRAND = load_brand_profile()


def scored(inputs) -> CreativeScores:  # noqa: ANN001
    return score_video(inputs, BRAND)


# --- the scoring formula and bands (seed acceptance: "scoring formula", "quality bands") ----------------


def test_the_seed_worked_example_gives_88_and_pass() -> None:
    core = {"hook": 9, "depth": 7, "clarity": 10, "pacing": 9, "cta": 10, "brand_fit": 10}
    assert overall_score(core) == 88
    assert band_for(88) == "pass"


@pytest.mark.parametrize(("overall", "band"), [(100, "pass"), (80, "pass"), (79, "revise"), (60, "revise"),
                                               (59, "reshoot"), (0, "reshoot")])
def test_quality_bands_have_their_edges_where_the_rubric_says(overall: int, band: str) -> None:
    assert band_for(overall) == band


def test_a_high_severity_flag_caps_pass_at_revise_and_leaves_lower_bands_alone() -> None:
    assert capped_band("pass", compliance_caps=True) == "revise"
    assert capped_band("reshoot", compliance_caps=True) == "reshoot"
    assert capped_band("pass", compliance_caps=False) == "pass"


def test_the_overall_rounds_half_up_not_to_even() -> None:
    # 10 x (8*.3 + 9*.25 + 8*.15 + 9*.1 + 9*.1 + 8*.1) = 84.5 -> 85 (banker's rounding would give 84)
    assert overall_score({"hook": 8, "depth": 9, "pacing": 8, "clarity": 9, "cta": 9, "brand_fit": 8}) == 85


def test_weights_are_configuration_but_must_cover_exactly_the_six_scores() -> None:
    hook_only = {name: 0.0 for name in CORE_SCORES} | {"hook": 1.0}
    assert overall_score({name: 2 for name in CORE_SCORES} | {"hook": 9}, hook_only) == 90
    with pytest.raises(ValueError, match="missing"):
        check_weights({"hook": 1.0})
    with pytest.raises(ValueError, match="non-negative"):
        check_weights(DEFAULT_WEIGHTS | {"cta": -1})


# --- whole videos ----------------------------------------------------------------------------------


def _all_scores(result: CreativeScores) -> list[Score]:
    return [*result.core, *result.pillars, *result.visual]


def test_every_score_is_an_integer_in_range_with_evidence_and_its_rule() -> None:
    for inputs in (strong_list_video(), weak_video(), silent_text_video()):
        result = scored(inputs)
        assert [s.name for s in result.core] == list(CORE_SCORES)
        assert [s.name for s in result.pillars] == list(PILLARS)
        assert [s.name for s in result.visual] == list(VISUAL_SCORES)
        for s in _all_scores(result):
            assert type(s.value) is int and 0 <= s.value <= 10, s
            assert s.rule.startswith(f"{s.name}@"), s
            assert s.evidence, f"{inputs.video_id}: {s.name} has no evidence"
        assert type(result.overall) is int and 0 <= result.overall <= 100
        assert result.overall == overall_score(result.core_values)


def test_the_seed_like_list_video_passes_with_a_strong_hook() -> None:
    result = scored(strong_list_video())
    assert result.score("hook").value >= 8
    assert result.score("cta").value >= 8
    assert result.score("brand_fit").value >= 8
    assert result.band == "pass", result.core_values
    hook_evidence = " ".join(e.detail for e in result.score("hook").evidence)
    assert "3 INGREDIENTS FOR HAIR GROWTH" in hook_evidence and "voice starts at 0.3 s" in hook_evidence
    assert result.classification.hook_type is not None


def test_a_weak_hook_scores_low_and_the_fixes_say_what_was_late() -> None:
    result = scored(weak_video())
    assert result.score("hook").value <= 3, result.score("hook")
    assert result.band == "reshoot"
    assert 3 <= len(result.fixes) <= 5
    assert result.fixes[0].priority == "high"
    whys = " | ".join(f.why for f in result.fixes)
    assert "first on-screen text at 6.0 s" in whys or "voice starts at 4.5 s" in whys
    assert any(f.category == "cta" for f in result.fixes), [f.action for f in result.fixes]
    verdict = next(f for f in result.findings if f.kind == "hook_verdict")
    assert verdict.verdict == "weak"


def test_a_late_first_cut_becomes_a_fix_naming_the_cut_time() -> None:
    result = scored(strong_list_video(cuts=(4.2, 8.0, 11.0, 14.0, 17.0, 20.0, 23.0, 26.0)))
    fix = next(f for f in result.fixes if f.category == "pacing")
    assert "first cut at 4.2 s" in fix.why and "2 s" in fix.action


def test_a_silent_text_led_video_is_scored_silent_friendly_without_inventing_speech() -> None:
    result = scored(silent_text_video())
    assert result.silent_friendly
    assert result.score("silent_comprehension").value >= 7
    hook = result.score("hook")
    assert any("no audio stream" in e.detail for e in hook.evidence)
    assert 4 <= hook.value <= 8  # text, pattern, caption and cuts carry it; no voice to add
    assert result.overall > 0


def test_a_talking_head_with_no_text_is_not_silent_friendly() -> None:
    result = scored(strong_list_video(overlays=()))
    assert not result.silent_friendly
    assert any(f.category == "text" for f in result.fixes) or result.score("silent_comprehension").value < 7


def test_a_weak_transcript_pulls_speech_driven_parts_toward_neutral_and_says_so() -> None:
    sure = scored(strong_list_video(overlays=(), caption=""))
    weak = scored(strong_list_video(overlays=(), caption="", asr_confidence="low"))
    assert weak.score("depth").shrunk and not sure.score("depth").shrunk
    assert "low confidence" in weak.score("depth").note
    assert weak.score("depth").confidence == "low"
    assert abs(weak.score("depth").raw - 5) < abs(sure.score("depth").raw - 5)


def test_a_missing_stage_is_neutral_not_zero() -> None:
    result = scored(strong_list_video(missing=("scene_cuts",)))
    pacing = result.score("pacing")
    assert pacing.shrunk and "scene_cuts missing" in pacing.note
    assert pacing.value >= 4
    assert next(m for m in result.inputs if m.name == "scene_cuts").status == "missing"


def test_a_risky_claim_caps_the_band_and_brings_a_high_priority_compliance_fix() -> None:
    risky = strong_list_video(caption="Bloom cures hair loss in 7 days! Shop the link in my bio #bloompeptidehairserum")
    result = scored(risky)
    assert result.compliance.caps_band
    assert result.band != "pass"
    assert result.fixes[0].category == "compliance" and result.fixes[0].priority == "high"
    assert result.compliance.safe_ctas


def test_value_prop_only_in_the_caption_suggests_saying_it() -> None:
    inputs = strong_list_video(speech=(said(0.3, "these three peptides changed my hair growth game"),),
                               overlays=((0.0, 3.5, line("3 INGREDIENTS FOR HAIR GROWTH")),))
    result = scored(inputs)
    assert any("hormone-free" in f.action and f.category == "brand_fit" for f in result.fixes), \
        [f.action for f in result.fixes]


def test_identical_inputs_give_identical_scores_findings_and_fixes() -> None:
    first, second = scored(strong_list_video()), scored(strong_list_video())
    assert first.model_dump_json() == second.model_dump_json()
    assert CreativeScores.model_validate_json(first.model_dump_json()) == first


def test_a_video_with_nothing_extracted_still_gets_integer_scores_marked_low_confidence() -> None:
    empty = make_inputs(video_id="empty", missing=("transcript", "onscreen_text", "scene_cuts", "audio_features",
                                                   "visual_tags", "caption_analysis"))
    result = scored(empty)
    assert all(s.confidence == "low" for s in result.core if s.name != "brand_fit" and s.name != "cta")
    assert all(type(s.value) is int for s in _all_scores(result))


def test_with_a_weak_transcript_clarity_reads_text_voice_agreement_from_timing_only() -> None:
    mirrored = scored(strong_list_video(asr_confidence="low")).score("clarity")
    assert any("while the voice speaks" in e.detail for e in mirrored.evidence)
    assert "timing only" in mirrored.note and mirrored.confidence != "high"
    unmirrored = scored(strong_list_video(asr_confidence="low", overlays=((0.0, 3.5, line("3 INGREDIENTS")),)))
    assert unmirrored.score("clarity").value < mirrored.value
