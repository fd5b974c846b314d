"""The two tesseract engines on crops OpenCV draws: libtesseract in this process keeps its model loaded and
honours a recognition deadline, the command is the fallback, and the choice is a setting that names what is
wrong with a bad value."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tiktok_pipelines.lib import settings
from tiktok_pipelines.lib.extraction import tesseract
from tiktok_pipelines.lib.extraction.tesseract import (
    TesseractCommand,
    TesseractLibrary,
    TesseractUnavailable,
    tesseract_engine,
)


def _crop(lines: list[str], width: int = 900) -> np.ndarray:
    import cv2

    ink = np.full((40 + 40 * len(lines), width), 255, np.uint8)
    for i, text in enumerate(lines):
        cv2.putText(ink, text, (10, 50 + 40 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    return ink


def _words(tsv: str) -> list[str]:
    return [row.split("\t")[11] for row in tsv.splitlines() if row.startswith("5\t") and row.split("\t")[11].strip()]


@pytest.fixture(scope="module")
def library() -> TesseractLibrary:
    return TesseractLibrary.load()


def test_the_library_reads_a_crop_word_for_word_like_the_command(library: TesseractLibrary) -> None:
    crop = _crop(["SHOP THE LINK IN BIO", "50% OFF TODAY"])

    from_library = library.read(crop, 5.0)
    from_command = TesseractCommand().read(crop, 5.0)

    assert _words(from_library.tsv) == ["SHOP", "THE", "LINK", "IN", "BIO", "50%", "OFF", "TODAY"]
    assert from_library == from_command  # the same TSV rows: boxes and confidences too
    assert not from_library.tsv.startswith("level")  # no header from either


def test_the_model_loads_once_per_worker_not_once_per_crop(library: TesseractLibrary) -> None:
    from concurrent.futures import ThreadPoolExecutor

    crop = _crop(["DAY 21 OF MY ROUTINE"])
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: library.read(crop, 5.0), range(12)))
    loads = library.model_loads
    with ThreadPoolExecutor(2) as pool:  # a later video's threads take over the loaded handles
        readings = list(pool.map(lambda _: library.read(crop, 5.0), range(12)))

    assert 1 <= loads <= 2 and library.model_loads == loads
    assert all(_words(r.tsv) == ["DAY", "21", "OF", "MY", "ROUTINE"] for r in readings)


def test_the_deadline_stops_a_long_recognition_and_keeps_what_was_read(library: TesseractLibrary) -> None:
    page = _crop([f"THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG {i}" for i in range(40)], width=1200)
    started = time.perf_counter()
    full = library.read(page, 30.0)
    full_s = time.perf_counter() - started

    started = time.perf_counter()
    cut = library.read(page, full_s / 3)
    cut_s = time.perf_counter() - started

    assert not full.timed_out and len(_words(full.tsv)) >= 300
    assert cut.timed_out
    assert cut_s < full_s
    kept = _words(cut.tsv)
    assert len(kept) < len(_words(full.tsv)) and kept == _words(full.tsv)[: len(kept)]  # nothing invented


def test_no_time_left_reads_nothing(library: TesseractLibrary) -> None:
    assert library.read(_crop(["HELLO"]), 0.0) == tesseract.TesseractRead("", timed_out=True)


def test_the_command_is_killed_at_its_timeout() -> None:
    page = _crop([f"THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG {i}" for i in range(40)], width=1200)
    started = time.perf_counter()
    reading = TesseractCommand().read(page, 0.05)

    assert reading.timed_out and reading.tsv == ""
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("bad", [np.zeros((10, 10, 3), np.uint8), np.zeros((10, 10), np.float32)])
def test_a_crop_that_is_not_8_bit_grey_is_refused(library: TesseractLibrary, bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="2-D uint8"):
        library.read(bad, 1.0)


def test_without_the_library_auto_falls_back_to_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tesseract, "_LIBRARY_NAMES", ("libtesseract-missing.so.9",))
    monkeypatch.setattr(tesseract.ctypes.util, "find_library", lambda name: None)
    tesseract._engine.cache_clear()
    try:
        with pytest.raises(TesseractUnavailable, match="libtesseract could not be loaded"):
            tesseract_engine("library")
        assert isinstance(tesseract_engine("auto"), TesseractCommand)
    finally:
        tesseract._engine.cache_clear()  # the next test loads the real engine again


def test_the_engine_is_chosen_by_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.load_media_settings().ocr_engine == "auto"
    monkeypatch.setenv("TIKTOK_OCR_ENGINE", " Command ")
    assert settings.load_media_settings().ocr_engine == "command"
    assert isinstance(tesseract_engine("command"), TesseractCommand)
    monkeypatch.setenv("TIKTOK_OCR_ENGINE", "easyocr")
    with pytest.raises(settings.ConfigError, match="TIKTOK_OCR_ENGINE must be one of auto, library, command"):
        settings.load_media_settings()
    with pytest.raises(ValueError, match="'easyocr'"):
        tesseract_engine("easyocr")


def test_openmp_is_serial_while_a_crop_is_read_and_as_it_was_after(library: TesseractLibrary) -> None:
    import ctypes
    import os
    from concurrent.futures import ThreadPoolExecutor

    gomp = ctypes.CDLL("libgomp.so.1", mode=os.RTLD_NOLOAD | os.RTLD_LAZY)  # the one libtesseract runs on
    before = gomp.omp_get_max_active_levels()
    recognize = library._lib.TessBaseAPIRecognize
    levels_while_reading = []

    def watched(handle: int, monitor: int) -> int:
        levels_while_reading.append(gomp.omp_get_max_active_levels())
        time.sleep(0.02)  # so that the two workers' reads overlap
        return recognize(handle, monitor)

    def read_then_look(_: int) -> int:
        assert _words(library.read(_crop(["HELLO WORLD"]), 5.0).tsv) == ["HELLO", "WORLD"]
        return gomp.omp_get_max_active_levels()  # this worker's own setting once its read is over

    library._lib.TessBaseAPIRecognize = watched
    try:
        # The same two long-lived workers read several crops each, overlapping: whichever way this libgomp
        # keeps the setting (per thread or per process), each worker is back to where it started.
        with ThreadPoolExecutor(2) as pool:
            after_each = list(pool.map(read_then_look, range(8)))
            after_all = list(pool.map(lambda _: gomp.omp_get_max_active_levels(), range(4)))
    finally:
        library._lib.TessBaseAPIRecognize = recognize

    assert levels_while_reading == [0] * 8
    assert after_each.count(before) >= 1 and set(after_each) <= {0, before}
    assert after_all == [before] * 4
    assert gomp.omp_get_max_active_levels() == before > 0
    with ThreadPoolExecutor(1) as pool:  # a thread started later gets the process's default, not 0
        assert pool.submit(gomp.omp_get_max_active_levels).result() == before


def test_the_default_and_auto_are_one_engine() -> None:
    assert tesseract_engine() is tesseract_engine("auto")
