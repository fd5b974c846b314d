"""`make demo`'s engine: the account job and a 48-hour cohort over simulated days on the demo world."""

from __future__ import annotations

import csv
import json

import pytest

from tiktok_pipelines.demo.runner import print_report, run_demo
from tiktok_pipelines.lib.account.exports import CSV_COLUMNS
from tiktok_pipelines.lib.settings import ConfigError, load_settings
from tiktok_pipelines.lib.warehouse import Warehouse


def test_demo_runs_end_to_end_and_is_labelled_demo(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    report = run_demo(steps_h=(-48, -24, 0), media_videos=2)
    assert len(report.runs) > 3  # three account refreshes plus the cohort runs
    doc = json.loads(report.json_path.read_text())
    assert doc["is_demo"] is True and "DEMO" in doc["data_label"]
    assert "DEMO" in doc["account"]["display_name"]
    assert doc["summary"]["video_count"] == report.videos >= 30
    with open(report.csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == CSV_COLUMNS and len(rows) == report.videos
    assert all(r["velocity_24h"] != "" for r in rows)  # 48 h of simulated history gives every velocity

    # A full 48-hour public cohort ran on simulated time and wrote its time series.
    public = [c for c in report.cohorts if c.kind == "public"]
    assert len(public) == 1 and public[0].status == "complete"
    assert set(public[0].tasks) == {"h0", "h1", "h6", "h24", "h48", "creators", "comments"}
    assert all(v.startswith("done/") for v in public[0].tasks.values())
    with open(public[0].csv_path, newline="") as fh:
        cohort_rows = list(csv.DictReader(fh))
    assert len(cohort_rows) == 5 * public[0].members
    own = [c for c in report.cohorts if c.kind == "own"]
    assert own and own[0].tasks["h0"].startswith("done/")  # the account's newest upload, tracked from its upload

    # Media: two posted videos and two drafts dropped in the drop folder, every stage extracted.
    assert report.media is not None and report.media.videos == 4 and report.media.drafts == 2
    assert not report.media.failed
    assert all(counts == {"ok": 4} for counts in report.media.stages.values()), report.media.stages

    first = Warehouse(report.warehouse_url).dump()
    run_demo(steps_h=(-48, -24, 0), media_videos=2)  # running the demo again changes nothing
    assert Warehouse(report.warehouse_url).dump() == first

    # The reporting job ran last: a self-contained dashboard with the account, its cohorts and its scored videos.
    assert report.reporting is not None and report.reporting.dashboard.is_file()
    page = report.reporting.dashboard.read_text()
    assert "Bloom Peptide Hair (DEMO)" in page and "public-" in page and '"band":"' in page

    print_report(report)
    out = capsys.readouterr().out
    assert "DEMO" in out and str(report.csv_path) in out and str(public[0].csv_path) in out
    assert "media: 4 videos (2 drafts)" in out and "caption_analysis  4 ok" in out
    assert out.rstrip().splitlines()[-1].startswith("  dashboard : ") and str(report.reporting.dashboard) in out


def test_bad_configuration_names_the_variable(monkeypatch):
    monkeypatch.setenv("TIKTOK_SOURCE", "production")
    with pytest.raises(ConfigError, match="TIKTOK_SOURCE"):
        load_settings()
    monkeypatch.setenv("TIKTOK_SOURCE", "demo")
    monkeypatch.setenv("TIKTOK_DEMO_VIDEOS", "many")
    with pytest.raises(ConfigError, match="TIKTOK_DEMO_VIDEOS"):
        load_settings()
