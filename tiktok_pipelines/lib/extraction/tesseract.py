"""Tesseract, loaded once per process: the OCR crops go to libtesseract's C API in this process, and
the `tesseract` command is the fallback when the library cannot be loaded.

Each `tesseract` process start loads the English model again (about 100 ms of CPU per crop, 15 crops on
a typical 15-s video), which was most of the on-screen-text stage. libtesseract5 is the library the
command links against (Debian's tesseract-ocr depends on it), so both engines read identically; the
library one just keeps its models loaded, one TessBaseAPI per worker thread.

Timeouts: the command is killed when its time runs out; the library is given the same budget as a
recognition deadline (TessMonitorSetDeadlineMSecs), after which it stops and keeps the words read so far.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tiktok_pipelines.lib.pools import ObjectPool
from tiktok_pipelines.lib.settings import OCR_ENGINES

LANGUAGE = "eng"
PAGE_SEG_MODE = 6  # one uniform block of text: each crop is one overlay block
_LIBRARY_NAMES = ("libtesseract.so.5", "libtesseract.so")


class TesseractUnavailable(RuntimeError):
    """Neither the library nor the command can read text here."""


@dataclass(frozen=True)
class TesseractRead:
    tsv: str  # tesseract's TSV rows (levels 1-5), without the header line
    timed_out: bool  # the deadline ended recognition; the rows hold what was read until then


class TesseractEngine(Protocol):
    name: str  # what the warehouse row records as the extractor

    def read(self, ink: np.ndarray, timeout_s: float) -> TesseractRead:
        """TSV of one 8-bit grey crop (black text on white)."""
        ...


def _without_header(tsv: str) -> str:
    lines = tsv.splitlines()
    if lines and lines[0].startswith("level\t"):
        lines = lines[1:]
    return "\n".join(lines)


class TesseractCommand:
    """One `tesseract` process per crop, killed at its timeout."""

    name = "tesseract"

    def read(self, ink: np.ndarray, timeout_s: float) -> TesseractRead:
        import cv2

        ok, png = cv2.imencode(".png", ink, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise RuntimeError("could not encode an OCR crop as PNG")
        cmd = ["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", str(PAGE_SEG_MODE), "tsv"]
        # Tesseract's OpenMP threads oversubscribe a 2-core worker (3x slower); crops run side by side instead.
        # Set for the child only: OMP_THREAD_LIMIT in this process would also cap torch's threads.
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(cmd, input=png.tobytes(), capture_output=True, timeout=max(timeout_s, 0.001),
                                  env=env, check=False)
        except subprocess.TimeoutExpired:
            return TesseractRead("", timed_out=True)
        except FileNotFoundError as exc:
            raise TesseractUnavailable(
                "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)") from exc
        if done.returncode != 0:
            raise RuntimeError(f"tesseract failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")
        return TesseractRead(_without_header(done.stdout.decode("utf-8", errors="replace")), timed_out=False)


class TesseractLibrary:
    """libtesseract through its C API. Each handle holds a loaded model and is used by one thread at a time
    (TessBaseAPI is not thread-safe), so they live in a pool; ctypes releases the GIL during each call, so
    two crops are read on two cores."""

    def __init__(self, lib: ctypes.CDLL, version: str) -> None:
        self._lib = lib
        self.name = f"libtesseract-{version}"
        self._handles: ObjectPool[int] = ObjectPool(self._new_handle, reset=lib.TessBaseAPIClear)
        self._serial = serial_openmp()

    @classmethod
    def load(cls, handles: int = 2) -> TesseractLibrary:
        """Load the library and `handles` models, one after another (the OCR stage reads with two workers):
        a missing model fails here rather than on the first crop, and no model loads while another handle
        is recognising."""
        lib = _load_library()
        _declare(lib)
        engine = cls(lib, lib.TessVersion().decode())
        with contextlib.ExitStack() as taken:
            for _ in range(max(1, handles)):
                taken.enter_context(engine._handles.take())
        return engine

    def _new_handle(self) -> int:
        handle = self._lib.TessBaseAPICreate()
        if not handle:
            raise TesseractUnavailable("libtesseract could not create an API handle")
        if self._lib.TessBaseAPIInit3(handle, None, LANGUAGE.encode()) != 0:
            self._lib.TessBaseAPIDelete(handle)
            raise TesseractUnavailable(
                f"libtesseract has no '{LANGUAGE}' model (apt-get install tesseract-ocr-{LANGUAGE}, or set TESSDATA_PREFIX)")
        self._lib.TessBaseAPISetPageSegMode(handle, PAGE_SEG_MODE)
        if self._handles.made == 0:
            # Its diagnostics ("Estimating resolution as ...": crops carry no resolution) would go to our
            # stderr. debug_file is one setting for the whole library, so it is set once, before any reading.
            self._lib.TessBaseAPISetVariable(handle, b"debug_file", b"/dev/null")
        return handle

    def read(self, ink: np.ndarray, timeout_s: float) -> TesseractRead:
        if ink.dtype != np.uint8 or ink.ndim != 2:
            raise ValueError(f"an OCR crop must be a 2-D uint8 array, got {ink.dtype} {ink.shape}")
        if timeout_s <= 0:
            return TesseractRead("", timed_out=True)
        ink = np.ascontiguousarray(ink)
        height, width = ink.shape
        lib = self._lib
        with self._handles.take() as handle:
            monitor = lib.TessMonitorCreate()
            try:
                lib.TessBaseAPISetImage(handle, ink.ctypes.data_as(ctypes.c_void_p), width, height, 1, width)
                lib.TessMonitorSetDeadlineMSecs(monitor, max(1, int(timeout_s * 1000)))
                started = time.perf_counter()
                with self._serial:
                    failed = lib.TessBaseAPIRecognize(handle, monitor) != 0
                # The C API says only that recognition stopped; having used the whole budget is what tells a
                # deadline from a failure. The deadline covers recognition, not the (fast, single-block)
                # layout step before it.
                timed_out = failed and time.perf_counter() - started >= timeout_s * 0.95
                if failed and not timed_out:
                    raise RuntimeError("libtesseract could not recognise the crop")
                text = lib.TessBaseAPIGetTsvText(handle, 0)
                try:
                    tsv = ctypes.string_at(text).decode("utf-8", errors="replace") if text else ""
                finally:
                    if text:
                        lib.TessDeleteText(text)
            finally:
                lib.TessMonitorDelete(monitor)
        return TesseractRead(_without_header(tsv), timed_out=timed_out)

    @property
    def model_loads(self) -> int:
        """API handles (each a model load) made so far in this process."""
        return self._handles.made


def _load_library() -> ctypes.CDLL:
    names = list(_LIBRARY_NAMES)
    found = ctypes.util.find_library("tesseract")
    if found:
        names.append(found)
    errors = []
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError as exc:
            errors.append(str(exc))
    raise TesseractUnavailable(f"libtesseract could not be loaded ({'; '.join(errors)})")


class SerialOpenMP:
    """While a thread is inside, OpenMP parallel regions it starts run on one thread.

    libtesseract splits each LSTM step over 4 OpenMP threads; with two crops already read side by side on
    two cores that only oversubscribes them (measured: 0.7 vs 1.1-1.4 CPU-s for one video's crops). Its
    libgomp is the process's libgomp.so.1: torch's own copy once torch is imported, which read
    OMP_THREAD_LIMIT long ago and is shared with torch. So the limit is the runtime's max-active-levels,
    0 inside, given back on the way out. Some libgomp builds keep that setting per thread (each reader
    saves and restores its own) and some for the whole process (the last reader out restores it)."""

    def __init__(self) -> None:
        try:
            gomp: ctypes.CDLL | None = ctypes.CDLL("libgomp.so.1", mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
            gomp.omp_get_max_active_levels.restype = ctypes.c_int  # type: ignore[union-attr]
            gomp.omp_set_max_active_levels.argtypes = [ctypes.c_int]  # type: ignore[union-attr]
        except (OSError, AttributeError):
            gomp = None  # a tesseract built without OpenMP: nothing to hold back
        self._gomp = gomp
        self._lock = threading.Lock()
        self._inside = 0  # readers inside, process-wide builds
        self._saved = 0
        self._thread = threading.local()  # depth and saved value, per-thread builds
        self.process_wide = gomp is not None and self._setting_is_process_wide(gomp)

    @staticmethod
    def _setting_is_process_wide(gomp: ctypes.CDLL) -> bool:
        """Whether a value set here is what another thread sees."""
        before = gomp.omp_get_max_active_levels()
        probe = 0 if before != 0 else 1
        gomp.omp_set_max_active_levels(probe)
        try:
            seen: list[int] = []
            other = threading.Thread(target=lambda: seen.append(gomp.omp_get_max_active_levels()))
            other.start()
            other.join()
            return seen == [probe]
        finally:
            gomp.omp_set_max_active_levels(before)

    def __enter__(self) -> None:
        gomp = self._gomp
        if gomp is None:
            return
        if self.process_wide:
            with self._lock:
                if self._inside == 0:
                    self._saved = gomp.omp_get_max_active_levels()
                    gomp.omp_set_max_active_levels(0)
                self._inside += 1
            return
        depth = getattr(self._thread, "depth", 0)
        if depth == 0:
            self._thread.saved = gomp.omp_get_max_active_levels()
            gomp.omp_set_max_active_levels(0)
        self._thread.depth = depth + 1

    def __exit__(self, *exc: object) -> None:
        gomp = self._gomp
        if gomp is None:
            return
        if self.process_wide:
            with self._lock:
                self._inside -= 1
                if self._inside == 0:
                    gomp.omp_set_max_active_levels(self._saved)
            return
        self._thread.depth -= 1
        if self._thread.depth == 0:
            gomp.omp_set_max_active_levels(self._thread.saved)


@functools.cache
def serial_openmp() -> SerialOpenMP:
    """The process's one SerialOpenMP: two would save each other's 0 as the value to give back."""
    return SerialOpenMP()


def _declare(lib: ctypes.CDLL) -> None:
    vp, c_int, c_char_p = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    signatures = {
        "TessVersion": ([], c_char_p),
        "TessBaseAPICreate": ([], vp),
        "TessBaseAPIDelete": ([vp], None),
        "TessBaseAPIInit3": ([vp, c_char_p, c_char_p], c_int),
        "TessBaseAPISetPageSegMode": ([vp, c_int], None),
        "TessBaseAPISetVariable": ([vp, c_char_p, c_char_p], c_int),
        "TessBaseAPISetImage": ([vp, vp, c_int, c_int, c_int, c_int], None),
        "TessBaseAPIRecognize": ([vp, vp], c_int),
        "TessBaseAPIGetTsvText": ([vp, c_int], vp),
        "TessBaseAPIClear": ([vp], None),
        "TessDeleteText": ([vp], None),
        "TessMonitorCreate": ([], vp),
        "TessMonitorDelete": ([vp], None),
        "TessMonitorSetDeadlineMSecs": ([vp, c_int], None),
    }
    for name, (args, result) in signatures.items():
        try:
            fn = getattr(lib, name)
        except AttributeError as exc:
            raise TesseractUnavailable(f"libtesseract lacks {name}; version 4.1 or newer is needed") from exc
        fn.argtypes, fn.restype = args, result


def tesseract_engine(kind: str = "auto") -> TesseractEngine:
    """The process's tesseract: `library` (in-process, models loaded once), `command` (one process per crop),
    or `auto`, the library when it loads and the command otherwise."""
    if kind not in OCR_ENGINES:
        raise ValueError(f"tesseract engine must be one of {', '.join(OCR_ENGINES)}, got {kind!r}")
    return _engine(kind)


@functools.cache
def _engine(kind: str) -> TesseractEngine:
    if kind == "command":
        return TesseractCommand()
    try:
        return TesseractLibrary.load()
    except TesseractUnavailable:
        if kind == "library":
            raise
        return TesseractCommand()
