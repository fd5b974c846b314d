"""The calibration statistics: what `make calibrate` reports about the engine against the labels."""

from __future__ import annotations

import json

import pytest

from tiktok_pipelines.lib.scoring.calibration import (
    TARGETS,
    ItemComparison,
    band_agreement,
    bias,
    bootstrap_ci,
    build_report,
    cohen_kappa,
    mae,
)
from tiktok_pipelines.lib.scoring.models import CORE_SCORES

# --- MAE and bias -------------------------------------------------------------------------------------


def test_mae_is_the_mean_of_absolute_differences() -> None:
    assert mae([1, 2, 3], [1, 3, 5]) == pytest.approx(1.0)
    assert mae([5, 5], [5, 5]) == 0.0
    assert mae([0, 10], [10, 0]) == pytest.approx(10.0)


def test_bias_keeps_the_sign_mae_drops() -> None:
    assert bias([6, 7, 8], [5, 5, 5]) == pytest.approx(2.0), "the engine scores too high"
    assert bias([4, 6], [5, 5]) == 0.0 and mae([4, 6], [5, 5]) == 1.0, "errors that cancel in bias still count in MAE"


@pytest.mark.parametrize(("pred", "truth"), [([1, 2], [1]), ([], [])])
def test_mae_rejects_unpaired_or_empty_input(pred: list[int], truth: list[int]) -> None:
    with pytest.raises(ValueError, match="mae"):
        mae(pred, truth)


# --- bootstrap -----------------------------------------------------------------------------------------

ERRORS = [0, 1, -1, 2, 0, 0, -3, 1, 1, 0, 2, -1, 0, 4, 1]


def test_bootstrap_ci_contains_the_mae_and_is_deterministic_with_the_seed() -> None:
    point = mae([abs(e) for e in ERRORS], [0] * len(ERRORS))
    low, high = bootstrap_ci(ERRORS, n=2000, seed=0)
    assert low < point < high
    assert 0 <= low and high <= max(abs(e) for e in ERRORS)
    assert bootstrap_ci(ERRORS, n=2000, seed=0) == (low, high), "same seed, same interval"
    # the resampled means are multiples of 1/15, so look at a small n where the seed shows
    assert len({bootstrap_ci(ERRORS, n=40, seed=s) for s in range(5)}) > 1, "the seed drives the resampling"


def test_a_wider_level_gives_a_wider_interval_and_constant_errors_no_width() -> None:
    narrow = bootstrap_ci(ERRORS, level=0.5)
    wide = bootstrap_ci(ERRORS, level=0.99)
    assert wide[0] <= narrow[0] and narrow[1] <= wide[1] and wide[1] - wide[0] > narrow[1] - narrow[0]
    assert bootstrap_ci([2, -2, 2]) == (2.0, 2.0), "signed errors count by size"


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"level": 1.0}, {"level": 0}])
def test_bootstrap_ci_rejects_bad_settings(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="bootstrap_ci"):
        bootstrap_ci(ERRORS, **kwargs)
    with pytest.raises(ValueError, match="non-empty"):
        bootstrap_ci([])


# --- band agreement -------------------------------------------------------------------------------------


def test_kappa_is_one_for_perfect_agreement() -> None:
    bands = ["pass", "revise", "reshoot", "revise", "reshoot", "pass"]
    assert cohen_kappa(bands, bands) == pytest.approx(1.0)
    agreement = band_agreement(bands, bands)
    assert agreement.share == 1.0 and agreement.agree == 6 and agreement.kappa == pytest.approx(1.0)


def test_kappa_is_zero_when_agreement_is_what_chance_gives() -> None:
    # the engine's band is independent of the label's: half agree, exactly as chance predicts
    truth = ["pass", "pass", "reshoot", "reshoot"] * 5
    pred = ["pass", "reshoot", "pass", "reshoot"] * 5
    assert band_agreement(pred, truth).share == 0.5
    assert cohen_kappa(pred, truth) == pytest.approx(0.0, abs=1e-12)


def test_kappa_matches_a_worked_two_by_two_example() -> None:
    # 50 items: 20 both yes, 15 both no, 5 label-yes/engine-no, 10 label-no/engine-yes
    # observed 0.70, chance 0.5 x 0.6 + 0.5 x 0.4 = 0.50, kappa 0.40
    truth = ["yes"] * 25 + ["no"] * 25
    pred = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(pred, truth) == pytest.approx(0.4)


def test_kappa_is_undefined_when_both_use_one_band_and_worse_than_chance_is_negative() -> None:
    assert cohen_kappa(["revise"] * 4, ["revise"] * 4) is None
    assert cohen_kappa(["pass", "reshoot"], ["reshoot", "pass"]) == pytest.approx(-1.0)


def test_confusion_counts_label_rows_against_engine_columns() -> None:
    agreement = band_agreement(["pass", "revise", "revise", "reshoot"], ["pass", "pass", "revise", "revise"])
    assert agreement.confusion == {
        "pass": {"pass": 1, "revise": 1, "reshoot": 0},
        "revise": {"pass": 0, "revise": 1, "reshoot": 1},
        "reshoot": {"pass": 0, "revise": 0, "reshoot": 0},
    }
    assert agreement.agree == 2 and agreement.share == 0.5


# --- the report ----------------------------------------------------------------------------------------


def _item(i: int, hook_err: int, depth_err: int, band: tuple[str, str] = ("revise", "revise")) -> ItemComparison:
    truth = {s: 5 for s in CORE_SCORES}
    predicted = dict(truth, hook=5 + hook_err, depth=5 + depth_err)
    return ItemComparison(
        id=f"g{i:02d}", tier="average" if i % 2 else "strong", truth=truth, predicted=predicted,
        why={s: f"why {s} of g{i:02d}" for s in CORE_SCORES}, true_band=band[0], predicted_band=band[1],
        true_silent_friendly=True, predicted_silent_friendly=i % 3 != 0, true_capped=False, predicted_capped=False,
        true_overall=50, predicted_overall=50 + hook_err,
    )


def test_report_marks_the_required_targets_met_and_not_met() -> None:
    # hook within a point everywhere (MAE 0.5), depth off by 3 on every item (MAE 3)
    items = [_item(i, hook_err=i % 2, depth_err=-3) for i in range(1, 9)]
    report = build_report(items)
    assert report.stats("hook").mae == pytest.approx(0.5)
    assert report.stats("depth").mae == pytest.approx(3.0) and report.stats("depth").bias == pytest.approx(-3.0)
    assert report.stats("clarity").mae == 0.0 and report.stats("clarity").exact == 1.0
    targets = {(t.score, t.max_mae, t.required): t.met for t in report.targets}
    assert targets[("hook", 1.0, True)] is True
    assert targets[("hook", 0.5, False)] is True, "0.5 is <= 0.5"
    assert targets[("depth", 1.0, True)] is False
    assert report.required_met is False

    text = report.render()
    assert "[  met  ] hook MAE <= 1.0 (required): MAE 0.50" in text
    assert "[NOT MET] depth MAE <= 1.0 (required): MAE 3.00" in text
    assert "[  met  ] clarity MAE <= 1.0 (aim): MAE 0.00" in text
    assert "clarity: every item matches its label" in text


def test_report_with_every_score_within_a_point_meets_the_required_targets() -> None:
    report = build_report([_item(i, hook_err=0, depth_err=(i % 3) - 1) for i in range(1, 10)])
    assert report.stats("depth").mae == pytest.approx(2 / 3)
    assert report.required_met
    unmet = [(t.score, t.max_mae) for t in report.targets if not t.met]
    assert unmet == [("depth", 0.5)]
    assert "[NOT MET] depth MAE <= 0.5 (aim): MAE 0.67" in report.render()


def test_report_lists_the_worst_items_with_the_raters_reason() -> None:
    items = [_item(1, 0, 1), _item(2, 0, -4), _item(3, 0, 2), _item(4, 0, 0), _item(5, 0, 4)]
    report = build_report(items, worst_per_score=3)
    worst = report.worst["depth"]
    assert [(w.id, w.label, w.predicted, w.error) for w in worst] == [("g02", 5, 1, -4), ("g05", 5, 9, 4), ("g03", 5, 7, 2)]
    assert worst[0].why == "why depth of g02"
    assert report.worst["hook"] == ()
    assert "g02                          label  5  engine  1  (-4)  why depth of g02" in report.render()


def test_report_band_silent_and_json_round_trip() -> None:
    items = [_item(1, 0, 0, ("pass", "pass")), _item(2, 1, 0, ("revise", "pass")), _item(3, 0, 0, ("reshoot", "reshoot"))]
    report = build_report(items, meta={"rubric": "scoring-1", "failed": {"g09": "extraction run failed"}})
    assert report.bands.agree == 2 and report.bands.n == 3
    assert report.silent_friendly_agreement == pytest.approx(2 / 3), "g03 is predicted not silent-friendly"
    assert report.compliance_cap_agreement == 1.0
    assert report.overall_mae == pytest.approx(1 / 3)
    assert set(report.tier_mae) == {"average", "strong"}
    data = json.loads(report.to_json())
    assert data["bands"]["agree"] == 2 and data["required_met"] is True
    assert [s["score"] for s in data["scores"]] == list(CORE_SCORES)
    assert data["meta"]["rubric"] == "scoring-1" and len(data["items"]) == 3
    text = report.render()
    assert "bands: 2/3 agree (67%)" in text and "g09: extraction run failed" in text


def test_report_is_the_same_for_the_same_items_in_any_order() -> None:
    items = [_item(i, i % 3 - 1, (i * 7) % 5 - 2) for i in range(1, 12)]
    assert build_report(items).to_json() == build_report(list(reversed(items))).to_json()


def test_report_refuses_items_missing_a_score() -> None:
    broken = ItemComparison(id="g01", tier="weak", truth={"hook": 3}, predicted={"hook": 4}, why={},
                            true_band="reshoot", predicted_band="reshoot")
    with pytest.raises(ValueError, match="g01 lacks depth"):
        build_report([broken])
    with pytest.raises(ValueError, match="no items"):
        build_report([])


def test_targets_are_the_issues_bar_and_aims() -> None:
    required = {(t.score, t.max_mae) for t in TARGETS if t.required}
    assert required == {("hook", 1.0), ("depth", 1.0)}
    aims = {(t.score, t.max_mae) for t in TARGETS if not t.required}
    assert {("hook", 0.5), ("depth", 0.5)} <= aims
    assert {s for s, limit in aims if limit == 1.0} == set(CORE_SCORES) - {"hook", "depth"}
