"""The media pipeline end to end: files dropped in a folder become `videos` partitions, the sensor
launches capped runs, every stage stores its result, bad files fail alone with a reason, re-runs change
nothing, retention prunes media and keeps results. Real ffmpeg, tesseract, pocketsphinx, librosa."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from tiktok_pipelines.demo.media import generate_clips
from tiktok_pipelines.lib.warehouse import schema
from tiktok_pipelines_tests.media.world import MUSIC, SPOKEN, media_world

STAGES = ("video_keyframes", "video_scene_cuts", "video_audio_features", "video_transcripts",
          "video_onscreen_text", "video_visual_tags", "video_caption_analysis")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("clips")
    return {c.spec.name: c for c in generate_clips([SPOKEN, MUSIC], out)}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad")


def _rows(wh, table_name: str) -> dict[str, dict]:
    table = getattr(schema, table_name)
    with wh.begin() as conn:
        return {r["video_id"]: dict(r) for r in conn.execute(select(table)).mappings()}


def test_dropped_files_are_extracted_by_every_stage(isolated_env: Path, monkeypatch: pytest.MonkeyPatch, clips: dict) -> None:
    with media_world(isolated_env, monkeypatch) as world:
        world.drop_file(clips["spoken"].path, "7300000000000000001.mp4")
        world.drop_file(clips["music"].path, "summer draft v2.mp4", caption="Draft: 3 tips 👇 #hairgrowth #fyp")
        runs = world.tick()
        assert [r.success for r in runs] == [True, True], [world.failure_messages(r.run_id) for r in runs]
        keys = set(world.instance.get_dynamic_partitions("videos"))
        draft_id = next(k for k in keys if k.startswith("draft-summer-draft-v2-"))
        assert keys == {"7300000000000000001", draft_id}

        wh = world.warehouse()
        for table in STAGES:
            rows = _rows(wh, table)
            assert set(rows) == keys, table
            assert {r["status"] for r in rows.values()} <= {"ok"}, (table, {k: r["note"] for k, r in rows.items()})
        spoken = "7300000000000000001"
        assert _rows(wh, "video_keyframes")[spoken]["keyframe_count"] >= 8
        assert _rows(wh, "video_scene_cuts")[spoken]["cut_count"] == 2
        assert _rows(wh, "video_transcripts")[spoken]["word_count"] > 0
        assert "SERUM" in _rows(wh, "video_onscreen_text")[spoken]["text"].upper()
        assert _rows(wh, "video_audio_features")[draft_id]["speech_ratio"] < 0.15
        draft_caption = _rows(wh, "video_caption_analysis")[draft_id]
        assert draft_caption["hashtag_count"] == 2
        source = _rows(wh, "media_sources")[draft_id]
        assert source["is_draft"] and source["caption"].startswith("Draft: 3 tips")

        # The UI gets the hook strip, the cut timeline and a transcript preview.
        materialization = world.instance.get_latest_materialization_event(dg.AssetKey("keyframes"))
        assert materialization is not None
        events = world.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("keyframes"), asset_partitions=[spoken]), limit=1).records
        meta = events[0].asset_materialization.metadata
        assert "data:image/jpeg;base64," in meta["hook_strip"].value
        cuts = world.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("scene_cuts"), asset_partitions=[spoken]), limit=1).records
        assert "data:image/svg+xml;base64," in cuts[0].asset_materialization.metadata["timeline"].value
        said = world.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("transcript"), asset_partitions=[spoken]), limit=1).records
        assert "s`" in said[0].asset_materialization.metadata["preview"].value

        # Keyframes and the hook strip are in the media store; never a frame dump.
        stored = sorted(p.name for p in (isolated_env / "media" / "videos" / spoken).rglob("*.jpg"))
        assert "hook_strip.jpg" in stored and "thumbnail.jpg" in stored and "t0.jpg" in stored
        assert len(stored) <= 12

        # Nothing new, nothing launched; and re-running a partition skips work already done.
        assert world.tick() == []
        before = {t: _rows(wh, t) for t in ("media_assets", *STAGES)}
        job = world.defs.resolve_job_def("video_extraction_job")
        again = job.execute_in_process(instance=world.instance, partition_key=spoken)
        assert again.success
        assert {t: _rows(wh, t) for t in ("media_assets", *STAGES)} == before
        skipped = {e.asset_key.to_user_string(): [v.value for k, v in e.materialization.metadata.items() if k.startswith("skipped_")]
                   for e in again.get_asset_materialization_events()}
        assert skipped.pop("video_ai_analysis") == []  # the dashboard row is rewritten from the stored results
        assert all(flags == [True] for flags in skipped.values()), skipped

        # The same run scored both videos: the dashboard row is done, with integer scores.
        analysis = _rows(wh, "video_ai_analysis")
        assert {vid: row["status"] for vid, row in analysis.items()} == {spoken: "done", draft_id: "done"}
        assert all(isinstance(analysis[v]["overall"], int) and analysis[v]["band"] for v in analysis)


def test_sensor_caps_runs_per_tick_and_relaunches_replaced_files(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, clips: dict
) -> None:
    with media_world(isolated_env, monkeypatch, TIKTOK_MEDIA_RUNS_PER_TICK="2") as world:
        for i in range(3):
            world.drop_file(clips["music"].path, f"clip-{i}.mp4")
        sensor = world.defs.resolve_sensor_def("media_intake_sensor")

        def evaluate() -> dg.SensorResult | dg.SkipReason:
            with dg.build_sensor_context(instance=world.instance, resources=world.defs.get_repository_def()
                                         .get_top_level_resources()) as ctx:
                result = sensor(ctx)
            if isinstance(result, dg.SensorResult):
                for request in result.dynamic_partitions_requests or []:
                    world.instance.add_dynamic_partitions("videos", list(request.partition_keys))
            return result

        first = evaluate()
        assert len(first.run_requests) == 2  # the first tick is capped too
        second = evaluate()
        assert len(second.run_requests) == 1
        assert isinstance(evaluate(), dg.SkipReason)
        assert len(world.instance.get_dynamic_partitions("videos")) == 3

        replaced = world.drop / "clip-1.mp4"
        replaced.write_bytes(replaced.read_bytes() + b"\0")
        os.utime(replaced, (time.time() - 60, time.time() - 60))
        again = evaluate()
        assert [r.partition_key for r in again.run_requests] == [first.run_requests[1].partition_key]
        assert again.run_requests[0].run_key != first.run_requests[1].run_key


def test_each_bad_file_fails_alone_with_a_reason(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, clips: dict, bad_files: Path
) -> None:
    kinds = ("zero_bytes", "truncated", "audio_only", "video_only", "text_as_mp4", "corrupt_header", "uhd_4k",
             "ten_minutes", "silent_audio")
    from tiktok_pipelines_tests.media.bad_media import make_bad_media

    with media_world(isolated_env, monkeypatch, TIKTOK_MEDIA_RUNS_PER_TICK="20", TIKTOK_MEDIA_MAX_SECONDS="60") as world:
        for kind in kinds:
            world.drop_file(make_bad_media(kind, bad_files), f"{kind}.mp4")
        world.drop_file(clips["music"].path, "good.mp4")
        runs = {r.partition_key.split("-")[1]: r for r in world.tick()}
        assert runs["good"].success
        wh = world.warehouse()
        media = {k.split("-")[1]: v for k, v in _rows(wh, "media_assets").items()}
        stages = {t: {k.split("-")[1]: v for k, v in _rows(wh, t).items()} for t in STAGES}

        refused = {"zero_bytes": "empty (0 bytes)", "text_as_mp4": "not a readable media file",
                   "corrupt_header": "not a readable media file", "audio_only": "audio-only"}
        for kind, reason in refused.items():
            key = kind.split("_")[0]  # draft ids start with the file name's first word
            row, run = media[key], runs[key]
            assert row["status"] == "error" and reason in row["error"], (kind, row)
            assert row["storage_key"] is None
            assert not run.success
            assert any(reason in m for m in world.failure_messages(run.run_id)), kind
            assert all(key not in rows for rows in stages.values()), f"{kind} left extraction rows"

        # A truncated upload is either refused (its index is gone) or analysed as far as it goes, saying so.
        truncated = media["truncated"]
        if truncated["status"] == "error":
            assert "truncated" in truncated["error"] or "not a readable" in truncated["error"]
        else:
            assert stages["video_keyframes"]["truncated"]["status"] == "partial"
            assert "ends early" in stages["video_keyframes"]["truncated"]["note"]

        assert media["video"]["has_audio"] is False  # video_only
        assert stages["video_audio_features"]["video"]["has_audio"] is False
        assert "no audio stream" in stages["video_transcripts"]["video"]["note"]
        assert stages["video_audio_features"]["silent"]["music_present"] is False
        assert stages["video_transcripts"]["silent"]["word_count"] == 0

        uhd = stages["video_keyframes"]["uhd"]["payload"]["keyframes"]
        assert max(k["height"] for k in uhd) <= 1920 and max(k["width"] for k in uhd) <= 1080

        ten = stages["video_keyframes"]["ten"]
        assert ten["status"] == "partial" and "first 60 s of 600 s" in ten["note"]
        assert stages["video_scene_cuts"]["ten"]["analysed_s"] <= 60.5

        # No half-written files anywhere in the media store.
        leftovers = [p for p in (isolated_env / "media").rglob("*") if p.is_file() and (p.name.startswith(".") or p.suffix == ".part")]
        assert leftovers == []


def test_retention_prunes_old_media_and_keeps_results(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, clips: dict
) -> None:
    from datetime import timedelta

    from tiktok_pipelines.demo.world import DEMO_NOW
    from tiktok_pipelines.lib.clock import FileClock
    from tiktok_pipelines.lib.settings import load_settings

    with media_world(isolated_env, monkeypatch, TIKTOK_MEDIA_RETENTION_DAYS="90") as world:
        clock = FileClock(load_settings().demo_clock_file, default_start=DEMO_NOW)
        world.drop_file(clips["music"].path, "7300000000000000009.mp4")
        assert all(r.success for r in world.tick())
        job = world.defs.resolve_job_def("media_retention_job")
        assert job.execute_in_process(instance=world.instance).success
        assert world.instance.get_dynamic_partitions("videos") == ["7300000000000000009"]  # not old yet

        clock.set(DEMO_NOW + timedelta(days=91))
        assert job.execute_in_process(instance=world.instance).success
        wh = world.warehouse()
        row = _rows(wh, "media_assets")["7300000000000000009"]
        assert row["status"] == "pruned" and row["pruned_at"] is not None
        assert not (isolated_env / "media" / "videos" / "7300000000000000009").exists()
        assert world.instance.get_dynamic_partitions("videos") == []
        assert all("7300000000000000009" in _rows(wh, t) for t in STAGES)  # results are kept
        assert world.tick() == []  # the file still in the drop folder is not re-ingested


def test_changing_the_asr_backend_makes_transcripts_stale() -> None:
    """The code version is fixed when a code server loads the definitions, so each backend is loaded
    in its own process, as a redeploy would."""
    import subprocess
    import sys

    code = ("import dagster as dg; from tiktok_pipelines.definitions import defs; "
            "print(defs().resolve_assets_def('transcript').code_versions_by_key[dg.AssetKey('transcript')])")

    def version(backend: str) -> str:
        env = {**os.environ, "TIKTOK_ASR_BACKEND": backend}
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()

    assert version("pocketsphinx").endswith(":pocketsphinx")
    assert version("openai").endswith(":openai")


def test_s3_media_store_s3_drop_prefix_and_a_queued_url(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, clips: dict, tmp_path: Path
) -> None:
    """Production shape: media kept in S3 (moto's server stands in), files arriving in an S3 prefix,
    and a direct https URL queued from the CLI (a local TLS server with its own CA)."""
    from tiktok_pipelines.cli import main
    from tiktok_pipelines_tests.media.servers import (
        FileServer,
        moto_s3_endpoint,
        s3_client,
        self_signed_cert,
        serve_bytes,
    )

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    cert, key = self_signed_cert(tmp_path / "tls")
    with moto_s3_endpoint() as endpoint, FileServer(tls=(cert, key)) as site:
        s3 = s3_client(endpoint)
        s3.create_bucket(Bucket="creator-media")
        s3.upload_file(str(clips["music"].path), "creator-media", "incoming/7300000000000000042.mp4")
        site.routes["/clips/summer.mp4"] = serve_bytes(clips["spoken"].path.read_bytes(), "video/mp4")
        env = {"TIKTOK_MEDIA_STORE": "s3://creator-media/store", "TIKTOK_DROP_S3": "s3://creator-media/incoming",
               "TIKTOK_S3_ENDPOINT_URL": endpoint, "TIKTOK_MEDIA_ALLOW_PRIVATE_URLS": "1",
               "TIKTOK_MEDIA_CA_BUNDLE": str(cert)}
        with media_world(isolated_env, monkeypatch, **env) as world:
            assert main(["media", "add-url", site.url("/clips/summer.mp4?sig=SECRET123"), "--caption", "Summer #hair"]) == 0
            runs = world.tick()
            assert len(runs) == 2 and all(r.success for r in runs), [world.failure_messages(r.run_id) for r in runs]
            wh = world.warehouse()
            media = _rows(wh, "media_assets")
            assert {r["storage_uri"].split("/videos/")[0] for r in media.values()} == {"s3://creator-media/store"}
            stored = [o["Key"] for o in s3.list_objects_v2(Bucket="creator-media", Prefix="store/")["Contents"]]
            assert "store/videos/7300000000000000042/keyframes/t0.jpg" in stored
            url_id = next(k for k in media if k.startswith("url-"))
            assert _rows(wh, "video_onscreen_text")[url_id]["line_count"] > 0  # keyframes read back from S3
            assert "SECRET123" not in str(_rows(wh, "media_sources")[url_id]["name"])
            assert not (isolated_env / "media").exists()  # nothing kept locally
