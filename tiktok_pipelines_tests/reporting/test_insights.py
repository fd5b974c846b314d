"""Creative insights: Spearman correlations with CIs, seeded k-means archetypes, their tables and the asset."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import timedelta

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sqlalchemy import select, update

from tiktok_pipelines.defs.reporting.insights import creative_insights, insights_consistent
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.demo.world import DEMO_NOW
from tiktok_pipelines.lib.reporting import insights as ins
from tiktok_pipelines.lib.charts import Point, bar_chart_svg, histogram_counts, scatter_svg
from tiktok_pipelines.lib.scoring.models import CORE_SCORES, PILLARS, VISUAL_SCORES
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import (
    creative_archetypes,
    insight_correlations,
    video_ai_analysis,
    video_archetypes,
    video_kpis,
)

# Three planted kinds of video, far apart on pacing/hook/clarity and the tutorial tag.
PLANTED = {
    "fast": {"hook": 9, "pacing": 9, "clarity": 4, "tutorial": 0},
    "calm": {"hook": 3, "pacing": 2, "clarity": 9, "tutorial": 1},
    "plain": {"hook": 5, "pacing": 5, "clarity": 2, "tutorial": 0},
}


def _bonett_wright(rho: float, n: int) -> tuple[float, float]:
    half = 1.959963984540054 * math.sqrt((1 + rho**2 / 2) / (n - 3))
    return math.tanh(math.atanh(rho) - half), math.tanh(math.atanh(rho) + half)


def _planted_frame(sizes: tuple[int, int, int] = (9, 8, 7), seed: int = 3) -> tuple[pd.DataFrame, dict[str, str]]:
    """Scores jittered by at most 1 around each kind's centre; returns the frame and video -> kind."""
    rng = np.random.default_rng(seed)
    rows, truth = [], {}
    for (kind, centre), size in zip(PLANTED.items(), sizes, strict=True):
        for i in range(size):
            vid = f"{kind}-{i:02d}"
            truth[vid] = kind
            rows.append({
                "video_id": vid,
                **{s: float(np.clip(centre[s] + rng.integers(-1, 2), 0, 10)) for s in ("hook", "pacing", "clarity")},
                "tag:content_types=tutorial": float(centre["tutorial"]),
                "engagement_rate": 0.02 + 0.01 * centre["hook"] + rng.random() * 1e-3,
                "velocity_24h": 10.0 * centre["pacing"] + i,
                "velocity_48h": np.nan,
            })
    return pd.DataFrame(rows).set_index("video_id"), truth


# --- rank correlations ----------------------------------------------------------------------------


def test_a_feature_monotone_in_velocity_has_rho_one_like_scipy():
    velocity = np.linspace(1.0, 300.0, 20)
    frame = pd.DataFrame({"hook": np.log(velocity),  # monotone, far from linear
                          "velocity_24h": velocity, "engagement_rate": np.nan, "velocity_48h": np.nan},
                         index=[f"v{i:02d}" for i in range(20)])
    [c] = [c for c in ins.rank_correlations(frame) if c.outcome == "velocity_24h"]
    expected = spearmanr(frame["hook"], frame["velocity_24h"])
    assert c.rho == pytest.approx(expected.statistic) == pytest.approx(1.0)
    assert c.p_value == pytest.approx(expected.pvalue, abs=1e-12)
    assert (c.n, c.ci_low, c.ci_high, c.strength, c.reportable) == (20, 1.0, 1.0, "strong", True)


def test_a_feature_unrelated_in_rank_has_rho_zero_and_a_ci_around_zero():
    n, rng = 12, np.random.default_rng(0)
    velocity = np.arange(1.0, n + 1)
    for _ in range(20000):  # a permutation whose ranks are exactly uncorrelated with velocity
        feature = rng.permutation(n).astype(float)
        if spearmanr(feature, velocity).statistic == 0:
            break
    c = ins.correlate("depth", "velocity_24h", feature, velocity)
    assert c.rho == pytest.approx(0.0, abs=1e-12)
    assert c.p_value == pytest.approx(spearmanr(feature, velocity).pvalue)
    assert (c.ci_low, c.ci_high) == pytest.approx(_bonett_wright(0.0, n))
    assert c.ci_low < 0 < c.ci_high and c.strength == "negligible"


def test_ties_and_missing_outcomes_are_handled_pairwise_like_scipy():
    rng = np.random.default_rng(7)
    x = rng.integers(0, 11, 40).astype(float)  # integer scores: many ties
    y = x * 3 + rng.normal(0, 8, 40)
    y[[3, 9, 17, 30]] = np.nan
    c = ins.correlate("pacing", "velocity_48h", x, y)
    keep = ~np.isnan(y)
    expected = spearmanr(x[keep], y[keep])
    assert c.n == 36
    assert c.rho == pytest.approx(expected.statistic)
    assert c.p_value == pytest.approx(expected.pvalue)
    assert (c.ci_low, c.ci_high) == pytest.approx(_bonett_wright(c.rho, 36))
    assert c.ci_low < c.rho < c.ci_high


def test_constant_features_and_small_samples_are_recorded_but_never_findings():
    constant = ins.correlate("cta", "engagement_rate", [5.0] * 30, np.arange(30.0))
    assert constant.rho is None and not constant.reportable and "no variance" in constant.note
    few = ins.correlate("hook", "engagement_rate", [1.0, 2.0, 3.0, 5.0, 4.0], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert few.rho == pytest.approx(0.9) and few.n == 5 and not few.reportable and "n < 10" in few.note
    two = ins.correlate("hook", "engagement_rate", [1.0, 2.0, np.nan], [1.0, 2.0, 3.0])
    assert two.rho is None and two.n == 2 and two.ci_low is None
    rare_tag = ins.correlate("tag:hook_type=question", "velocity_24h", [1.0, 1.0] + [0.0] * 18, np.arange(20.0))
    assert rare_tag.rho is not None and not rare_tag.reportable and "one side" in rare_tag.note
    assert ins.strongest([constant, few, two, rare_tag]) == []


def test_frames_with_unknown_columns_or_no_outcomes_fail_naming_the_column():
    with pytest.raises(ValueError, match="thumbnail_color"):
        ins.rank_correlations(pd.DataFrame({"hook": [1.0], "thumbnail_color": [2.0], "engagement_rate": [0.1],
                                            "velocity_24h": [1.0], "velocity_48h": [1.0]}))
    with pytest.raises(ValueError, match="velocity_48h"):
        ins.rank_correlations(pd.DataFrame({"hook": [1.0], "engagement_rate": [0.1], "velocity_24h": [1.0]}))


# --- archetypes -----------------------------------------------------------------------------------


def test_kmeans_recovers_three_planted_kinds_exactly_and_names_them():
    frame, truth = _planted_frame()
    result = ins.archetypes(frame)
    assert result.k == 3 and result.silhouette > 0.5
    found = {frozenset(a.video_ids) for a in result.clusters}
    planted = {frozenset(v for v, k in truth.items() if k == kind) for kind in PLANTED}
    assert found == planted
    assert [a.size for a in result.clusters] == [9, 8, 7]  # numbered by size, largest first
    by_kind = {truth[a.video_ids[0]]: a for a in result.clusters}
    assert "fast-cut" in by_kind["fast"].label and "strong hooks" in by_kind["fast"].label
    assert by_kind["calm"].label.startswith("tutorial videos:") and "slow-paced" in by_kind["calm"].label
    assert by_kind["calm"].centroid["tag:content_types=tutorial"] == 1.0
    assert by_kind["fast"].median_velocity_24h == pytest.approx(float(np.median(90.0 + np.arange(9))))
    assert by_kind["fast"].median_velocity_48h is None
    assert all(d >= 0 for a in result.clusters for d in a.distances)


def test_same_input_in_any_row_order_gives_the_same_insights():
    frame, _ = _planted_frame()
    first = ins.compute_insights(frame)
    assert ins.compute_insights(frame) == first
    assert ins.compute_insights(frame.sample(frac=1.0, random_state=11)).archetypes == first.archetypes
    assert ins.insights_markdown(ins.compute_insights(frame)) == ins.insights_markdown(first)


def test_too_few_videos_make_one_archetype():
    frame, _ = _planted_frame(sizes=(3, 2, 2))
    result = ins.archetypes(frame)
    assert result.k == 1 and result.silhouette is None and "only 7 videos" in result.note
    [only] = result.clusters
    assert only.size == 7 and only.label == "all videos"
    assert ins.archetypes(frame.iloc[:0]).clusters == ()
    with pytest.raises(ValueError, match="k=9"):
        ins.archetypes(frame, k=9)


def test_identical_videos_are_not_split():
    frame = pd.DataFrame({"hook": [5.0] * 12, "pacing": [4.0] * 12, "engagement_rate": np.arange(12.0),
                          "velocity_24h": 1.0, "velocity_48h": 1.0}, index=[f"v{i}" for i in range(12)])
    result = ins.archetypes(frame)
    assert result.k == 1 and result.features == () and result.clusters[0].size == 12


def test_silhouette_matches_the_definition_on_a_small_example():
    x = np.array([[0.0], [1.0], [10.0], [11.0]])
    a, b = 1.0, 10.5  # for the outer points; the inner points have b = 9.5
    expected = (2 * (b - a) / b + 2 * (9.5 - a) / 9.5) / 4
    assert ins.silhouette(x, np.array([0, 0, 1, 1])) == pytest.approx(expected)


# --- the warehouse, the summary, the asset --------------------------------------------------------


def _populate(url: str, frame: pd.DataFrame) -> None:
    """video_ai_analysis (done) + video_kpis rows from a planted frame, plus a pending analysis and a done
    analysis of a video that is not the account's (no KPI row): neither may be counted."""
    now = DEMO_NOW
    analysis, kpis = [], []
    for vid, r in frame.iterrows():
        scores = {c: 5 for c in (*CORE_SCORES, *PILLARS, *VISUAL_SCORES)}
        scores.update({c: int(r[c]) for c in ("hook", "pacing", "clarity")})
        fast = r["pacing"] >= 8
        tags = {"angle": None, "hook_type": "question" if fast else "curiosity",
                "content_types": ["tutorial"] if r["tag:content_types=tutorial"] else ["demo"],
                "visual_subjects": [], "composition": [], "emotion": [], "pattern_interrupt": []}
        analysis.append({"video_id": vid, "status": "done", **scores, "overall": 10 * scores["hook"], "band": "revise",
                         "silent_friendly": bool(r["tag:content_types=tutorial"]), "tags": tags,
                         "high_severity_flags": 0, "updated_at": now})
        kpis.append({"video_id": vid, "as_of": now, "collected_at": now, "posted_at": now - timedelta(days=3),
                     "views": 1000, "likes": 10, "comments": 1, "shares": 1, "is_top_mover": False,
                     "engagement_rate": float(r["engagement_rate"]), "velocity_24h": float(r["velocity_24h"]),
                     "velocity_48h": None})
    wh = Warehouse(url)
    wh.ensure_schema()
    with wh.begin() as conn:
        upsert(conn, video_ai_analysis, analysis)
        upsert(conn, video_ai_analysis, [{"video_id": "pending-1", "status": "pending", "updated_at": now}])
        upsert(conn, video_ai_analysis, [{**analysis[0], "video_id": "public-1"}])
        upsert(conn, video_kpis, kpis)


def _stored(url: str) -> dict[str, list[dict]]:
    with Warehouse(url).begin() as conn:
        return {t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
                for t in (insight_correlations, creative_archetypes, video_archetypes)}


def test_frame_from_the_warehouse_has_scores_tags_and_outcomes_of_own_done_videos(sqlite_url):
    planted, _ = _planted_frame()
    _populate(sqlite_url, planted)
    with Warehouse(sqlite_url).begin() as conn:
        frame = ins.load_insight_frame(conn)
    assert list(frame.index) == sorted(planted.index)  # no pending row, no video without KPIs
    assert frame.loc["calm-00", "tag:content_types=tutorial"] == 1.0
    assert frame.loc["fast-00", "tag:content_types=demo"] == 1.0
    assert {"tag:hook_type=question", "tag:hook_type=curiosity", "silent_friendly", "overall"} <= set(frame.columns)
    assert frame["velocity_48h"].isna().all()
    pd.testing.assert_series_equal(frame["pacing"], planted["pacing"].sort_index(), check_names=False)


def test_writing_twice_leaves_identical_tables_and_replaces_stale_rows(warehouse_url):
    planted, _ = _planted_frame()
    _populate(warehouse_url, planted)
    wh = Warehouse(warehouse_url)
    with wh.begin() as conn:
        result = ins.compute_insights(ins.load_insight_frame(conn))
    for _ in range(2):
        with wh.begin() as conn:
            counts = ins.write_insights(conn, result, DEMO_NOW)
    stored = _stored(warehouse_url)
    assert counts == {name: len(rows) for name, rows in stored.items()}
    assert len(stored["video_archetypes"]) == len(planted) and len(stored["creative_archetypes"]) == 3
    pair = ("hook", "engagement_rate")
    hook = next(r for r in stored["insight_correlations"] if (r["feature"], r["outcome"]) == pair)
    expected = next(c for c in result.correlations if (c.feature, c.outcome) == pair)
    assert hook["rho"] == pytest.approx(expected.rho) and hook["n"] == expected.n and hook["computed_at"] == DEMO_NOW
    assert stored["creative_archetypes"][0]["defining_features"] == result.archetypes.clusters[0].defining_features
    # The same results an hour later: nothing is rewritten, computed_at still says when they were first computed.
    with wh.begin() as conn:
        ins.write_insights(conn, ins.compute_insights(ins.load_insight_frame(conn)), DEMO_NOW + timedelta(hours=1))
    assert _stored(warehouse_url) == stored

    smaller = ins.compute_insights(planted.iloc[:5])
    with wh.begin() as conn:
        ins.write_insights(conn, smaller, DEMO_NOW)
        assert ins.insights_problems(conn) == []
    assert {r["video_id"] for r in _stored(warehouse_url)["video_archetypes"]} == set(planted.index[:5])


def test_summary_states_the_sample_the_uncertainty_and_that_it_is_no_forecast():
    frame, _ = _planted_frame()
    text = ins.insights_markdown(ins.compute_insights(frame))
    assert "24 scored video(s)" in text
    assert "not a forecast, and not causal" in text and "this account's own videos" in text
    assert "| pacing | velocity_24h | +" in text and "95 % CI" in text
    assert "tutorial videos:" in text and "median engagement rate" in text
    few = ins.insights_markdown(ins.compute_insights(frame.iloc[:4]))
    assert "No pair has enough videos yet" in few and "only 4 videos" in few


def test_plots_are_well_formed_svg():
    bars = bar_chart_svg([str(i) for i in range(11)], histogram_counts([3, 3, 7, None, 10.0], range(11)), title="hook")
    assert len(ET.fromstring(bars).findall("{http://www.w3.org/2000/svg}rect")) == 1 + 11
    assert histogram_counts([3, 3, 7, None, 10.0], range(11))[3] == 2
    dots = scatter_svg([Point(1, 3), Point(2, 4), Point(np.nan, 5)], title="a < b & c", x_label="x", y_label="y")
    assert len(ET.fromstring(dots).findall("{http://www.w3.org/2000/svg}circle")) == 2
    assert "no data yet" in scatter_svg([], title="t", x_label="x", y_label="y")


def test_asset_writes_the_tables_and_its_check_catches_a_broken_archetype(tmp_path, sqlite_url):
    planted, _ = _planted_frame()
    _populate(sqlite_url, planted)
    resources = {"warehouse": WarehouseResource(url=sqlite_url),
                 "clock": ClockResource(simulated=True, state_file=str(tmp_path / "clock.json"))}
    result = dg.materialize([creative_insights, insights_consistent], resources=resources)
    assert result.success
    [mat] = result.asset_materializations_for_node("creative_insights")
    meta = mat.metadata
    assert meta["videos"].value == 24 and meta["archetypes_k"].value == 3
    assert meta["creative_archetypes_rows"].value == 3 and meta["video_archetypes_rows"].value == 24
    assert "not a forecast" in meta["summary"].value
    assert meta["score_distributions"].value.count("data:image/svg+xml;base64,") == len(CORE_SCORES) + 1
    assert "data:image/svg+xml;base64," in meta["strongest_association"].value
    [check] = result.get_asset_check_evaluations()
    assert check.passed
    first = _stored(sqlite_url)
    assert dg.materialize([creative_insights], resources=resources).success
    assert _stored(sqlite_url) == first

    with Warehouse(sqlite_url).begin() as conn:
        conn.execute(update(creative_archetypes).where(creative_archetypes.c.archetype_id == 0).values(size=1))
    broken = dg.materialize([insights_consistent], resources=resources, selection=dg.AssetSelection.checks(
        insights_consistent), raise_on_error=False)
    [check] = broken.get_asset_check_evaluations()
    assert not check.passed and "archetype 0: size 1 but 9 member" in check.metadata["problems"].value


def test_noise_gets_archetypes_flagged_as_loose_groupings():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({s: rng.integers(0, 11, 60).astype(float) for s in (*CORE_SCORES, *VISUAL_SCORES[:8])},
                         index=[f"v{i:02d}" for i in range(60)]).assign(engagement_rate=0.1, velocity_24h=1.0,
                                                                         velocity_48h=1.0)
    result = ins.archetypes(frame)
    assert 2 <= result.k <= 6 and result.silhouette < ins.WEAK_SILHOUETTE
    assert "no substantial structure" in result.note


def test_asset_on_a_warehouse_without_scored_videos_finds_nothing(tmp_path, sqlite_url):
    resources = {"warehouse": WarehouseResource(url=sqlite_url),
                 "clock": ClockResource(simulated=True, state_file=str(tmp_path / "clock.json"))}
    result = dg.materialize([creative_insights, insights_consistent], resources=resources)
    [mat] = result.asset_materializations_for_node("creative_insights")
    assert mat.metadata["videos"].value == 0 and mat.metadata["reportable_pairs"].value == 0
    assert "No pair has enough videos yet" in mat.metadata["summary"].value
    stored = _stored(sqlite_url)
    assert stored["creative_archetypes"] == [] and stored["video_archetypes"] == []
    assert all(r["n"] == 0 and r["rho"] is None for r in stored["insight_correlations"])
    assert result.get_asset_check_evaluations()[0].passed


def test_velocity_associations_hold_video_age_constant():
    # Velocity (views/h over the last 24 h) falls as a video ages. A score that merely rose over time
    # must not look like a velocity driver; one that lifts velocity at every age must.
    rng = np.random.default_rng(3)
    n = 60
    age = rng.uniform(2, 400, n)
    lift = rng.integers(0, 11, n).astype(float)
    velocity = 1000.0 / age * (1 + 0.15 * lift) * rng.uniform(0.9, 1.1, n)
    recency = np.clip(np.round(10 - age / 40 + rng.normal(0, 0.5, n)), 0, 10)  # newer videos scored higher
    frame = pd.DataFrame({"hook": lift, "depth": recency, "engagement_rate": rng.uniform(0.02, 0.1, n),
                          "velocity_24h": velocity, "velocity_48h": velocity, ins.AGE_CONTROL: age},
                         index=pd.Index([f"v{i:03d}" for i in range(n)], name="video_id"))

    by_pair = {(c.feature, c.outcome): c for c in ins.rank_correlations(frame)}
    plain_depth = ins.correlate("depth", "velocity_24h", recency, velocity)
    assert plain_depth.rho > 0.6  # what an uncontrolled analysis would have reported
    depth = by_pair[("depth", "velocity_24h")]
    assert abs(depth.rho) < 0.3 and depth.ci_low < 0 < depth.ci_high and "age held constant" in depth.note
    hook = by_pair[("hook", "velocity_24h")]
    assert hook.rho > 0.5 and hook.ci_low > 0 and hook.reportable
    assert by_pair[("hook", "engagement_rate")].note is None or "age" not in by_pair[("hook", "engagement_rate")].note
    assert ins.AGE_CONTROL not in ins.feature_columns(frame)
