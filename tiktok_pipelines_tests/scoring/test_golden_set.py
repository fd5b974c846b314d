"""The golden set `make calibrate` scores: enough labelled clips, labels that obey the rubric's own
arithmetic, designs that contain what their labels say, and specs the generator can render."""

from __future__ import annotations

import itertools
import json
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from tiktok_pipelines.demo.golden import (
    CORE,
    GOLDEN_ITEMS,
    LABEL_WEIGHTS,
    LABELS_PATH,
    TIERS,
    GoldenItem,
    GoldenLabelError,
    band_from,
    generate_golden_clips,
    golden_items,
    load_golden_labels,
    overall_from,
)
from tiktok_pipelines.demo.media import (
    AUDIO_RATE,
    SAFE_ZONE,
    _espeak,
    _place_overlay,
    _voiced_span,
)
from tiktok_pipelines.lib.extraction.lexicons import find_claims
from tiktok_pipelines.lib.scoring import rubric
from tiktok_pipelines.lib.scoring.models import CORE_SCORES

LABELS = load_golden_labels()


def _texts(item: GoldenItem) -> list[str]:
    """Everything a viewer reads or hears: the caption, the overlays, the spoken lines."""
    return [item.caption, *(o.text for o in item.spec.overlays), *(line.text for line in item.spec.speech)]


# --- the set and its labels ----------------------------------------------------------------------------


def test_at_least_twelve_items_each_labelled_once() -> None:
    ids = [item.id for item in GOLDEN_ITEMS]
    assert len(ids) >= 12
    assert len(set(ids)) == len(ids)
    assert sorted(LABELS.labels) == sorted(ids), "every item has labels and every label an item"
    assert [item.spec.name for item in GOLDEN_ITEMS] == ids, "the clip file is named after the item"


def test_labels_header_names_the_rater_and_the_rubric_version() -> None:
    raw = yaml.safe_load(LABELS_PATH.read_text(encoding="utf-8"))
    assert raw["rater"].strip() and raw["labelled_on"].strip()
    rubric_title = (Path(LABELS_PATH).parents[1] / "lib" / "scoring" / "RUBRIC.md").read_text().splitlines()[0]
    assert f"({raw['rubric']})" in rubric_title, "the labels name the rubric version they were made against"


def test_every_item_has_six_integer_labels_with_a_one_line_reason() -> None:
    assert CORE == CORE_SCORES
    raw = yaml.safe_load(LABELS_PATH.read_text(encoding="utf-8"))["items"]
    for item_id, entry in raw.items():
        assert set(entry["scores"]) == set(CORE_SCORES), item_id
        for name, score in entry["scores"].items():
            assert type(score["label"]) is int and 0 <= score["label"] <= 10, (item_id, name)
            why = score["why"]
            assert isinstance(why, str) and len(why.split()) >= 3 and "\n" not in why.strip(), (item_id, name)
        assert isinstance(entry["silent_friendly"], bool) and isinstance(entry["compliance_cap"], bool), item_id


def test_bands_follow_from_the_labels_and_the_weights() -> None:
    assert overall_from({"hook": 9, "depth": 7, "clarity": 10, "pacing": 9, "cta": 10, "brand_fit": 10}) == 88, (
        "the seed's worked example"
    )
    assert overall_from({s: 5 for s in CORE_SCORES}) == 50
    assert overall_from({"hook": 6, "depth": 6, "clarity": 6, "pacing": 6, "cta": 6, "brand_fit": 5}) == 59, (
        "10 x 5.9"
    )
    assert overall_from({"hook": 6, "depth": 6, "clarity": 5, "pacing": 5, "cta": 7, "brand_fit": 7}) == 60, (
        "59.5 rounds half up"
    )
    assert {k: float(v) for k, v in LABEL_WEIGHTS.items()} == rubric.DEFAULT_WEIGHTS, (
        "the labels' bands were derived with RUBRIC.md's weights; the engine's defaults must be the same"
    )
    for item_id, label in LABELS.labels.items():
        overall = overall_from(label.scores)
        assert label.band == band_from(overall, capped=label.compliance_cap), (item_id, overall)
    assert band_from(84, capped=True) == "revise" and band_from(57, capped=True) == "reshoot"


def test_labels_spread_over_every_band_and_the_cap_matters_once_at_least() -> None:
    bands = [label.band for label in LABELS.labels.values()]
    assert {"pass", "revise", "reshoot"} <= set(bands)
    capped_from_pass = [i for i, label in LABELS.labels.items()
                        if label.compliance_cap and band_from(overall_from(label.scores)) == "pass"]
    assert capped_from_pass, "a risky item good enough to pass shows the compliance cap at work"
    for name in CORE_SCORES:
        values = [label.scores[name] for label in LABELS.labels.values()]
        assert max(values) - min(values) >= 5, f"{name} labels barely vary: calibration would say little"


def test_tiers_cover_strong_average_weak_silent_and_risky() -> None:
    assert {item.tier for item in GOLDEN_ITEMS} == set(TIERS)


def test_silent_items_have_no_speech_and_include_both_kinds_of_silence() -> None:
    silent = [item for item in GOLDEN_ITEMS if item.tier == "silent"]
    assert all(not item.spec.speech and item.spec.music_bpm is None for item in silent)
    assert any(not item.spec.audio for item in silent), "a file with no audio stream"
    assert any(item.spec.audio for item in silent), "a file with a silent audio stream"
    assert any(LABELS.labels[i.id].silent_friendly for i in silent)
    assert any(not LABELS.labels[i.id].silent_friendly for i in silent)


def test_risky_designs_carry_the_claims_their_labels_cap_for() -> None:
    """A cap for a claim needs a high-severity lexicon hit in what is said, shown or written; an item
    without a cap has none (a negated 'not a cure' is a disclaimer); the before/after has two signals."""
    for item in GOLDEN_ITEMS:
        label = LABELS.labels[item.id]
        high = [c.phrase for text in _texts(item) for c in find_claims(text) if c.severity == "high"]
        if label.compliance_cap and "before_after_sensitive" not in label.risks:
            assert high, item.id
        if not label.compliance_cap:
            assert not high, (item.id, high)
        if "before_after_sensitive" in label.risks:
            shown = {o.text for o in item.spec.overlays}
            assert {"DAY 1", "DAY 30"} <= shown and "before and after" in item.caption.lower(), item.id
    risky = [item for item in GOLDEN_ITEMS if item.tier == "risky"]
    assert risky and all(LABELS.labels[i.id].compliance_cap for i in risky)
    negated = [c for item in GOLDEN_ITEMS for text in _texts(item) for c in find_claims(text, include_negated=True)
               if c.negated]
    assert negated, "one clip disclaims ('not a cure'): a claim a rater does not count"


def test_captions_are_written_with_hashtags() -> None:
    for item in GOLDEN_ITEMS:
        assert item.caption.strip() and "#" in item.caption, item.id
    brand_tagged = [i for i in GOLDEN_ITEMS if "#bloompeptidehairserum" in i.caption or "#bloomhair" in i.caption]
    assert 0 < len(brand_tagged) < len(GOLDEN_ITEMS)


def test_golden_items_picks_by_id_and_names_unknown_ones() -> None:
    assert [i.id for i in golden_items(["g04_weak_no_hook", "g01_seed_three_ingredients"])] == [
        "g01_seed_three_ingredients", "g04_weak_no_hook"]
    with pytest.raises(KeyError, match="g99_nope"):
        golden_items(["g99_nope"])


def test_a_malformed_label_is_named(tmp_path: Path) -> None:
    raw = yaml.safe_load(LABELS_PATH.read_text(encoding="utf-8"))
    raw["items"]["g04_weak_no_hook"]["scores"]["hook"]["label"] = 7.5
    bad = tmp_path / "labels.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(GoldenLabelError, match="g04_weak_no_hook: hook: label 7.5 is not an integer 0-10"):
        load_golden_labels(bad)


# --- the specs -----------------------------------------------------------------------------------------


def test_specs_are_short_mostly_portrait_and_valid_for_the_generator() -> None:
    sizes = [(item.spec.width, item.spec.height) for item in GOLDEN_ITEMS]
    assert sizes.count((1080, 1920)) > len(sizes) / 2
    assert (720, 1280) in sizes and (1920, 1080) in sizes
    for item in GOLDEN_ITEMS:
        spec = item.spec
        assert 8 <= spec.duration <= 40, item.id
        for t in spec.cuts:
            assert abs(t * spec.fps - round(t * spec.fps)) < 1e-3, (item.id, t)  # the generator's tolerance
        for overlay in spec.overlays:
            assert 0 <= overlay.start < overlay.end <= spec.duration, (item.id, overlay.text)
            _place_overlay(overlay, spec.width, spec.height)  # raises when the line does not fit the frame
        for line in spec.speech:
            assert 0 <= line.start < spec.duration, (item.id, line.text)


def test_spoken_lines_never_overlap_and_end_inside_the_clip() -> None:
    """With espeak-ng's real voiced lengths: the generator refuses overlapping speech at render time."""
    with tempfile.TemporaryDirectory() as tmp:
        index = 0
        for item in GOLDEN_ITEMS:
            end = 0.0
            for line in item.spec.speech:
                samples = _espeak(line.text, Path(tmp), index, 30)
                index += 1
                first, last = _voiced_span(samples)
                start, stop = line.start + first / AUDIO_RATE, line.start + last / AUDIO_RATE
                assert start >= end + 0.1, f"{item.id}: {line.text!r} starts at {start:.2f} s, before {end:.2f} s + 0.1"
                assert stop <= item.spec.duration - 0.2, f"{item.id}: {line.text!r} runs to {stop:.2f} s"
                end = stop


def test_strong_items_show_their_hook_at_once_and_weak_ones_do_not() -> None:
    for item in GOLDEN_ITEMS:
        at_zero = [o for o in item.spec.overlays if o.start == 0.0]
        if item.tier == "strong":
            assert at_zero and item.spec.speech and item.spec.speech[0].start < 1.0, item.id
        if item.id == "g04_weak_no_hook":
            assert not item.spec.overlays and item.spec.speech[0].start > 4 and not item.spec.cuts


# --- one clip, rendered -----------------------------------------------------------------------------------


def test_one_golden_clip_renders_and_matches_its_truth(tmp_path: Path) -> None:
    (item,) = golden_items(["g09_risky_cure_claim"])
    (clip,) = generate_golden_clips(tmp_path, [item])
    spec, truth = item.spec, clip.truth
    assert json.loads(clip.truth_path.read_text()) == truth and truth["spec_hash"] == spec.spec_hash()

    probe = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                            str(clip.path)], capture_output=True, text=True, timeout=30, check=True)
    info = json.loads(probe.stdout)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (spec.width, spec.height)
    assert float(info["format"]["duration"]) == pytest.approx(spec.duration, abs=0.05)
    assert [s["codec_type"] for s in info["streams"]].count("audio") == 1

    assert [c["t"] for c in truth["cuts"]] == pytest.approx(list(spec.cuts))
    assert [o["text"] for o in truth["overlays"]] == [o.text for o in spec.overlays]
    assert all(o["in_safe_zone"] for o in truth["overlays"]), "every line a viewer must read is above the UI"
    assert all(o["box"]["x"] + o["box"]["w"] <= 1 - SAFE_ZONE.right + 1e-6 for o in truth["overlays"])
    hook = [o["text"] for o in truth["overlays"] if o["start"] == 0.0]
    assert hook == ["CURES HAIR LOSS", "IN 7 DAYS"], "the claim is the first thing on screen"
    spoken = truth["speech"]
    assert [s["text"] for s in spoken] == [line.text for line in spec.speech]
    assert spoken[0]["start"] < 1.0, "the voice starts within the first second, as labelled"
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(spoken))
    assert truth["music_bpm"] == spec.music_bpm and truth["has_audio"] is True
