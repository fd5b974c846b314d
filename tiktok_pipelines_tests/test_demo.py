"""`make demo`'s engine: the account job over simulated days on the demo world."""

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
    report = run_demo(steps_h=(-48, -24, 0))
    assert len(report.runs) == 3
    doc = json.loads(report.json_path.read_text())
    assert doc["is_demo"] is True and "DEMO" in doc["data_label"]
    assert "DEMO" in doc["account"]["display_name"]
    assert doc["summary"]["video_count"] == report.videos >= 30
    with open(report.csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == CSV_COLUMNS and len(rows) == report.videos
    assert all(r["velocity_24h"] != "" for r in rows)  # 48 h of simulated history gives every velocity

    first = Warehouse(report.warehouse_url).dump()
    run_demo(steps_h=(-48, -24, 0))  # running the demo again changes nothing
    assert Warehouse(report.warehouse_url).dump() == first

    print_report(report)
    out = capsys.readouterr().out
    assert "DEMO" in out and str(report.csv_path) in out


def test_bad_configuration_names_the_variable(monkeypatch):
    monkeypatch.setenv("TIKTOK_SOURCE", "production")
    with pytest.raises(ConfigError, match="TIKTOK_SOURCE"):
        load_settings()
    monkeypatch.setenv("TIKTOK_SOURCE", "demo")
    monkeypatch.setenv("TIKTOK_DEMO_VIDEOS", "many")
    with pytest.raises(ConfigError, match="TIKTOK_DEMO_VIDEOS"):
        load_settings()
