"""Scoring through the real Dagster definitions on stored extractions: a batch of videos with one broken
one, the LLM critique's fallback and its guarded adjustments, re-scoring without re-extraction, and the
database refusing scores that are not integers in range (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dagster as dg
import pytest
import sqlalchemy as sa

from tiktok_pipelines.demo.world import DEMO_NOW
from tiktok_pipelines.lib.scoring import store
from tiktok_pipelines.lib.scoring.rubric import DEFAULT_WEIGHTS, overall_score
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.schema import video_ai_analysis, video_critiques, video_transcripts
from tiktok_pipelines_tests.openai_server import CHAT_COMPLETIONS, OpenAICompatibleServer, chat_reply, error_reply, replies
from tiktok_pipelines_tests.scoring.videos import silent_text_video, store_inputs, strong_list_video, weak_video


@dataclass
class ScoringWorld:
    defs: dg.Definitions
    instance: dg.DagsterInstance
    warehouse: Warehouse

    def score(self, video_id: str) -> dg.ExecuteInProcessResult:
        job = self.defs.resolve_job_def("video_scoring_job")
        return job.execute_in_process(instance=self.instance, partition_key=video_id, raise_on_error=False)

    def analysis(self, video_id: str) -> dict:
        with self.warehouse.begin() as conn:
            return store.load_analysis(conn, video_id)


@contextmanager
def scoring_world(monkeypatch: pytest.MonkeyPatch, videos, **env: str) -> Iterator[ScoringWorld]:  # noqa: ANN001
    from tiktok_pipelines.definitions import defs
    from tiktok_pipelines.lib.settings import load_settings

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    d = defs()
    wh = Warehouse(load_settings().warehouse_url)
    wh.ensure_schema()
    with wh.begin() as conn:
        for inputs in videos:
            store_inputs(conn, inputs, DEMO_NOW)
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("videos", [v.video_id for v in videos])
        yield ScoringWorld(d, instance, wh)


def test_a_batch_scores_every_video_and_a_broken_one_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    videos = [strong_list_video(), weak_video(), silent_text_video()]
    with scoring_world(monkeypatch, videos) as world:
        world.instance.add_dynamic_partitions("videos", ["no-media"])
        results = {vid: world.score(vid) for vid in ["strong", "no-media", "weak", "silent"]}
        assert not results["no-media"].success
        broken = world.analysis("no-media")
        assert broken["status"] == "error" and "no stored media" in broken["error"]
        for vid in ("strong", "weak", "silent"):
            assert results[vid].success, vid
            row = world.analysis(vid)
            assert row["status"] == "done" and row["llm_status"] == "off"
            assert row["overall"] == overall_score({k: row[k] for k in DEFAULT_WEIGHTS})
            assert all(type(row[c]) is int for c in ("hook", "depth", "clarity", "pacing", "cta", "brand_fit", "overall"))
            assert 3 <= len(row["fixes"]) <= 5
            checks = results[vid].get_asset_check_evaluations()
            assert [(c.check_name, c.passed) for c in checks] == [("scores_integer_and_in_range", True)]
        assert world.analysis("strong")["band"] == "pass"
        assert world.analysis("weak")["band"] == "reshoot"
        assert world.analysis("silent")["silent_friendly"] is True


def test_rescoring_skips_unchanged_videos_and_never_touches_extractions(monkeypatch: pytest.MonkeyPatch) -> None:
    with scoring_world(monkeypatch, [strong_list_video()]) as world:
        job = world.defs.resolve_job_def("video_scoring_job")
        planned = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
        assert planned == {"creative_scores", "creative_critique", "video_ai_analysis"}
        with world.warehouse.begin() as conn:
            before = conn.execute(sa.select(video_transcripts.c.extracted_at)).scalar_one()
        first = world.score("strong")
        second = world.score("strong")
        meta = second.asset_materializations_for_node("creative_scores")[0].metadata
        assert meta["skipped_already_scored"].value is True
        assert first.asset_materializations_for_node("creative_scores")[0].metadata["skipped_already_scored"].value is False
        with world.warehouse.begin() as conn:
            assert conn.execute(sa.select(video_transcripts.c.extracted_at)).scalar_one() == before


def test_changing_the_weights_or_the_brand_makes_the_scores_stale() -> None:
    from tiktok_pipelines.defs.scoring.assets import _scores_version

    default = _scores_version()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOK_SCORING_WEIGHTS", "hook=.5,depth=.1,pacing=.1,clarity=.1,cta=.1,brand_fit=.1")
        assert _scores_version() != default


def _llm_env(server: OpenAICompatibleServer, **more: str) -> dict[str, str]:
    return {"TIKTOK_LLM_ENABLED": "1", "TIKTOK_LLM_BASE_URL": server.base_url, "TIKTOK_LLM_MODEL": "critic-1",
            "TIKTOK_LLM_API_KEY": "sk-test-scoring", "TIKTOK_LLM_TIMEOUT_S": "2", **more}


def test_llm_failure_falls_back_to_the_deterministic_scores_and_records_why(monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAICompatibleServer(api_key="sk-test-scoring") as server:
        server.route("POST", CHAT_COMPLETIONS, replies(error_reply(500)))
        with scoring_world(monkeypatch, [weak_video()], **_llm_env(server)) as world:
            result = world.score("weak")
            assert result.success
            row = world.analysis("weak")
            assert row["status"] == "done" and row["llm_status"] == "failed"
            assert row["overall"] == row["deterministic_overall"] and row["adjustments"] == []
            with world.warehouse.begin() as conn:
                reason = conn.execute(sa.select(video_critiques.c.reason)).scalar_one()
            assert "500" in reason and "sk-test-scoring" not in reason


def test_llm_adjustments_are_clamped_recorded_and_costed(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {"adjustments": [{"score": "hook", "delta": 5, "reason": "the question lands"},
                              {"score": "depth", "delta": -1, "reason": "claims lack a mechanism"}],
              "findings": [{"kind": "improvement", "text": "Say the ingredient list out loud."}]}
    with OpenAICompatibleServer(api_key="sk-test-scoring") as server:
        server.route("POST", CHAT_COMPLETIONS, replies(chat_reply(answer, usage=(1000, 200))))
        env = _llm_env(server, TIKTOK_LLM_PRICE_PROMPT_PER_1M="2.5", TIKTOK_LLM_PRICE_COMPLETION_PER_1M="10")
        with scoring_world(monkeypatch, [weak_video()], **env) as world:
            assert world.score("weak").success
            row = world.analysis("weak")
            with world.warehouse.begin() as conn:
                scores = store.load_scores_row(conn, "weak")["payload"]
            before = {s["name"]: s["value"] for s in scores["core"]}
            assert row["llm_status"] == "ok" and row["llm_model"] == "critic-1"
            assert row["hook"] == min(10, before["hook"] + 2) and row["depth"] == max(0, before["depth"] - 1)
            assert row["overall"] == overall_score({k: row[k] for k in DEFAULT_WEIGHTS})
            assert [a["score"] for a in row["adjustments"]] == ["hook", "depth"]
            assert row["adjustments"][0]["reason"] == "the question lands"
            assert row["llm_prompt_tokens"] == 1000 and row["llm_completion_tokens"] == 200
            assert row["llm_cost_usd"] == pytest.approx(1000 * 2.5 / 1e6 + 200 * 10 / 1e6)
            sent = json.dumps(server.requests[0].json)
            assert "sk-test-scoring" not in sent and server.requests[0].json["model"] == "critic-1"


@pytest.mark.parametrize("warehouse_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_the_database_refuses_scores_that_are_not_integers_in_range(warehouse_url: str) -> None:
    wh = Warehouse(warehouse_url)
    wh.ensure_schema()
    base = {"video_id": "v", "status": "done", "overall": 70, "band": "revise", "updated_at": DEMO_NOW}
    with wh.begin() as conn:
        conn.execute(video_ai_analysis.insert().values(**base, hook=7))
    for bad in ({"hook": 11}, {"hook": -1}, {"overall": 101}, {"band": "great"}, {"status": "finished"}):
        with pytest.raises(sa.exc.IntegrityError), wh.begin() as conn:
            conn.execute(video_ai_analysis.insert().values(**(base | {"video_id": "w"} | bad)))
    if wh.engine.dialect.name == "sqlite":  # PostgreSQL's integer column rounds 7.5 itself; SQLite would keep it
        with pytest.raises(sa.exc.IntegrityError), wh.begin() as conn:
            conn.execute(video_ai_analysis.insert().values(**(base | {"video_id": "x", "hook": 7.5})))
    else:
        indexes = {ix["name"] for ix in sa.inspect(wh.engine).get_indexes("video_ai_analysis")}
        assert {"ix_video_ai_analysis_tags_gin", "ix_video_ai_analysis_flags_gin"} <= indexes
    wh.engine.dispose()


def test_the_check_catches_an_overall_that_does_not_follow_from_the_scores() -> None:
    row = {c: 5 for c in (*store.SCORE_COLUMNS, *store.PILLAR_COLUMNS, *store.VISUAL_COLUMNS)} | {
        "overall": 60, "band_uncapped": "revise"}
    assert store.analysis_problems(row | {"overall": 50, "band_uncapped": "reshoot"}, DEFAULT_WEIGHTS) == []
    assert "overall 60 != 50" in store.analysis_problems(row, DEFAULT_WEIGHTS)[0]
    assert "not an integer" in store.analysis_problems(row | {"hook": 7.5}, DEFAULT_WEIGHTS)[0]
