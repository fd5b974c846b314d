"""The generated dashboard in headless Chromium, on a warehouse filled by the real demo pipeline (account
refreshes, a 48-hour cohort, media extraction and scoring of a few videos, then the reporting job).

What a person sees is compared with what the warehouse holds: tiles, every row of the table, each
filter and sort, and every tab of a video's detail view. Screenshots of the overview and of each tab
land in test-artifacts/dashboard/. The page must make no network request and log no console error."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.schema import (
    account_kpi_summary,
    accounts,
    media_sources,
    video_ai_analysis,
    video_covers,
    video_kpis,
    video_onscreen_text,
    videos,
)
from tiktok_pipelines_tests.reporting.browser import ARTIFACTS, chromium

pytestmark = pytest.mark.slow
SHOTS = ARTIFACTS / "dashboard"


@dataclass
class DemoDashboard:
    path: Path
    warehouse: Warehouse

    def rows(self, stmt: Any) -> list[Any]:
        with self.warehouse.engine.connect() as conn:
            return list(conn.execute(stmt))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoDashboard]:
    from tiktok_pipelines.demo.runner import run_demo

    root = tmp_path_factory.mktemp("dashboard-demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOK_DATA_DIR", str(root / "data"))
        mp.setenv("TIKTOK_SOURCE", "demo")
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        for name in ("TIKTOK_WAREHOUSE_URL", "TIKTOK_DASHBOARD_DIR", "TIKTOK_MEDIA_STORE", "TIKTOK_DROP_FOLDER"):
            mp.delenv(name, raising=False)
        (root / "dagster_home").mkdir()
        report = run_demo(steps_h=(-48, -24, 0), media_videos=3, echo=lambda _m: None)
        assert report.reporting is not None
        yield DemoDashboard(report.reporting.dashboard, Warehouse(report.warehouse_url))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any, demo: DemoDashboard) -> Iterator[Any]:
    """The dashboard opened from disk; fails the test on any console error or network request."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith(("file://", "blob:", "data:")) else None)
    pg.goto(demo.path.as_uri())
    pg.wait_for_selector("body[data-ready='1']")
    yield pg
    context.close()
    assert not problems, problems


def shown_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all("#videos tbody tr[data-id]", "rows => rows.map(r => r.dataset.id)")


def cell_values(page: Any, col: str) -> list[str]:
    return page.eval_on_selector_all(f"#videos tbody td[data-col='{col}']", "cells => cells.map(c => c.dataset.value)")


def all_table_ids(demo: DemoDashboard) -> set[str]:
    posted = {r.video_id for r in demo.rows(sa.select(videos.c.video_id))}
    drafts = {r.video_id for r in demo.rows(sa.select(media_sources.c.video_id).where(media_sources.c.is_draft.is_(True)))}
    return posted | drafts


def test_the_overview_shows_the_demo_account_its_kpis_and_band_counts(page: Any, demo: DemoDashboard) -> None:
    assert page.is_visible("[data-testid=demo-banner]")
    assert "DEMO DATA" in page.inner_text("[data-testid=demo-banner]")
    (account,) = demo.rows(sa.select(accounts))
    assert page.inner_text("[data-testid=account-name]").startswith(f"@{account.username}")
    summary = demo.rows(sa.select(account_kpi_summary).order_by(account_kpi_summary.c.as_of.desc()).limit(1))[0]
    tile = {t: page.get_attribute(f"[data-tile='{t}']", "data-value") for t in
            ("views", "likes", "comments", "shares", "median_er", "avg_v24", "posts_per_day_30d", "pass", "revise", "reshoot")}
    assert int(tile["views"]) == summary.total_views and int(tile["likes"]) == summary.total_likes
    assert int(tile["comments"]) == summary.total_comments and int(tile["shares"]) == summary.total_shares
    assert float(tile["median_er"]) == pytest.approx(summary.median_engagement_rate, abs=1e-6)
    assert float(tile["avg_v24"]) == pytest.approx(summary.avg_velocity_24h, abs=1e-3)
    assert float(tile["posts_per_day_30d"]) == pytest.approx(summary.posts_per_day_30d, abs=1e-3)
    bands = dict(demo.rows(sa.select(video_ai_analysis.c.band, sa.func.count()).where(video_ai_analysis.c.status == "done")
                           .group_by(video_ai_analysis.c.band)))
    assert {b: int(tile[b]) for b in ("pass", "revise", "reshoot")} == {b: bands.get(b, 0) for b in ("pass", "revise", "reshoot")}
    assert sum(bands.values()) == 5  # three posted videos and two drafts were scored
    # The cohort section shows the demo's public and own cohorts with their growth curves.
    assert page.locator("[data-cohort]").count() >= 2
    assert page.locator("[data-testid^=growth-] svg path").count() >= 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)


def test_the_table_shows_every_video_with_the_warehouse_numbers_and_cached_thumbnails(page: Any, demo: DemoDashboard) -> None:
    ids = all_table_ids(demo)
    assert page.inner_text("[data-testid=count]") == f"Showing {len(ids)} of {len(ids)} videos"
    assert set(shown_ids(page)) == ids  # fewer than one page of 50
    kpis = {r.video_id: r for r in demo.rows(sa.select(video_kpis))}
    analysis = {r.video_id: r for r in demo.rows(sa.select(video_ai_analysis))}
    for vid, views, er, overall in zip(shown_ids(page), cell_values(page, "views"), cell_values(page, "er"),
                                       cell_values(page, "overall"), strict=True):
        k = kpis.get(vid)
        assert views == ("" if k is None else str(k.views))
        assert (er == "") if k is None else float(er) == pytest.approx(k.engagement_rate, abs=1e-6)
        a = analysis.get(vid)
        assert overall == (str(a.overall) if a is not None and a.status == "done" else "")
        row = page.locator(f"tr[data-id='{vid}']")
        assert row.locator("[data-col=status]").inner_text() == (a.status if a is not None else "no media")
        if a is not None and a.status == "done":
            assert row.locator("[data-score=hook]").inner_text() == f"H {a.hook}"
            assert row.locator("[data-score=depth]").inner_text() == f"D {a.depth}"
    # Thumbnails are the pipeline's own copies (data URIs), never TikTok's expiring cover URLs.
    cached = {r.video_id for r in demo.rows(sa.select(video_covers.c.video_id).where(video_covers.c.status == "cached"))}
    assert len(cached) >= len(kpis)  # every posted video's cover was fetched from the (demo) CDN
    srcs = page.eval_on_selector_all("#videos tbody tr", "rows => rows.map(r => [r.dataset.id, (r.querySelector('img.thumb')||{}).src || ''])")
    assert all(src.startswith("data:image/jpeg;base64,") for vid, src in srcs if vid in cached)
    assert "tiktokcdn" not in demo.path.read_text()


def test_each_filter_narrows_the_table_to_the_matching_videos(page: Any, demo: DemoDashboard) -> None:
    vids = {r.video_id: r for r in demo.rows(sa.select(videos))}
    kpis = {r.video_id: r for r in demo.rows(sa.select(video_kpis))}
    analysis = {r.video_id: r for r in demo.rows(sa.select(video_ai_analysis))}
    everything = all_table_ids(demo)

    def expect(ids: set[str]) -> None:
        assert set(shown_ids(page)) == ids
        assert page.inner_text("[data-testid=count]") == f"Showing {len(ids)} of {len(everything)} videos"

    some = sorted(vids.values(), key=lambda v: v.create_time)[len(vids) // 2]
    word = max((w for w in (some.caption or "").split() if w.isalpha()), key=len).lower()
    page.fill("[data-testid=f-search]", word)
    expect({v for v, r in vids.items() if word in ((r.caption or "") + " " + " ".join(r.hashtags)).lower()}
           | {v for v in everything - set(vids) if word in ((demo.rows(sa.select(media_sources.c.caption).where(media_sources.c.video_id == v))[0].caption or "").lower())})
    page.click("[data-testid=f-clear]")
    expect(everything)

    day_from, day_to = "2026-10-20", "2026-10-28"
    page.fill("[data-testid=f-from]", day_from)
    page.fill("[data-testid=f-to]", day_to)
    page.dispatch_event("[data-testid=f-to]", "change")
    expect({v for v, r in vids.items() if day_from <= r.create_time.date().isoformat() <= day_to})
    page.click("[data-testid=f-clear]")

    page.select_option("[data-testid=f-duration]", "<10")
    expect({v for v, k in kpis.items() if k.duration_bucket == "<10"}
           | {v for v in everything - set(kpis) if v in analysis and _draft_bucket(demo, v) == "<10"})
    page.click("[data-testid=f-clear]")

    tag = page.eval_on_selector("[data-testid=f-hashtag] option:nth-child(2)", "o => o.value")
    page.select_option("[data-testid=f-hashtag]", tag)
    expect({v for v, r in vids.items() if tag in r.hashtags})
    page.click("[data-testid=f-clear]")

    page.check("[data-testid=f-movers]")
    movers = {v for v, k in kpis.items() if k.is_top_mover}
    assert movers
    expect(movers)
    page.click("[data-testid=f-clear]")

    band = next(a.band for a in analysis.values() if a.status == "done")
    page.select_option("[data-testid=f-band]", band)
    expect({v for v, a in analysis.items() if a.status == "done" and a.band == band})
    page.click("[data-testid=f-clear]")

    page.select_option("[data-testid=f-status]", "done")
    expect({v for v, a in analysis.items() if a.status == "done"})
    page.select_option("[data-testid=f-status]", "none")
    expect(everything - set(analysis))
    page.click("[data-testid=f-clear]")
    expect(everything)


def test_export_downloads_the_filtered_rows_as_csv_in_the_order_shown(page: Any, demo: DemoDashboard, tmp_path: Path) -> None:
    import csv

    page.check("[data-testid=f-movers]")
    page.click("th[data-sort='views']")
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == shown_ids(page)
    kpis = {r.video_id: r for r in demo.rows(sa.select(video_kpis))}
    assert all(int(r["views"]) == kpis[r["id"]].views and r["mover"] == "true" for r in rows)


def _draft_bucket(demo: DemoDashboard, video_id: str) -> str | None:
    from tiktok_pipelines.lib.warehouse.schema import media_assets

    (row,) = demo.rows(sa.select(media_assets.c.duration_s).where(media_assets.c.video_id == video_id))
    d = row.duration_s
    return None if d is None else "<10" if d < 10 else "10-20" if d <= 20 else ">20"


@pytest.mark.parametrize("column", ["views", "er", "v24", "overall", "posted"])
def test_sorting_a_column_orders_rows_by_its_values_both_ways_missing_values_last(page: Any, column: str) -> None:
    header = page.locator(f"th[data-sort='{column}']")
    if column != "posted":  # the table opens sorted by posted date, newest first
        header.click()
    for direction in ("descending", "ascending"):
        assert header.get_attribute("aria-sort") == direction
        values = cell_values(page, column)
        present = [v for v in values if v != ""]
        assert values[: len(present)] == present  # missing values after every present one
        keyed = [float(v) for v in present] if column != "posted" else present
        assert keyed == sorted(keyed, reverse=direction == "descending")
        header.click()


def test_the_detail_view_opens_every_tab_with_what_the_warehouse_holds(page: Any, demo: DemoDashboard) -> None:
    # The scored posted video with the most on-screen text: every tab has something to show.
    done = {r.video_id: r for r in demo.rows(sa.select(video_ai_analysis).where(video_ai_analysis.c.status == "done"))}
    posted = {r.video_id for r in demo.rows(sa.select(videos.c.video_id))}
    ocr = {r.video_id: r for r in demo.rows(sa.select(video_onscreen_text))}
    vid = max(sorted(set(done) & posted), key=lambda v: ocr[v].line_count or 0)
    a = done[vid]
    page.set_viewport_size({"width": 1300, "height": 2400})  # tall enough for each tab's screenshot
    page.click(f"tr[data-id='{vid}']")
    assert page.is_visible("[data-testid=detail]")
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.click(".tabs button[data-tab=overview]")
    assert page.get_attribute("[data-testid=overall] .badge", "data-value") == str(a.overall)
    for name in ("hook", "depth", "clarity", "pacing", "cta", "brand_fit"):
        assert page.get_attribute(f"[data-testid=core-scores] [data-score='{name}']", "data-value") == str(getattr(a, name))
    assert page.locator("[data-testid=visual-scores] [data-score]").count() == 16
    page.locator(".dialog").screenshot(path=str(SHOTS / "tab-overview.png"))

    page.click(".tabs button[data-tab=hook]")
    hook_frames = page.locator("[data-testid=tab-body] figure img")
    assert hook_frames.count() >= 3 and all(s.startswith("data:image/jpeg") for s in
                                            page.eval_on_selector_all("[data-testid=tab-body] figure img", "i => i.map(x => x.src)"))
    early = [ln["text"] for r in ocr[vid].payload["frames"] if r["t"] <= 3.0 for ln in r["lines"]]
    if early:
        assert early[0] in page.inner_text("[data-testid=hook-ocr]")
    verdict = next(f for f in a.findings if f["kind"] == "hook_verdict")
    assert verdict["text"] in page.inner_text("[data-testid=hook-verdict]")
    page.locator(".dialog").screenshot(path=str(SHOTS / "tab-hook.png"))

    page.click(".tabs button[data-tab=story]")
    body = page.inner_text("[data-testid=tab-body]")
    assert "Transcript" in body and "Depth analysis" in body and "Retention opportunities" in body
    page.locator(".dialog").screenshot(path=str(SHOTS / "tab-story.png"))

    page.click(".tabs button[data-tab=fixes]")
    shown = page.locator("[data-testid=fixes] .fix")
    assert shown.count() == len(a.fixes) >= 3
    assert [p for p in page.eval_on_selector_all("[data-testid=fixes] .fix", "f => f.map(x => x.dataset.priority)")] == \
        sorted((f["priority"] for f in a.fixes), key=["high", "medium", "low"].index)
    assert all(f["action"] in page.inner_text("[data-testid=fixes]") for f in a.fixes)
    page.locator(".dialog").screenshot(path=str(SHOTS / "tab-fixes.png"))

    page.click(".tabs button[data-tab=visual]")
    assert page.is_visible("[data-testid=first-frame]") and page.is_visible("[data-testid=composition]")
    page.locator(".dialog").screenshot(path=str(SHOTS / "tab-visual.png"))

    page.click(".tabs button[data-tab=artifacts]")
    assert page.locator("[data-testid=tab-body] figure").count() >= 5  # the keyframe gallery
    assert page.is_visible("[data-testid=audio]") and page.is_visible("[data-testid=cut-timeline]")
    assert f"partition={vid}" in page.get_attribute("[data-testid=reprocess]", "href")
    raw = page.inner_text("[data-testid=raw-json]")
    assert f'"video_id": "{vid}"' in raw and f'"overall": {a.overall}' in raw
    page.locator(".dialog").screenshot(path=str(SHOTS / "tab-artifacts.png"))

    page.keyboard.press("Escape")
    assert not page.is_visible("[data-testid=detail]")


def test_a_deep_link_opens_a_video_tab_directly(browser: Any, demo: DemoDashboard) -> None:
    (vid,) = [r.video_id for r in demo.rows(sa.select(video_ai_analysis.c.video_id).where(video_ai_analysis.c.status == "done").limit(1))]
    pg = browser.new_page()
    pg.goto(f"{demo.path.as_uri()}#video={vid}&tab=fixes")
    pg.wait_for_selector("body[data-ready='1']")
    assert pg.is_visible("[data-testid=detail]") and pg.get_attribute("[data-testid=tab-body]", "data-tab") == "fixes"
    pg.close()


def test_served_over_http_the_page_requests_nothing_but_itself(browser: Any, demo: DemoDashboard) -> None:
    handler = partial(_QuietHandler, directory=str(demo.path.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        pg = browser.new_page()
        requests: list[str] = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.goto(f"http://127.0.0.1:{server.server_port}/{demo.path.name}")
        pg.wait_for_selector("body[data-ready='1']")
        pg.click("#videos tbody tr >> nth=0")
        assert [u for u in requests if not u.startswith("data:")] == [f"http://127.0.0.1:{server.server_port}/{demo.path.name}"]
        pg.close()
    finally:
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass
