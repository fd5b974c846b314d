"""Speech recognition beside the vision stages, in one long-lived worker process.

pocketsphinx holds the GIL while it decodes, so a thread gives no overlap; a second process does. The
audio stage starts the transcription as soon as it knows where the speech is; the transcript stage
collects it later, after the decode pass, OCR and image statistics have used the other core. On two
cores that takes the ASR (the longest stage on speech-heavy videos) off the critical path.

The worker is started once per process and keeps its model loaded (models load once per process, not
once per video). Anything that goes wrong on the way (no worker, a crashed worker, a job for another
file) makes `collect` return None and the caller transcribes in-process: the overlap is an
optimisation, never a different result.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tiktok_pipelines.lib.extraction.artifacts import Span, Transcript
from tiktok_pipelines.lib.extraction.asr import AsrConfig, load_backend, transcribe


@dataclass(frozen=True)
class AsrJob:
    wav: Path
    config: AsrConfig
    speech: tuple[Span, ...]
    analysed_seconds: float
    wav_mtime_ns: int  # a replaced wav is a different job


_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_jobs: dict[str, tuple[AsrJob, Future[Transcript]]] = {}


def _warm(config: AsrConfig) -> None:
    try:
        load_backend(config)
    except Exception:  # noqa: BLE001 - an unavailable backend is reported by transcribe() itself
        pass


def _run(job: AsrJob) -> Transcript:
    return transcribe(job.wav, config=job.config, speech=job.speech, analysed_seconds=job.analysed_seconds)


def _worker_pool(config: AsrConfig) -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # spawn, not fork: the parent is a Dagster run process with threads of its own.
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        _pool.submit(_warm, config)
        atexit.register(shutdown)
    return _pool


def start(key: str, wav: Path, *, config: AsrConfig, speech: Sequence[Span], analysed_seconds: float) -> bool:
    """Begin transcribing `wav` in the worker; `key` names the video. False when it could not start."""
    wav = Path(wav)
    try:
        job = AsrJob(wav, config, tuple(speech), analysed_seconds, wav.stat().st_mtime_ns)
        with _lock:
            stale = _jobs.pop(key, None)
            if stale is not None:
                stale[1].cancel()
            _jobs[key] = (job, _worker_pool(config).submit(_run, job))
        return True
    except Exception:  # noqa: BLE001 - no worker (e.g. process limits): the transcript stage runs ASR itself
        return False


def collect(key: str, wav: Path, *, config: AsrConfig, speech: Sequence[Span], analysed_seconds: float,
            timeout_s: float | None = None) -> Transcript | None:
    """The worker's transcript for exactly this job, or None (not started, another job, failed)."""
    with _lock:
        held = _jobs.pop(key, None)
    if held is None:
        return None
    job, future = held
    try:
        wanted = AsrJob(Path(wav), config, tuple(speech), analysed_seconds, Path(wav).stat().st_mtime_ns)
    except OSError:
        future.cancel()
        return None
    if job != wanted:
        future.cancel()
        return None
    try:
        return future.result(timeout=timeout_s if timeout_s is not None else config.timeout_s * 2 + 60)
    except Exception:  # noqa: BLE001 - a crashed or stuck worker: the caller transcribes in-process
        _reset()
        return None


def _reset() -> None:
    global _pool
    with _lock:
        pool, _pool = _pool, None
        _jobs.clear()
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    _reset()
