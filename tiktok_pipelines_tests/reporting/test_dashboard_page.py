"""The generated dashboard from a small hand-built warehouse, opened in headless Chromium.

The warehouse holds what outside input can put there at its worst: captions, transcripts, on-screen
text, hashtags and an account name written to break out of the page (script end tags, event-handler
attributes, comment openers, quotes, emoji, right-to-left text). They must show as plain text and run
nothing. Also: an empty warehouse, a failed analysis, keyframes cut by the image budget or deleted by
retention, byte-identical regeneration, and paging and sorting past one page of 50 videos."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tiktok_pipelines.defs.media.resources import MediaStoreResource
from tiktok_pipelines.defs.reporting.dashboard import _object_reader
from tiktok_pipelines.demo.world import DEMO_NOW
from tiktok_pipelines.lib.extraction.artifacts import Keyframe
from tiktok_pipelines.lib.extraction.results import save_result
from tiktok_pipelines.lib.reporting.build import DashboardBuild, build_dashboard
from tiktok_pipelines.lib.reporting.covers import cache_covers, plan_covers
from tiktok_pipelines.lib.scoring.brand import load_brand_profile
from tiktok_pipelines.lib.scoring.engine import score_video
from tiktok_pipelines.lib.scoring.inputs import ScoringInputs
from tiktok_pipelines.lib.scoring.store import analysis_row, config_fingerprint, mark_status, save_analysis, save_scores
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.engine import dispose_engine, upsert
from tiktok_pipelines.lib.warehouse.schema import (
    account_kpi_summary,
    account_snapshots,
    accounts,
    cohort_members,
    cohort_observations,
    cohorts,
    video_kpis,
    videos,
)
from tiktok_pipelines_tests.reporting.browser import chromium
from tiktok_pipelines_tests.scoring.videos import line, said, store_inputs, strong_list_video, weak_video

pytestmark = pytest.mark.slow

NOW = DEMO_NOW
DAGSTER_URL = "http://127.0.0.1:3000"
SVG_NS = "http://www.w3.org/2000/svg"

# Text from outside (TikTok captions, ASR, OCR), written to break out of a <script> block, an attribute or
# an HTML comment, with the page's own placeholders in it too.
PWN = "</script><script>window.__pwned=1</script>"
HOSTILE = (f'{PWN} <img src=x onerror="window.__pwned=2"> <!-- "double" \'single\' & __DATA__ __JS__ '
           "🤯💇‍♀️ שלום עולם \u202eevil https://evil.example/x.png")
HOSTILE_OCR = '<svg onload="window.__pwned=3"></svg> 3 INGREDIENTS </title> <!--'
HOSTILE_TAG = '<b onmouseover="window.__pwned=4">serum</b>'
HOSTILE_USER = "bloom</title><script>window.__pwned=5</script>"
HOSTILE_NAME = 'Bloom "Hair" <i>Lab</i> מעבדה 🧪'
ERROR_TEXT = 'ffprobe: moov atom not found in "clip <1>.mp4" </script>'

COHORT = 'public-2026-10-30 <i>x</i> & "q"'  # its growth chart is SVG markup: the one innerHTML path
COHORT_VIDEOS = ("7400000000<b>x</b>", "7400000001<b>y</b>")  # Research API ids end up as curve labels
POSTED = "7300000000000000001"  # posted, scored, hostile caption, transcript and on-screen text
DRAFT = "draft-hostile-caption-1a2b3c4d"  # a scored draft with a hostile caption
BROKEN = "7300000000000000002"  # its analysis failed
PLAIN = [f"73000000000001{i:05d}" for i in range(61)]  # enough posted videos for two pages
NO_KPIS = set(PLAIN[::15])  # never snapshotted yet: no views, no engagement
KEYFRAMED = (POSTED, DRAFT)


# --- the warehouse ------------------------------------------------------------------------------------


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (216, 384)) -> bytes:
    img = Image.new("RGB", size, colour)
    for y in range(0, size[1], 12):
        img.paste(tuple((c + y) % 256 for c in colour), (0, y, size[0], y + 5))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def put(media_root: Path, key: str, data: bytes) -> None:
    path = media_root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def with_stored_keyframes(inputs: ScoringInputs, media_root: Path, shade: int) -> ScoringInputs:
    """The inputs with keyframes under the video's own keys, each a distinct JPEG in the media store."""
    frames = []
    for i, k in enumerate(inputs.keyframes):
        key = f"videos/{inputs.video_id}/keyframes/{k.label}.jpg"
        put(media_root, key, jpeg((shade, 20 * i, 255 - 20 * i)))
        frames.append(Keyframe(label=k.label, t=k.t, key=key, width=k.width, height=k.height, aliases=k.aliases))
    put(media_root, f"videos/{inputs.video_id}/thumbnail.jpg", jpeg((shade, 90, 90), (270, 480)))
    return dataclasses.replace(inputs, keyframes=tuple(frames))


def store_scored(conn: Any, inputs: ScoringInputs, *, is_draft: bool) -> None:
    """Extraction results as the pipeline writes them, then the real scoring engine's analysis row."""
    store_inputs(conn, inputs, NOW, is_draft=is_draft)
    save_result(conn, "keyframes", inputs.video_id,
                payload={"keyframes": [k.model_dump(mode="json") for k in inputs.keyframes]},
                extractor="test", version="test-1", status="ok", source_sha256=f"{inputs.video_id:0<64}"[:64], now=NOW,
                scalars={"keyframe_count": len(inputs.keyframes), "thumbnail_key": f"videos/{inputs.video_id}/thumbnail.jpg"})
    brand = load_brand_profile()
    scores = score_video(inputs, brand)
    save_scores(conn, scores, config=config_fingerprint(brand, scores.weights), now=NOW, seconds=0.01)
    save_analysis(conn, analysis_row(scores, None, NOW))


def video_row(vid: str, posted: datetime, caption: str, hashtags: list[str]) -> dict[str, Any]:
    return {"video_id": vid, "account_id": "acct-1", "source": "display_api", "is_demo": False, "create_time": posted,
            "title": caption[:150], "caption": caption, "hashtags": hashtags, "duration_s": 30, "width": 1080,
            "height": 1920, "share_url": f"https://www.tiktok.com/@bloom/video/{vid}",
            # A signed cover URL long expired: the dashboard must never show (or link to) it.
            "cover_image_url": f"https://p16-sign-va.tiktokcdn.com/tos/{vid}~tplv.image?x-expires=1&x-signature=S3CRET",
            "cover_url_fetched_at": NOW - timedelta(hours=30), "first_seen_at": posted, "last_seen_at": NOW}


def kpi_row(vid: str, posted: datetime, views: int, velocity: float, mover_rank: int | None = None) -> dict[str, Any]:
    likes, comments, shares = views // 10, views // 50, views // 100
    return {"video_id": vid, "as_of": NOW, "collected_at": NOW, "posted_at": posted, "duration_s": 30,
            "duration_bucket": ">20", "views": views, "likes": likes, "comments": comments, "shares": shares,
            "engagement_rate": (likes + comments + shares) / views, "velocity_24h": velocity, "velocity_48h": velocity / 2,
            "is_top_mover": mover_rank is not None, "top_mover_rank": mover_rank}


def fill_warehouse(wh: Warehouse, media_root: Path) -> None:
    posted_caption = f"{HOSTILE} #hairgrowth"
    posted = strong_list_video(
        video_id=POSTED, caption=posted_caption, hashtags=("hairgrowth",),
        speech=(said(0.3, HOSTILE), said(12.0, "copper peptides support the follicle")),
        overlays=((0.0, 3.5, line(HOSTILE_OCR)), (4.0, 30.0, line("SHOP THE LINK IN BIO"))))
    draft = weak_video(video_id=DRAFT, caption=HOSTILE)
    with wh.begin() as conn:
        upsert(conn, accounts, [{"account_id": "acct-1", "username": HOSTILE_USER, "display_name": HOSTILE_NAME,
                                 "bio_description": HOSTILE, "is_verified": False, "source": "display_api",
                                 "is_demo": False, "updated_at": NOW}])
        upsert(conn, account_snapshots, [{"account_id": "acct-1", "collected_at": NOW, "follower_count": 4321,
                                          "following_count": 12, "likes_count": 99, "video_count": 63}])
        when = NOW - timedelta(days=3)
        upsert(conn, videos, [video_row(POSTED, when, posted_caption, ["hairgrowth", HOSTILE_TAG]),
                              video_row(BROKEN, when - timedelta(hours=1), "the one whose file was broken", ["fyp"])])
        upsert(conn, video_kpis, [kpi_row(POSTED, when, 52_000, 410.5, mover_rank=1), kpi_row(BROKEN, when, 900, 3.0)])
        store_scored(conn, with_stored_keyframes(posted, media_root, 40), is_draft=False)
        store_scored(conn, with_stored_keyframes(draft, media_root, 160), is_draft=True)
        mark_status(conn, BROKEN, "error", NOW, error=ERROR_TEXT)
        plain_rows, plain_kpis = [], []
        for i, vid in enumerate(PLAIN):
            at = NOW - timedelta(days=4, hours=7 * i)
            plain_rows.append(video_row(vid, at, f"plain video number {i} about peptides", ["peptides"]))
            if vid not in NO_KPIS:
                # distinct, unordered views and velocities, so a sort has something to do on both pages
                plain_kpis.append(kpi_row(vid, at, 1_000 + (i * 7919) % 50_000, float((i * 613) % 997) + 0.25))
        upsert(conn, videos, plain_rows)
        upsert(conn, video_kpis, plain_kpis)
        upsert(conn, account_kpi_summary, [{"as_of": NOW, "video_count": 63, "total_views": 1_234_567,
                                            "total_likes": 12_345, "total_comments": 678, "total_shares": 90,
                                            "median_views": 20_000.0, "median_engagement_rate": 0.0456,
                                            "avg_velocity_24h": 123.4, "median_velocity_24h": 99.0,
                                            "posts_per_day_30d": 1.25, "is_demo": False}])
    start = NOW - timedelta(days=2)
    with wh.begin() as conn:
        upsert(conn, cohorts, [{"cohort_id": COHORT, "program": "hairtok", "kind": "public", "source": "research_api",
                                "is_demo": False, "started_at": start, "tolerance_s": 600, "status": "complete"}])
        upsert(conn, cohort_members, [{"cohort_id": COHORT, "video_id": v, "priority": i, "create_time": start,
                                       "hashtags": [HOSTILE_TAG], "caption": HOSTILE}
                                      for i, v in enumerate(COHORT_VIDEOS)])
        upsert(conn, cohort_observations, [
            {"cohort_id": COHORT, "video_id": v, "timepoint": tp, "scheduled_at": start + timedelta(hours=h),
             "collected_at": start + timedelta(hours=h), "hours_since_cohort_start": float(h),
             "views": (i + 1) * (100 + 50 * h), "status": "observed", "timing": "on_time", "source": "research_api",
             "counts_staleness": "live", "max_staleness_h": 0.0}
            for i, v in enumerate(COHORT_VIDEOS) for tp, h in (("h0", 0), ("h1", 1), ("h6", 6), ("h24", 24))])
    # Thumbnails through the real cover cache: the expired cover URLs fall back to the keyframes.
    store = MediaStoreResource(local_root=str(media_root))
    with wh.begin() as conn:
        tasks, _ = plan_covers(conn, NOW)
    cache_covers(wh.begin, tasks, store.get(), lambda key: (media_root / key).read_bytes(), NOW,
                 work_dir=media_root.parent / "cover-work")


@dataclass
class Dash:
    root: Path
    wh: Warehouse
    media_root: Path
    main: DashboardBuild

    def build(self, name: str, *, now: datetime = NOW, media_root: Path | None = None, cache: str = "cache",
              wh: Warehouse | None = None, image_budget_bytes: int = 24 * 2**20) -> DashboardBuild:
        media = MediaStoreResource(local_root=str(media_root or self.media_root))
        return build_dashboard(
            wh or self.wh, self.root / name / "index.html", now=now, is_demo=False,
            read_object=_object_reader(media, self.root / "fetch"), cache_dir=self.root / cache,
            dagster_url=DAGSTER_URL, image_budget_bytes=image_budget_bytes)


@pytest.fixture(scope="module")
def dash(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dash]:
    root = tmp_path_factory.mktemp("dashboard-page")
    url = f"sqlite:///{root / 'warehouse.sqlite'}"
    wh = Warehouse(url)
    wh.ensure_schema()
    fill_warehouse(wh, root / "media")
    d = Dash(root, wh, root / "media", None)  # type: ignore[arg-type]
    d.main = d.build("main")
    yield d
    dispose_engine(url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@contextmanager
def opened(browser: Any, path: Path) -> Iterator[Any]:
    """The dashboard opened from disk; fails on any console error or warning, page error or network request."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)  # a page that breaks fails in seconds, not Playwright's 30 s per wait
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: problems.append(f"request: {r.url}")
            if r.url.split("#")[0] != path.as_uri() and not r.url.startswith("data:") else None)
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']")
        yield page
        assert page.evaluate("typeof window.__pwned") == "undefined"
    finally:
        context.close()
    assert not problems, problems


def text_of(page: Any, selector: str) -> str:
    return page.eval_on_selector(selector, "e => e.textContent")


def shown_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all("#videos tbody tr[data-id]", "rows => rows.map(r => r.dataset.id)")


def open_tab(page: Any, video_id: str, tab: str) -> None:
    if not page.is_visible("[data-testid=detail]"):
        page.fill("[data-testid=f-search]", "")
        page.dispatch_event("[data-testid=f-search]", "input")
        while video_id not in shown_ids(page) and page.is_enabled("[data-testid=next]"):
            page.click("[data-testid=next]")
        page.click(f"tr[data-id='{video_id}']")
    page.click(f".tabs button[data-tab={tab}]")
    assert page.get_attribute("[data-testid=tab-body]", "data-tab") == tab


# --- hostile text -------------------------------------------------------------------------------------


def test_hostile_text_from_outside_shows_literally_and_runs_nothing(browser: Any, dash: Dash) -> None:
    with opened(browser, dash.main.path) as page:
        assert page.title() == f"TikTok analytics: @{HOSTILE_USER}"
        assert text_of(page, "[data-testid=account-name]") == f"@{HOSTILE_USER} · {HOSTILE_NAME}"
        row = f"tr[data-id='{POSTED}']"
        assert text_of(page, f"{row} .cap .t") == f"{HOSTILE} #hairgrowth"
        assert page.eval_on_selector_all(f"{row} .chip", "c => c.map(x => x.textContent)") == ["#hairgrowth", f"#{HOSTILE_TAG}"]
        assert page.eval_on_selector_all("[data-testid=f-hashtag] option", "o => o.map(x => x.value)").count(HOSTILE_TAG) == 1
        # Searching for the markup finds the videos by their text (the draft is on page 2 until then).
        page.fill("[data-testid=f-search]", "</script><script>")
        page.dispatch_event("[data-testid=f-search]", "input")
        assert sorted(shown_ids(page)) == sorted([POSTED, DRAFT])
        assert text_of(page, f"tr[data-id='{DRAFT}'] .cap .t") == f"Draft: {DRAFT}.mp4 · {HOSTILE}"

        open_tab(page, POSTED, "overview")
        title = text_of(page, "[data-testid=detail-title]")
        assert len(title) >= 40 and f"{HOSTILE} #hairgrowth".startswith(title)
        open_tab(page, POSTED, "hook")
        assert page.eval_on_selector_all("[data-testid=hook-ocr] li", "l => l.map(x => x.textContent)")[0] == HOSTILE_OCR
        assert HOSTILE.startswith(text_of(page, "[data-testid=hook-spoken]"))  # the words said in the first 3 s
        assert PWN in text_of(page, "[data-testid=hook-caption]")
        open_tab(page, POSTED, "story")
        assert HOSTILE in page.eval_on_selector_all("[data-testid=transcript] .seg span:nth-child(2)",
                                                    "s => s.map(x => x.textContent)")
        open_tab(page, POSTED, "artifacts")
        raw = json.loads(text_of(page, "[data-testid=raw-json]"))
        assert raw["video_id"] == POSTED and raw["transcript"]["segments"][0]["text"] == HOSTILE
        assert raw["ocr"]["frames"][0]["lines"][0]["text"] == HOSTILE_OCR
        page.click("[data-testid=detail-close]")
        open_tab(page, DRAFT, "story")
        assert text_of(page, "[data-testid=detail-title]") == f"Draft {DRAFT}.mp4"

        # The cohort chart is SVG markup from the pipeline: its texts from outside are text in it.
        chart_texts = page.eval_on_selector_all("[data-testid=cohorts] svg text", "t => t.map(x => x.textContent)")
        assert f"{COHORT}: views over the first 48 h" in chart_texts
        assert {"<b>x</b>", "<b>y</b>"} <= set(chart_texts)
        assert text_of(page, "[data-cohort] h3").startswith(f"{COHORT} · public · complete · 2 videos")
        # Nothing from the data became markup: only the page's own scripts, only embedded images.
        assert page.evaluate("document.querySelectorAll('#cohorts b, #cohorts i').length") == 0
        assert page.evaluate("document.scripts.length") == 4
        assert page.evaluate("document.querySelectorAll('[onload], [onerror], [onmouseover], i').length") == 0
        assert page.evaluate("[...document.images].filter(i => !i.src.startsWith('data:image/jpeg;base64,')).length") == 0


def test_the_file_can_make_no_network_request(dash: Dash) -> None:
    html = dash.main.path.read_text(encoding="utf-8")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert csp is not None and "default-src 'none'" in csp.group(1) and "img-src data:" in csp.group(1)
    assert "connect-src" not in csp.group(1) and "http" not in csp.group(1)
    # Outside the JSON data blocks (the page, its style and script) the only URL is the SVG namespace.
    blocks = dict(re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, flags=re.DOTALL))
    assert sorted(blocks) == ["dash-data", "dash-details", "dash-frames"]
    page_only = re.sub(r'(<script type="application/json" id="[^"]+">).*?(</script>)', r"\1\2", html, flags=re.DOTALL)
    assert set(re.findall(r"https?://[^\s\"'<>\\)]+", page_only)) == {SVG_NS}
    # Inside the data, URLs are text: the Dagster link, share links and what captions say; charts carry
    # only their namespace; every image is a data URI.
    data = json.loads(blocks["dash-data"])
    assert data["meta"]["dagster_url"] == DAGSTER_URL
    for svg in data["charts"].values():
        assert set(re.findall(r"https?://[^\s\"'<>\\)]+", svg)) <= {SVG_NS}
    images = [*data["thumbs"].values(), *json.loads(blocks["dash-frames"]).values()]
    assert images and all(uri.startswith("data:image/jpeg;base64,") for uri in images)
    assert re.search(r"""(src|href)\s*=\s*\\?["']?\s*https?:""", html) is None
    assert re.search(r"url\(\s*['\"]?\s*https?:", html) is None
    # The signed, expiring cover URLs never reach the page.
    assert "tiktokcdn" not in html and "S3CRET" not in html


# --- empty, failed, budget, retention ------------------------------------------------------------------


def test_an_empty_warehouse_renders_a_clear_empty_state(browser: Any, dash: Dash) -> None:
    url = f"sqlite:///{dash.root / 'empty.sqlite'}"
    empty = Warehouse(url)
    empty.ensure_schema()
    build = dash.build("empty", wh=empty, cache="empty-cache")
    dispose_engine(url)
    assert (build.videos, build.scored, build.cohorts, build.images) == (0, 0, 0, 0)

    with opened(browser, build.path) as page:
        assert page.title() == "TikTok analytics: videos"
        assert text_of(page, "[data-testid=account-name]") == "No account connected"
        assert text_of(page, "[data-testid=count]") == "Showing 0 of 0 videos"
        assert text_of(page, "[data-testid=page]") == "page 1 of 1"
        assert page.is_disabled("[data-testid=prev]") and page.is_disabled("[data-testid=next]")
        assert shown_ids(page) == []
        assert page.get_attribute("[data-tile=views]", "data-value") == ""
        assert text_of(page, "[data-tile=views] .v") == "–"
        assert text_of(page, "[data-tile=pass] .v") == "0"
        assert "No cohorts yet." in text_of(page, "[data-testid=cohorts]")
        assert "No scored videos with KPIs yet." in text_of(page, "[data-testid=creative]")
        assert not page.is_visible("[data-testid=demo-banner]")


def test_an_empty_table_says_so_in_the_table(browser: Any, dash: Dash) -> None:
    with opened(browser, dash.main.path) as page:
        page.fill("[data-testid=f-search]", "no caption says this")
        page.dispatch_event("[data-testid=f-search]", "input")
        assert shown_ids(page) == []
        assert page.inner_text("#videos tbody").strip() != ""


def test_a_failed_analysis_shows_its_error_in_the_status_tooltip_and_the_detail_view(browser: Any, dash: Dash) -> None:
    with opened(browser, dash.main.path) as page:
        page.select_option("[data-testid=f-status]", "error")
        assert shown_ids(page) == [BROKEN]
        status = page.locator(f"tr[data-id='{BROKEN}'] [data-col=status]")
        assert status.inner_text() == "error" and status.get_attribute("title") == ERROR_TEXT
        assert page.get_attribute(f"tr[data-id='{BROKEN}'] [data-col=overall]", "data-value") == ""
        page.click(f"tr[data-id='{BROKEN}']")
        for tab in ("overview", "fixes"):
            open_tab(page, BROKEN, tab)
            assert text_of(page, "[data-testid=tab-body]") == f"Analysis failed: {ERROR_TEXT}"
        open_tab(page, BROKEN, "artifacts")
        assert json.loads(text_of(page, "[data-testid=raw-json]"))["analysis"]["error"] == ERROR_TEXT


def figures(page: Any) -> dict[str, str]:
    """Each keyframe figure of the open tab: "img" when its image is embedded, else the text it shows."""
    return dict(page.eval_on_selector_all(
        "[data-testid=tab-body] figure",
        "fs => fs.map(f => [f.dataset.frame, f.querySelector('img') ? 'img' : f.querySelector('.noimg').textContent])"))


def test_keyframes_are_embedded_within_the_image_budget(browser: Any, dash: Dash) -> None:
    assert dash.main.keyframe_videos_cut == 0
    with opened(browser, dash.main.path) as page:
        open_tab(page, POSTED, "artifacts")
        frames = figures(page)
        assert len(frames) == 10 and set(frames.values()) == {"img"}
        assert page.get_attribute(f"tr[data-id='{POSTED}'] img.thumb", "src").startswith("data:image/jpeg;base64,")


def test_a_tiny_image_budget_cuts_keyframes_and_says_not_embedded(browser: Any, dash: Dash) -> None:
    build = dash.build("tiny", image_budget_bytes=1)
    assert build.keyframe_videos_cut == len(KEYFRAMED)
    assert build.images == len(KEYFRAMED)  # the small cached thumbnails always fit

    with opened(browser, build.path) as page:
        # Thumbnails still show in the table.
        assert page.get_attribute(f"tr[data-id='{POSTED}'] img.thumb", "src").startswith("data:image/jpeg;base64,")
        for vid in KEYFRAMED:
            open_tab(page, vid, "artifacts")
            frames = figures(page)
            assert len(frames) == 10
            assert all("not embedded" in shown for shown in frames.values()), frames
            page.click("[data-testid=detail-close]")
        open_tab(page, POSTED, "hook")
        assert figures(page) and all("not embedded" in shown for shown in figures(page).values())


def test_a_keyframe_deleted_by_retention_shows_not_embedded_and_the_build_succeeds(browser: Any, dash: Dash) -> None:
    pruned = dash.root / "media-pruned"
    shutil.copytree(dash.media_root, pruned)
    (pruned / f"videos/{POSTED}/keyframes/t1.jpg").unlink()

    build = dash.build("pruned", media_root=pruned, cache="pruned-cache")  # no earlier copy of the frame
    # A warm image cache keeps the small copy it made before the file went: the original is not read.
    dash.build("pruned-warm-seed", cache="pruned-warm-cache")
    warm = dash.build("pruned-warm", media_root=pruned, cache="pruned-warm-cache")

    assert build.keyframe_videos_cut == 0 and build.cache_stats["unreadable"] == 1
    assert warm.cache_stats["unreadable"] == 0 and warm.cache_stats["encoded"] == 0
    with opened(browser, build.path) as page:
        open_tab(page, POSTED, "artifacts")
        frames = figures(page)
        assert "not embedded" in frames.pop("t1")
        assert set(frames.values()) == {"img"} and len(frames) == 9


def test_media_past_retention_leaves_the_dashboard_and_its_image_cache(browser: Any, dash: Dash) -> None:
    import sqlalchemy as sa

    from tiktok_pipelines.lib.warehouse.schema import media_assets

    warm = dash.build("retention-before", cache="retention-cache")
    assert warm.cache_stats["encoded"] > 0
    with dash.wh.begin() as conn:
        conn.execute(sa.update(media_assets).where(media_assets.c.video_id == POSTED).values(status="pruned"))
    try:
        # The cache is warm, but a pruned video's keyframes are neither embedded nor kept in the cache.
        after = dash.build("retention-after", cache="retention-cache")
        assert after.cache_stats["pruned"] >= 10 and after.cache_stats["encoded"] == 0
        with opened(browser, after.path) as page:
            open_tab(page, POSTED, "artifacts")
            assert figures(page) and all("not embedded" in shown for shown in figures(page).values())
    finally:
        with dash.wh.begin() as conn:
            conn.execute(sa.update(media_assets).where(media_assets.c.video_id == POSTED).values(status="stored"))


# --- regeneration ----------------------------------------------------------------------------------


def test_regenerating_gives_the_same_bytes_and_re_encodes_nothing(dash: Dash) -> None:
    first = dash.build("again-1", cache="fresh-cache")
    second = dash.build("again-2", cache="fresh-cache")
    later_at = NOW + timedelta(days=1, minutes=7, seconds=13)
    later = dash.build("again-3", cache="fresh-cache", now=later_at)

    assert first.cache_stats["encoded"] == len(KEYFRAMED) * (10 + 1)  # every keyframe and thumbnail once
    assert second.cache_stats["encoded"] == 0 and second.cache_stats["hits"] >= first.cache_stats["encoded"]
    assert first.path.read_bytes() == second.path.read_bytes()
    # Only the generation time differs.
    def stamp(t: datetime) -> str:
        return t.isoformat().replace("+00:00", "Z")

    later_html = later.path.read_text(encoding="utf-8")
    assert later_html.count(stamp(later_at)) == 1
    assert later_html.replace(stamp(later_at), stamp(NOW)) == first.path.read_text(encoding="utf-8")
    assert first.path.read_bytes() == dash.main.path.read_bytes()  # and a different cache folder changes nothing


# --- paging and sorting ------------------------------------------------------------------------------


def page_values(page: Any, col: str) -> list[str]:
    return page.eval_on_selector_all(f"#videos tbody td[data-col='{col}']", "cells => cells.map(c => c.dataset.value)")


def test_more_than_fifty_videos_are_paged_with_prev_and_next(browser: Any, dash: Dash) -> None:
    everything = {POSTED, DRAFT, BROKEN, *PLAIN}
    with opened(browser, dash.main.path) as page:
        assert text_of(page, "[data-testid=count]") == f"Showing {len(everything)} of {len(everything)} videos"
        assert text_of(page, "[data-testid=page]") == "page 1 of 2"
        assert page.is_disabled("[data-testid=prev]") and page.is_enabled("[data-testid=next]")
        first = shown_ids(page)
        assert len(first) == 50
        page.click("[data-testid=next]")
        assert text_of(page, "[data-testid=page]") == "page 2 of 2"
        assert page.is_enabled("[data-testid=prev]") and page.is_disabled("[data-testid=next]")
        second = shown_ids(page)
        assert len(second) == len(everything) - 50
        assert set(first) | set(second) == everything and not set(first) & set(second)
        # Newest first across pages.
        posted = page_values(page, "posted")
        page.click("[data-testid=prev]")
        assert text_of(page, "[data-testid=page]") == "page 1 of 2" and shown_ids(page) == first
        assert second[-1] == DRAFT  # no posting date: missing values sort last
        dates = [d for d in page_values(page, "posted") + posted if d]
        assert dates == sorted(dates, reverse=True)
        # A filter starts again on page 1.
        page.click("[data-testid=next]")
        page.select_option("[data-testid=f-status]", "done")
        assert text_of(page, "[data-testid=page]") == "page 1 of 1" and sorted(shown_ids(page)) == sorted(KEYFRAMED)


@pytest.mark.parametrize("column", ["views", "v24"])
def test_sorting_orders_rows_across_pages_with_missing_values_last(browser: Any, dash: Dash, column: str) -> None:
    with opened(browser, dash.main.path) as page:
        page.click("[data-testid=next]")
        header = page.locator(f"th[data-sort='{column}']")
        header.click()
        for direction in ("descending", "ascending"):
            assert header.get_attribute("aria-sort") == direction
            assert text_of(page, "[data-testid=page]") == "page 1 of 2"  # a new sort starts on page 1
            values = page_values(page, column)
            page.click("[data-testid=next]")
            values += page_values(page, column)
            present = [float(v) for v in values if v != ""]
            assert len(values) == 3 + len(PLAIN)
            assert values[len(present):] == [""] * (len(values) - len(present))  # missing values last, both ways
            assert present == sorted(present, reverse=direction == "descending")
            assert len(present) == 2 + len(PLAIN) - len(NO_KPIS)  # every KPI row, on one of the two pages
            header.click()
