"""The ASR worker process: a job started by the audio stage gives exactly the transcript the transcript
stage would have made itself, and anything that does not match (another file, a replaced file, no job)
falls back to transcribing in-process instead of returning someone else's words."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tiktok_pipelines.lib.extraction import asr_worker
from tiktok_pipelines.lib.extraction.artifacts import Span
from tiktok_pipelines.lib.extraction.asr import AsrConfig, transcribe

CONFIG = AsrConfig()


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("asr_worker")
    raw, wav = folder / "raw.wav", folder / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(raw), "three tips for stronger hair because peptides help"], check=True,
                   timeout=60)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(raw), "-ar", "16000", "-ac", "1", str(wav)], check=True,
                   timeout=60)
    return wav


def _speech() -> tuple[Span, ...]:
    return (Span(start=0.0, end=3.5),)


def test_the_worker_returns_the_same_transcript_as_transcribing_in_process(spoken_wav: Path) -> None:
    assert asr_worker.start("video-1", spoken_wav, config=CONFIG, speech=_speech(), analysed_seconds=4.0)
    background = asr_worker.collect("video-1", spoken_wav, config=CONFIG, speech=_speech(), analysed_seconds=4.0)
    inline = transcribe(spoken_wav, config=CONFIG, speech=_speech(), analysed_seconds=4.0)
    assert background is not None and background.words
    assert background == inline


def test_no_job_or_another_video_means_transcribe_here(spoken_wav: Path) -> None:
    assert asr_worker.collect("never-started", spoken_wav, config=CONFIG, speech=_speech(), analysed_seconds=4.0) is None
    assert asr_worker.start("video-2", spoken_wav, config=CONFIG, speech=_speech(), analysed_seconds=4.0)
    assert asr_worker.collect("video-3", spoken_wav, config=CONFIG, speech=_speech(), analysed_seconds=4.0) is None


def test_a_replaced_file_is_not_answered_with_the_old_words(spoken_wav: Path, tmp_path: Path) -> None:
    wav = tmp_path / "speech.wav"
    wav.write_bytes(spoken_wav.read_bytes())
    assert asr_worker.start("video-4", wav, config=CONFIG, speech=_speech(), analysed_seconds=4.0)
    stat = wav.stat()
    os.utime(wav, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert asr_worker.collect("video-4", wav, config=CONFIG, speech=_speech(), analysed_seconds=4.0) is None
