"""The BI views and analytical queries of sql/ on SQLite and PostgreSQL: a warehouse with known rows,
every view and every query file executed on both backends (parametrized over the files, so a new file is
tested without touching this module), each view's rows checked against what was inserted, the drop-and-
recreate idempotent and all-or-nothing, malformed files refused with their name, and the bi_views asset
and its check through Dagster."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from tiktok_pipelines.lib.reporting import sql_views
from tiktok_pipelines.lib.scoring.models import CORE_SCORES, PILLARS, VISUAL_SCORES
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.engine import dispose_engine
from tiktok_pipelines.lib.warehouse.schema import (
    cohort_members,
    cohort_observations,
    cohort_timeseries,
    cohorts,
    hashtag_performance,
    video_ai_analysis,
    video_kpis,
    videos,
)

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
ALL_SCORES = (*CORE_SCORES, *PILLARS, *VISUAL_SCORES)
FAMILY = {**{s: "core" for s in CORE_SCORES}, **{s: "pillar" for s in PILLARS}, **{s: "visual" for s in VISUAL_SCORES}}
VIEW_FILES = sorted(sql_views.VIEWS_DIR.glob("*.sql"))
QUERY_NAMES = sorted(sql_views.query_files())

# --- the known warehouse -------------------------------------------------------------------------------

# video_id: (days before NOW it was posted, views, velocity_24h, velocity_48h, engagement_rate, top mover rank)
KPIS: dict[str, tuple[int, int, float, float | None, float, int | None]] = {
    "v1": (10, 1000, 5.0, 10.0, 0.10, None),
    "v2": (9, 3000, 20.0, 30.0, 0.05, 2),
    "v3": (8, 5000, 35.0, 40.0, 0.08, 1),
    "v4": (1, 800, 40.0, None, 0.12, None),  # younger than 48 h: no 48 h velocity
    "v5": (5, 2000, 1.0, 2.0, 0.02, None),  # its analysis is still pending
    "v6": (30, 100, 0.0, 0.0, 0.01, None),  # never scored
}
HASHTAGS = {"v1": ["skincare", "fyp"], "v2": ["skincare", "serum"], "v3": ["skincare", "fyp"], "v4": ["fyp"],
            "v5": ["fyp"], "v6": []}

CUT_EARLY = "Cut before 2 s (or move the camera) so the feed sees a change early."
ASK_ONCE = "End with one specific ask, on screen and in the caption."
TALK_EARLY = "Start talking within the first second; cut the lead-in."


def _fix(category: str, action: str, priority: str) -> dict:
    return {"priority": priority, "category": category, "action": action, "why": "observed",
            "evidence": [{"source": "media", "detail": "observed"}], "score": category}


# video_id: (overall, band, hook_type, angle, silent_friendly, fixes). "draft1" was scored before posting: no KPIs.
ANALYSES: dict[str, tuple[int, str, str, str | None, bool | None, list | None]] = {
    "v1": (85, "pass", "question", "science", True, [_fix("pacing", CUT_EARLY, "high"), _fix("cta", ASK_ONCE, "medium")]),
    "v2": (70, "revise", "question", "comparison", False, [_fix("pacing", CUT_EARLY, "medium"), _fix("hook", TALK_EARLY, "low"),
                                                             _fix("pacing", "Break the 9-s shot at 3.0 s with a cut.", "low")]),
    "v3": (50, "reshoot", "question", "science", True, None),  # stored as JSON null
    "v4": (90, "pass", "shock", None, None, []),
    "draft1": (65, "revise", "awe", "transformation", False, [_fix("cta", ASK_ONCE, "high")]),
}
DONE = sorted(ANALYSES)


def score_of(video_id: str, score: str) -> int:
    """Deterministic, varied 0-10 scores: the distribution is computed from these in Python, by SQL in the views."""
    return (sum(map(ord, video_id)) + 3 * ALL_SCORES.index(score)) % 11


def populate(wh: Warehouse) -> None:
    with wh.begin() as conn:
        for vid, (days, views, v24, v48, er, rank) in KPIS.items():
            posted = NOW - timedelta(days=days)
            conn.execute(sa.insert(videos).values(
                video_id=vid, account_id="acct", source="demo", is_demo=True, create_time=posted,
                title=f"title {vid}", caption=f"caption {vid} #" + " #".join(HASHTAGS[vid]), hashtags=HASHTAGS[vid],
                duration_s=15, share_url=f"https://www.tiktok.com/@acct/video/{vid}", first_seen_at=posted,
                last_seen_at=NOW, is_available=True))
            conn.execute(sa.insert(video_kpis).values(
                video_id=vid, as_of=NOW, collected_at=NOW, posted_at=posted, duration_s=15, duration_bucket="10-20",
                views=views, likes=views // 10, comments=views // 100, shares=views // 200, engagement_rate=er,
                views_24h=views - 24 * v24, views_48h=None if v48 is None else views - 48 * v48,
                velocity_24h=v24, velocity_48h=v48, views_24h_basis="snapshot",
                views_48h_basis="posted_in_window" if v48 is None else "snapshot",
                is_top_mover=rank is not None, top_mover_rank=rank))
        for vid, (overall, band, hook_type, angle, silent, fixes) in ANALYSES.items():
            conn.execute(sa.insert(video_ai_analysis).values(
                video_id=vid, status="done", scoring_version="score-1", brand="bloom", overall=overall, band=band,
                band_uncapped=band, deterministic_overall=overall, **{s: score_of(vid, s) for s in ALL_SCORES},
                silent_friendly=silent, angle=angle, hook_type=hook_type, tags={"content_types": ["demo"]},
                findings=[], fixes=fixes, flags={"policy": [], "blockers": []}, high_severity_flags=0,
                llm_status="off", updated_at=NOW))
        conn.execute(sa.insert(video_ai_analysis).values(video_id="v5", status="pending", updated_at=NOW))
        conn.execute(sa.insert(hashtag_performance), [
            {"hashtag": "skincare", "as_of": NOW, "video_count": 3, "total_views": 9000, "median_views": 3000.0,
             "median_engagement_rate": 0.08, "median_velocity_24h": 20.0, "mean_velocity_24h": 20.0},
            {"hashtag": "fyp", "as_of": NOW, "video_count": 4, "total_views": 8800, "median_views": 1500.0,
             "median_engagement_rate": 0.09, "median_velocity_24h": 22.5, "mean_velocity_24h": 20.0},
            {"hashtag": "serum", "as_of": NOW, "video_count": 1, "total_views": 3000, "median_views": 3000.0,
             "median_engagement_rate": 0.05, "median_velocity_24h": 99.0, "mean_velocity_24h": 99.0},
        ])
        start = NOW - timedelta(hours=48)
        conn.execute(sa.insert(cohorts).values(
            cohort_id="c1", program="public", kind="public", source="research_api", is_demo=True, started_at=start,
            tolerance_s=900, status="open", member_count=2))
        for vid, band in (("p1", "10K-100K"), ("p2", "1M+")):
            conn.execute(sa.insert(cohort_members).values(
                cohort_id="c1", video_id=vid, priority=1, performance_band=band, username=f"user_{vid}",
                create_time=start - timedelta(hours=2), caption=f"public {vid}", hashtags=["fyp"]))
        # (video, timepoint, views, views_velocity, timing); views None = missed
        observations = [("p1", "h0", 100, None, "on_time"), ("p1", "h1", 150, 50.0, "on_time"),
                        ("p1", "h6", 400, 50.0, "on_time"), ("p2", "h0", 300, None, "on_time"),
                        ("p2", "h1", 370, 70.0, "late"), ("p2", "h6", None, None, "missed")]
        marks = {"h0": 0, "h1": 1, "h6": 6}
        for vid, tp, views, velocity, timing in observations:
            scheduled = start + timedelta(hours=marks[tp])
            observed = views is not None
            conn.execute(sa.insert(cohort_observations).values(
                cohort_id="c1", video_id=vid, timepoint=tp, scheduled_at=scheduled,
                collected_at=scheduled + timedelta(minutes=20 if timing == "late" else 2) if observed else None,
                hours_since_upload=marks[tp] + 2.0 if observed else None,
                hours_since_cohort_start=marks[tp] + 0.05 if observed else None,
                views=views, likes=None if views is None else views // 10, comments=0, shares=0,
                status="observed" if observed else "missed", timing=timing,
                lateness_s=1200.0 if timing == "late" else 120.0, source="research_api", counts_staleness="archived",
                max_staleness_h=240.0, stats_exact=False))
            if observed:
                conn.execute(sa.insert(cohort_timeseries).values(
                    cohort_id="c1", video_id=vid, timepoint=tp, row={"video_id": vid, "timepoint": tp}, views=views,
                    views_velocity=velocity, likes_velocity=None if velocity is None else velocity / 10,
                    views_growth_pct=None, views_at_mark=float(views), likes_at_mark=None, views_monotonic=True))


@pytest.fixture(scope="module", params=[pytest.param("sqlite", id="sqlite"),
                                        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)])
def populated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The known warehouse with the views applied, once per backend for this module (its tests only read)."""
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('bi') / 'warehouse.sqlite'}"
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"t_{uuid.uuid4().hex}"
        url = server.create_database(name)
    wh = Warehouse(url)
    wh.ensure_schema()
    populate(wh)
    with wh.begin() as conn:
        sql_views.apply_views(conn)
    yield wh
    dispose_engine(url)
    if name:
        server.drop_database(name)


def rows(wh: Warehouse, sql: str) -> list[dict[str, Any]]:
    with wh.begin() as conn:
        return sql_views.fetch_rows(conn, sql)


def query(wh: Warehouse, name: str) -> list[dict[str, Any]]:
    with wh.begin() as conn:
        return sql_views.run_query(conn, name)


def by(rows_: list[dict], key: str) -> dict[Any, dict]:
    return {r[key]: r for r in rows_}


def flag(value: Any) -> bool | None:
    """SQLite returns booleans as 0/1, PostgreSQL as bool."""
    return None if value is None else bool(value)


# --- every file, on both backends -------------------------------------------------------------------------


@pytest.mark.parametrize("path", VIEW_FILES, ids=[p.stem for p in VIEW_FILES])
def test_every_view_selects_its_declared_columns_and_has_rows(populated: Warehouse, path: Path) -> None:
    view = sql_views.parse_view_file(path)
    with populated.begin() as conn:
        result = conn.exec_driver_sql(f"SELECT * FROM {view.name}")
        columns, got = list(result.keys()), result.fetchall()
    assert columns == list(view.columns)
    assert got, f"{view.name} is empty on the known warehouse"


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_query_runs_and_answers(populated: Warehouse, name: str) -> None:
    answer = query(populated, name)
    assert answer, f"{name} returned no rows on the known warehouse"
    assert len({tuple(r) for r in answer}) == 1


def test_view_check_finds_every_view_usable(populated: Warehouse) -> None:
    with populated.begin() as conn:
        checks = sql_views.check_views(conn)
    assert [c.name for c in checks] == [v.name for v in sql_views.load_views()]
    assert [c.problem() for c in checks if not c.ok] == []


# --- each view's rows against what was inserted -----------------------------------------------------------


def test_video_kpis_view_has_one_row_per_video_with_caption_hashtags_and_posted_date(populated: Warehouse) -> None:
    got = by(rows(populated, "SELECT * FROM bi_video_kpis"), "video_id")
    assert sorted(got) == sorted(KPIS)
    v2 = got["v2"]
    assert (v2["caption"], v2["title"], v2["views"]) == ("caption v2 #skincare #serum", "title v2", 3000)
    assert json.loads(v2["hashtags"]) == ["skincare", "serum"]
    assert json.loads(got["v6"]["hashtags"]) == []
    assert str(v2["posted_date"]) == "2026-10-23"
    assert (v2["velocity_24h"], v2["velocity_48h"], v2["engagement_rate"]) == (20.0, 30.0, 0.05)
    assert got["v4"]["velocity_48h"] is None
    assert flag(v2["is_top_mover"]) is True and flag(got["v1"]["is_top_mover"]) is False


def test_top_movers_view_returns_exactly_the_flagged_videos(populated: Warehouse) -> None:
    got = rows(populated, "SELECT video_id, top_mover_rank FROM bi_top_movers ORDER BY top_mover_rank")
    assert got == [{"video_id": "v3", "top_mover_rank": 1}, {"video_id": "v2", "top_mover_rank": 2}]


def test_hashtag_performance_view(populated: Warehouse) -> None:
    got = by(rows(populated, "SELECT * FROM bi_hashtag_performance"), "hashtag")
    assert sorted(got) == ["fyp", "serum", "skincare"]
    assert got["skincare"]["views_per_video"] == pytest.approx(3000.0)
    assert got["fyp"]["median_velocity_24h"] == 22.5


def test_cohort_timeseries_view_has_a_row_per_cohort_video_timepoint_with_hours_views_velocity(populated: Warehouse) -> None:
    got = rows(populated, "SELECT * FROM bi_cohort_timeseries ORDER BY video_id, hour_mark")
    assert [(r["video_id"], r["timepoint"], r["hour_mark"]) for r in got] == [
        ("p1", "h0", 0), ("p1", "h1", 1), ("p1", "h6", 6), ("p2", "h0", 0), ("p2", "h1", 1), ("p2", "h6", 6)]
    p1_h6 = got[2]
    assert (p1_h6["views"], p1_h6["views_velocity"], p1_h6["hours_since_upload"], p1_h6["program"],
            p1_h6["performance_band"], p1_h6["observation_status"]) == (400, 50.0, 8.0, "public", "10K-100K", "observed")
    missed = got[5]
    assert (missed["observation_status"], missed["views"], missed["views_velocity"]) == ("missed", None, None)
    assert got[4]["timing"] == "late"


def test_creative_performance_view_joins_every_score_with_the_videos_kpis(populated: Warehouse) -> None:
    got = by(rows(populated, "SELECT * FROM bi_creative_performance"), "video_id")
    assert sorted(got) == DONE  # the pending v5 and the never-scored v6 are not in it
    for vid in DONE:
        assert {s: got[vid][s] for s in ALL_SCORES} == {s: score_of(vid, s) for s in ALL_SCORES}
        overall, band, hook_type, angle, silent, _ = ANALYSES[vid]
        r = got[vid]
        assert (r["overall"], r["band"], r["hook_type"], r["angle"], flag(r["silent_friendly"])) == \
            (overall, band, hook_type, angle, silent)
    assert (got["v2"]["views"], got["v2"]["engagement_rate"], got["v2"]["velocity_24h"], got["v2"]["velocity_48h"]) == \
        (3000, 0.05, 20.0, 30.0)
    assert got["v2"]["title"] == "title v2"
    assert (got["draft1"]["views"], got["draft1"]["velocity_48h"], got["draft1"]["title"]) == (None, None, None)


def test_scores_long_view_has_one_row_per_scored_video_and_score(populated: Warehouse) -> None:
    got = rows(populated, "SELECT video_id, score_family, score, value FROM bi_creative_scores_long")
    assert sorted((r["video_id"], r["score"], r["value"], r["score_family"]) for r in got) == sorted(
        (vid, s, score_of(vid, s), FAMILY[s]) for vid in DONE for s in ALL_SCORES)


def test_score_distribution_counts_each_integer_value_of_each_score(populated: Warehouse) -> None:
    got = rows(populated, "SELECT score_family, score, value, videos, share FROM bi_score_distribution")
    assert len(got) == len(ALL_SCORES) * 11  # every value 0..10, zeros included
    for score in ALL_SCORES:
        counts = Counter(score_of(vid, score) for vid in DONE)
        mine = sorted((r for r in got if r["score"] == score), key=lambda r: r["value"])
        assert [r["value"] for r in mine] == list(range(11))
        assert [r["videos"] for r in mine] == [counts.get(v, 0) for v in range(11)], score
        assert {r["score_family"] for r in mine} == {FAMILY[score]}
        assert sum(r["share"] for r in mine) == pytest.approx(1.0)


def test_band_distribution_counts_the_bands(populated: Warehouse) -> None:
    got = rows(populated, "SELECT * FROM bi_band_distribution ORDER BY band_order")
    assert [(r["band"], r["videos"], r["min_overall"], r["max_overall"]) for r in got] == [
        ("pass", 2, 85, 90), ("revise", 2, 65, 70), ("reshoot", 1, 50, 50)]
    assert [r["share"] for r in got] == pytest.approx([0.4, 0.4, 0.2])
    assert got[0]["avg_overall"] == pytest.approx(87.5)


# --- the queries' answers --------------------------------------------------------------------------------


def test_hook_types_vs_velocity(populated: Warehouse) -> None:
    got = query(populated, "hook_types_vs_velocity")
    # question: v1 10, v2 30, v3 40 -> median 30; shock (v4) and awe (draft1) have no 48 h velocity: last
    assert [(r["hook_type"], r["videos"], r["videos_with_velocity_48h"], r["median_velocity_48h"]) for r in got] == [
        ("question", 3, 3, 30), ("awe", 1, 0, None), ("shock", 1, 0, None)]
    assert got[0]["avg_velocity_48h"] == pytest.approx(26.67)
    assert got[0]["avg_engagement_rate"] == pytest.approx(round((0.10 + 0.05 + 0.08) / 3, 4))


def test_angles_vs_velocity_takes_the_median_of_an_even_group(populated: Warehouse) -> None:
    got = query(populated, "angles_vs_velocity")
    # comparison: v2 30; science: v1 10 and v3 40 -> 25; (none) = v4, transformation = draft1: no velocity
    assert [(r["angle"], r["videos"], r["median_velocity_48h"]) for r in got] == [
        ("comparison", 1, 30), ("science", 2, 25), ("(none)", 1, None), ("transformation", 1, None)]


def test_silent_friendly_vs_not(populated: Warehouse) -> None:
    got = query(populated, "silent_friendly_vs_not")
    # silent-friendly: v1 (10, 1000 views), v3 (40, 5000); needs sound: v2 (30, 3000) and draft1 (no KPIs); unknown: v4
    assert [(r["audience_with_sound_off"], r["videos"], r["videos_with_velocity_48h"], r["median_velocity_48h"],
             r["median_views"]) for r in got] == [
        ("silent-friendly", 2, 2, 25, 3000), ("needs sound", 2, 1, 30, 3000), ("unknown", 1, 0, None, 800)]


def test_fixes_recur_counts_a_fix_on_two_videos_as_two(populated: Warehouse) -> None:
    got = query(populated, "fixes_recur")
    assert [(r["category"], r["action"], r["videos"], r["high_priority"], r["medium_priority"], r["low_priority"])
            for r in got] == [
        ("cta", ASK_ONCE, 2, 1, 1, 0),
        ("pacing", CUT_EARLY, 2, 1, 1, 0),
        ("hook", TALK_EARLY, 1, 0, 0, 1),
        ("pacing", "Break the 9-s shot at 3.0 s with a cut.", 1, 0, 0, 1),
    ]
    assert got[0]["share_of_scored_videos"] == pytest.approx(0.4)  # 2 of the 5 scored videos


def test_fix_categories_recur_counts_videos_not_suggestions(populated: Warehouse) -> None:
    got = query(populated, "fix_categories_recur")
    # v2 has two pacing fixes: 2 videos (v1, v2), 3 fixes
    assert [(r["category"], r["videos"], r["fixes"], r["high_priority_videos"]) for r in got] == [
        ("cta", 2, 2, 1), ("pacing", 2, 3, 1), ("hook", 1, 1, 0)]
    assert by(got, "category")["pacing"]["avg_overall"] == pytest.approx(77.5)


def test_score_bands_vs_views(populated: Warehouse) -> None:
    got = query(populated, "score_bands_vs_views")
    # pass: v1 (1000 views), v4 (800) -> median 900; revise: v2 (3000) and draft1 (no KPIs); reshoot: v3 (5000)
    assert [(r["band"], r["videos"], r["videos_with_kpis"], r["median_views"], r["median_velocity_48h"]) for r in got] == [
        ("pass", 2, 2, 900, 10), ("revise", 2, 1, 3000, 30), ("reshoot", 1, 1, 5000, 40)]


def test_top_hashtags_by_velocity_skips_hashtags_on_one_video(populated: Warehouse) -> None:
    got = query(populated, "top_hashtags_by_velocity")
    assert [(r["hashtag"], r["median_velocity_24h"]) for r in got] == [("fyp", 22.5), ("skincare", 20)]


def test_cohort_growth_by_timepoint(populated: Warehouse) -> None:
    got = query(populated, "cohort_growth_by_timepoint")
    assert [(r["timepoint"], r["videos_observed"], r["videos_missing"], r["late_observations"], r["median_views"],
             r["median_views_velocity"]) for r in got] == [
        ("h0", 2, 0, 0, 200, None), ("h1", 2, 0, 1, 260, 60), ("h6", 1, 1, 0, 400, 50)]


# --- recreating the views ------------------------------------------------------------------------------------


def _view_definitions(wh: Warehouse) -> dict[str, list[dict]]:
    with wh.begin() as conn:
        names = sorted(n for n in sa.inspect(conn).get_view_names() if n.startswith("bi_"))
        return {n: sql_views.fetch_rows(conn, f"SELECT * FROM {n}") for n in names}


def test_applying_the_views_twice_leaves_the_same_views_and_drops_stale_ones(warehouse_url: str) -> None:
    wh = Warehouse(warehouse_url)
    wh.ensure_schema()
    populate(wh)
    with wh.begin() as conn:
        conn.exec_driver_sql("CREATE VIEW bi_renamed_long_ago AS SELECT video_id FROM videos")
        conn.exec_driver_sql("CREATE VIEW team_view AS SELECT video_id FROM videos")
    with wh.engine.connect() as conn:  # not in a transaction: apply_views opens and commits its own
        first_names = sql_views.apply_views(conn)
    first = _view_definitions(wh)
    with wh.begin() as conn:
        assert sql_views.apply_views(conn) == first_names
    assert _view_definitions(wh) == first
    assert sorted(first) == sorted(first_names) == sorted(v.name for v in sql_views.load_views())
    with wh.begin() as conn:
        assert "team_view" in sa.inspect(conn).get_view_names()  # only bi_ views are ours to drop


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


GOOD_VIEW = "-- columns: video_id\nCREATE VIEW bi_a AS SELECT video_id FROM videos;\n"
QUESTION = "-- Question: how many videos?\n"


def test_a_view_that_fails_to_create_leaves_the_previous_views_in_place(warehouse_url: str, tmp_path: Path) -> None:
    wh = Warehouse(warehouse_url)
    wh.ensure_schema()
    populate(wh)
    good = _write(tmp_path / "good", {"01_bi_a.sql": GOOD_VIEW,
                                      "02_bi_b.sql": "-- columns: n\nCREATE VIEW bi_b AS SELECT COUNT(*) AS n FROM bi_a;\n"})
    with wh.begin() as conn:
        sql_views.apply_views(conn, good)
    broken = _write(tmp_path / "broken", {
        "01_bi_a.sql": "-- columns: title\nCREATE VIEW bi_a AS SELECT title FROM videos;\n",
        "02_bi_b.sql": "-- columns: n\nCREATE VIEW bi_b AS SELECT COUNT(*) AS n FROM no_such_table;\n"})
    with pytest.raises(sql_views.SqlFileError, match=r"02_bi_b\.sql: CREATE VIEW bi_b failed"), wh.engine.connect() as conn:
        sql_views.apply_views(conn, broken)
    with wh.begin() as conn:
        assert sorted(r["video_id"] for r in sql_views.fetch_rows(conn, "SELECT * FROM bi_a")) == sorted(KPIS)
        assert sql_views.fetch_rows(conn, "SELECT n FROM bi_b") == [{"n": len(KPIS)}]
        assert [c.ok for c in sql_views.check_views(conn, good)] == [True, True]


def test_view_check_names_a_view_that_is_gone_and_one_whose_columns_changed(warehouse_url: str) -> None:
    wh = Warehouse(warehouse_url)
    wh.ensure_schema()
    with wh.begin() as conn:
        sql_views.apply_views(conn)
        conn.exec_driver_sql("DROP VIEW bi_band_distribution")
        conn.exec_driver_sql("DROP VIEW bi_top_movers")
        conn.exec_driver_sql("CREATE VIEW bi_top_movers AS SELECT video_id, views AS plays FROM video_kpis")
    with wh.begin() as conn:
        checks = {c.name: c for c in sql_views.check_views(conn)}
    assert sorted(n for n, c in checks.items() if not c.ok) == ["bi_band_distribution", "bi_top_movers"]
    assert checks["bi_band_distribution"].problem().startswith("bi_band_distribution: does not select:")
    assert checks["bi_top_movers"].unexpected_columns == ("plays",)
    assert "top_mover_rank" in checks["bi_top_movers"].missing_columns
    assert checks["bi_video_kpis"].ok and checks["bi_video_kpis"].rows == 0  # the others still checked after a failure


def test_percent_signs_and_colons_reach_the_database_as_written(warehouse_url: str, tmp_path: Path) -> None:
    wh = Warehouse(warehouse_url)
    wh.ensure_schema()
    populate(wh)
    views = _write(tmp_path / "views", {"01_bi_a.sql": "-- columns: share, note\nCREATE VIEW bi_a AS "
                                        "SELECT '50 %' AS share, 'at 12:00 :name' AS note FROM videos WHERE caption LIKE '%#fyp%';\n"})
    queries = _write(tmp_path / "queries", {"q.sql": QUESTION + "SELECT share, note FROM bi_a WHERE note LIKE '%12:00%';\n"})
    with wh.begin() as conn:
        sql_views.apply_views(conn, views)
        got = sql_views.run_query(conn, "q", queries)
    assert got == [{"share": "50 %", "note": "at 12:00 :name"}] * sum("fyp" in tags for tags in HASHTAGS.values())


# --- malformed files are refused, naming the file ----------------------------------------------------------


@pytest.mark.parametrize(("files", "message"), [
    ({"01_bi_a.sql": GOOD_VIEW + "SELECT 1;\n"}, r"01_bi_a\.sql: expected exactly one SQL statement"),
    ({"01_bi_a.sql": "-- columns: video_id\nCREATE VIEW bi_a AS SELECT video_id FROM videos\n"},
     r"01_bi_a\.sql: expected exactly one SQL statement ending with ';'"),
    ({"01_bi_a.sql": "-- columns: x\nCREATE VIEW bi_other AS SELECT 1 AS x;\n"},
     r"01_bi_a\.sql: creates view 'bi_other' but the file name says 'bi_a'"),
    ({"01_bi_a.sql": "-- columns: x\nCREATE TABLE bi_a (x INTEGER);\n"}, r"01_bi_a\.sql: the statement must be 'CREATE VIEW bi_a"),
    ({"01_bi_a.sql": "CREATE VIEW bi_a AS SELECT 1 AS x;\n"}, r"01_bi_a\.sql: missing the '-- columns:"),
    ({"bi_a.sql": GOOD_VIEW}, r"bi_a\.sql: a view file is named NN_<view_name>\.sql"),
    ({"01_a.sql": "-- columns: x\nCREATE VIEW a AS SELECT 1 AS x;\n"}, r"01_a\.sql: view names start with 'bi_'"),
    ({"01_bi_b.sql": "-- columns: n\nCREATE VIEW bi_b AS SELECT COUNT(*) AS n FROM bi_a;\n", "02_bi_a.sql": GOOD_VIEW},
     r"01_bi_b\.sql: reads \['bi_a'\], created after it"),
    ({"01_bi_a.sql": GOOD_VIEW, "01_bi_b.sql": "-- columns: x\nCREATE VIEW bi_b AS SELECT 1 AS x;\n"},
     r"01_bi_b\.sql: prefix 01 is also used by 01_bi_a\.sql"),
])
def test_malformed_view_files_are_refused_with_their_name(tmp_path: Path, files: dict[str, str], message: str) -> None:
    with pytest.raises(sql_views.SqlFileError, match=message):
        sql_views.load_views(_write(tmp_path / "views", files))


def test_a_semicolon_or_view_name_inside_a_string_or_comment_is_not_a_statement_or_dependency(tmp_path: Path) -> None:
    directory = _write(tmp_path / "views", {
        "01_bi_a.sql": "-- columns: note\n-- reads bi_b? no; that is a comment\n"
                       "CREATE VIEW bi_a AS SELECT 'a;b bi_b ''quoted''' AS note;\n",
        "02_bi_b.sql": GOOD_VIEW.replace("bi_a", "bi_b")})
    assert [v.name for v in sql_views.load_views(directory)] == ["bi_a", "bi_b"]



@pytest.mark.parametrize(("files", "message"), [
    ({"q.sqlite.sql": QUESTION + "SELECT 1;\n"}, r"q\.sqlite\.sql: no q\.postgresql\.sql next to it"),
    ({"q.sql": QUESTION + "SELECT 1;\n", "q.postgresql.sql": QUESTION + "SELECT 1;\n"},
     r"q\.sql: also has dialect variants"),
    ({"q.sql": "SELECT 1;\n"}, r"q\.sql: missing the '-- Question:' header"),
    ({"q.sql": QUESTION + "DELETE FROM videos;\n"}, r"q\.sql: a query must be one SELECT"),
    ({"q.sql": QUESTION + "WITH x AS (SELECT 1) DELETE FROM videos;\n"}, r"q\.sql: a query only reads; found \['DELETE'\]"),
    ({"q.sql": QUESTION + "SELECT 1; SELECT 2;\n"}, r"q\.sql: expected exactly one SQL statement"),
    ({"Q-1.sql": QUESTION + "SELECT 1;\n"}, r"Q-1\.sql: a query file is named"),
])
def test_malformed_query_files_are_refused_with_their_name(tmp_path: Path, files: dict[str, str], message: str) -> None:
    with pytest.raises(sql_views.SqlFileError, match=message):
        sql_views.load_queries("sqlite", _write(tmp_path / "queries", files))


def test_each_dialect_gets_its_own_variant_of_a_query(tmp_path: Path) -> None:
    directory = _write(tmp_path / "queries", {
        "a.sql": QUESTION + "SELECT 1 AS n;\n",
        "b.sqlite.sql": QUESTION + "SELECT 'sqlite' AS d;\n",
        "b.postgresql.sql": QUESTION + "SELECT 'postgresql' AS d;\n"})
    for dialect in sql_views.DIALECTS:
        queries = sql_views.load_queries(dialect, directory)
        assert sorted(queries) == ["a", "b"]
        assert f"'{dialect}'" in queries["b"]
    with pytest.raises(ValueError, match="dialect must be one of"):
        sql_views.load_queries("mysql", directory)


def _comparable(value: Any) -> Any:
    """One backend-neutral form: SQLite hands back timestamps as text and booleans as 0/1 (True == 1 already)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?", value):
        return value[:19]
    if isinstance(value, float):
        return round(value, 9)
    return value


def _answer(wh: Warehouse, sql: str, ordered: bool) -> list[dict]:
    got = [{k: _comparable(v) for k, v in r.items()} for r in rows(wh, sql)]
    return got if ordered else sorted(got, key=repr)


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_the_same_answers(sqlite_url: str, postgres_url: str) -> None:
    backends = [Warehouse(sqlite_url), Warehouse(postgres_url)]
    for wh in backends:
        wh.ensure_schema()
        populate(wh)
        with wh.begin() as conn:
            sql_views.apply_views(conn)
    lite, pg = backends
    for view in sql_views.load_views():
        sql = f"SELECT * FROM {view.name}"
        assert _answer(lite, sql, ordered=False) == _answer(pg, sql, ordered=False), view.name
    for name in QUERY_NAMES:
        assert [{k: _comparable(v) for k, v in r.items()} for r in query(lite, name)] == \
            [{k: _comparable(v) for k, v in r.items()} for r in query(pg, name)], name


# --- the Dagster asset and its check ---------------------------------------------------------------------


def test_bi_views_asset_creates_the_views_and_its_check_passes_then_catches_a_broken_view(sqlite_url: str) -> None:
    from tiktok_pipelines.defs.reporting.bi_views import (
        bi_views,
        bi_views_select_with_expected_columns,
    )
    from tiktok_pipelines.defs.resources import WarehouseResource

    wh = Warehouse(sqlite_url)
    wh.ensure_schema()
    populate(wh)
    resources = {"warehouse": WarehouseResource(url=sqlite_url)}
    result = dg.materialize([bi_views, bi_views_select_with_expected_columns], resources=resources)
    assert result.success
    meta = result.asset_materializations_for_node("bi_views")[0].metadata
    assert meta["views"].value == [v.name for v in sql_views.load_views()]
    assert meta["rows_bi_top_movers"].value == 2
    assert meta["rows_bi_creative_performance"].value == len(DONE)
    assert meta["rows_bi_score_distribution"].value == len(ALL_SCORES) * 11
    preview = meta["creative_performance_preview"].value
    assert "DEMO world" in preview
    assert preview.index("| v4 |") < preview.index("| v1 |") < preview.index("| v3 |")  # best overall first
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed

    with wh.begin() as conn:  # someone "fixes" a view by hand and drops a column dashboards use
        conn.exec_driver_sql("DROP VIEW bi_top_movers")
        conn.exec_driver_sql("CREATE VIEW bi_top_movers AS SELECT video_id FROM video_kpis")
    again = dg.materialize([bi_views, bi_views_select_with_expected_columns], resources=resources,
                           selection=dg.AssetSelection.checks(bi_views_select_with_expected_columns),
                           raise_on_error=False)
    assert not again.asset_materializations_for_node("bi_views")  # the check ran alone
    [evaluation] = again.get_asset_check_evaluations()
    assert not evaluation.passed
    assert "bi_top_movers: missing columns ['top_mover_rank'" in evaluation.metadata["problems"].value
