"""Audio features of a video: how much of it is speech, whether music plays under it and at what
tempo, how loud it is, and where it goes quiet.

- Loudness and silences come from one ffmpeg pass (EBU R128 + silencedetect) over the original
  track, so they are measured at the file's own sample rate, not on the 16 kHz analysis copy.
- Speech comes from silero-vad; it is the only detector here that does not call a music bed speech.
- Music is decided per 1-s window from two cues that speech does not give: a steady pulse (onset
  autocorrelation at the track's beat period, in the full band and in the sub-bass where kicks live
  and voices do not) and sustained tones (spectral peaks that hold for seconds). The tempo is
  reported only when music is present.

Everything heavy (torch, silero, scipy) is imported inside the functions that need it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import re
import subprocess
import threading
import wave
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tiktok_pipelines.lib.extraction.artifacts import AudioFeatures, Span

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 16000
HOP = 256  # 16 ms at 16 kHz: hop 512 put a 120 BPM bed at 117 (feasibility.md §5)
N_FFT = 2048
BPM_MIN, BPM_MAX = 70.0, 180.0
SILENCE_DB = -35  # silencedetect noise floor
DEAD_AIR_MIN_S = 0.4
MUSIC_WINDOW_S = 1.0
# A file "has music" only when enough of it does; one stray window is not a music bed.
MUSIC_MIN_SHARE = 0.15
MUSIC_MIN_WINDOWS = 2
# Per-window music cues, calibrated on 5 espeak-ng voices (150-220 wpm) over kick/pad beds 4-16 dB under
# them and on the demo world's clips: speech alone peaked at full pulse 0.62 (hence no full pulse over
# speech), sub pulse 0.46 and tone 12 dB; under speech a 50-60 Hz kick kept sub pulse >= 0.67 and a held
# pad tone >= 28 dB in every window. The sub band stops at 80 Hz: up to 120 Hz voices reached 0.59.
SUB_BAND_HZ = (30.0, 80.0)
PULSE_SUB_MIN = 0.6
PULSE_FULL_MIN = 0.5
FULL_PULSE_MAX_SPEECH = 0.25
TONE_MIN_DB = 22.0
TONE_CONTEXT_S = 5.0
MUSIC_MIN_LEVEL_DB = -60.0
ONSET_MIN_STD_DB = 0.25  # onset envelopes are spectral flux in dB; steadier than this has no onsets
TEMPO_MIN_FREE_S = 4.0  # speech-free audio needed to time the beat there instead of over everything
BPM_MIN_CLARITY = 0.35  # below it the pulse is too vague to name a tempo (speech over a pad: 0.22)
LOUDNESS_FLOOR_LUFS = -70.0  # EBU R128's absolute gate: at or below it nothing was measurable

DECODE_TIMEOUT_S = 120.0
_STDERR_TAIL = 400


class AudioDecodeError(ValueError):
    """ffmpeg could not read the audio of this file; the message names the file and quotes ffmpeg."""


# --- decoding ------------------------------------------------------------------------------------------


def _stderr_tail(stderr: str, media_path: Path) -> str:
    """ffmpeg's last words, with the file's directory left out (it can hold a creator's or a user's name)."""
    text = stderr.replace(str(media_path), media_path.name)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-3:])[-_STDERR_TAIL:] or "no message"


def _time_limit(max_seconds: float | None) -> list[str]:
    if max_seconds is None:
        return []
    if not max_seconds > 0:
        raise ValueError(f"max_seconds must be > 0, got {max_seconds!r}")
    return ["-t", f"{max_seconds:.3f}"]


def extract_wav(
    media_path: Path,
    dest: Path,
    *,
    sample_rate: int = SAMPLE_RATE,
    max_seconds: float | None = None,
    timeout_s: float = 120,
) -> Path:
    """Decode the first audio stream to mono 16-bit PCM WAV at `dest` (written whole or not at all)."""
    return _decode_wav(Path(media_path), Path(dest), sample_rate, max_seconds, timeout_s)[0]


def _decode_wav(
    media_path: Path, dest: Path, sample_rate: int, max_seconds: float | None, timeout_s: float
) -> tuple[Path, str]:
    """`extract_wav`, also returning what ffmpeg complained about while still finishing (a cut-off file)."""
    if not media_path.is_file():
        raise AudioDecodeError(f"{media_path.name}: file not found")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.part")
    cmd = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-i", str(media_path),
        "-map", "0:a:0", "-vn", "-sn", "-dn",
        *_time_limit(max_seconds),
        "-ac", "1", "-ar", str(int(sample_rate)), "-c:a", "pcm_s16le", "-f", "wav", str(partial),
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        partial.unlink(missing_ok=True)
        raise AudioDecodeError(f"{media_path.name}: audio decode took over {timeout_s:.0f} s; stopped") from None
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        partial.unlink(missing_ok=True)
        if "matches no streams" in stderr:
            raise AudioDecodeError(f"{media_path.name}: no audio stream that ffmpeg can read")
        tail = _stderr_tail(stderr, media_path)
        raise AudioDecodeError(f"{media_path.name}: ffmpeg could not decode the audio: {tail}")
    os.replace(partial, dest)
    return dest, _stderr_tail(stderr, media_path) if stderr.strip() else ""


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples in [-1, 1] and the sample rate of a PCM16 WAV written by `extract_wav`."""
    import numpy as np

    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise AudioDecodeError(f"{Path(path).name}: expected 16-bit PCM, got {8 * w.getsampwidth()}-bit")
        raw = w.readframes(w.getnframes())
        channels, rate = w.getnchannels(), w.getframerate()
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


# --- loudness and silences -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Loudness:
    integrated_lufs: float | None
    range_lu: float | None
    true_peak_dbfs: float | None
    silences: tuple[Span, ...]


_NUMBER = r"(-?inf|-?\d+(?:\.\d+)?)"
_SUMMARY_I = re.compile(r"^\s*I:\s+" + _NUMBER + r"\s+LUFS", re.MULTILINE)
_SUMMARY_LRA = re.compile(r"^\s*LRA:\s+" + _NUMBER + r"\s+LU\b", re.MULTILINE)
_SUMMARY_PEAK = re.compile(r"^\s*Peak:\s+" + _NUMBER + r"\s+dBFS", re.MULTILINE)
_SILENCE_START = re.compile(r"silence_start:\s*" + _NUMBER)
_SILENCE_END = re.compile(r"silence_end:\s*" + _NUMBER)


def _finite(text: str | None) -> float | None:
    if text is None:
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _loudness_command(media_path: Path, max_seconds: float | None) -> list[str]:
    # framelog=verbose keeps ebur128's 10-per-second frame lines out of stderr (5.1 has no "quiet").
    return [
        "ffmpeg", "-nostdin", "-hide_banner", "-nostats",
        "-i", str(media_path), "-map", "0:a:0", "-vn", "-sn", "-dn",
        *_time_limit(max_seconds),
        "-af", f"ebur128=peak=true:framelog=verbose,silencedetect=n={SILENCE_DB}dB:d={DEAD_AIR_MIN_S}",
        "-f", "null", "-",
    ]  # fmt: skip


def parse_loudness(stderr: str, analysed_seconds: float) -> Loudness:
    """Read ebur128's summary and silencedetect's spans out of ffmpeg's log."""
    summary = stderr[stderr.rfind("Summary:") :] if "Summary:" in stderr else ""
    integrated = _finite(m.group(1)) if (m := _SUMMARY_I.search(summary)) else None
    lra = _finite(m.group(1)) if (m := _SUMMARY_LRA.search(summary)) else None
    peak = _finite(m.group(1)) if (m := _SUMMARY_PEAK.search(summary)) else None
    if integrated is not None and integrated <= LOUDNESS_FLOOR_LUFS:
        integrated, lra = None, None
    return Loudness(integrated, lra, peak, _silence_spans(stderr, analysed_seconds))


def _silence_spans(stderr: str, analysed_seconds: float) -> tuple[Span, ...]:
    events = sorted(
        [(m.start(), "start", float(m.group(1))) for m in _SILENCE_START.finditer(stderr)]
        + [(m.start(), "end", float(m.group(1))) for m in _SILENCE_END.finditer(stderr)]
    )
    spans: list[Span] = []
    opened: float | None = None
    for _, kind, t in events:
        if kind == "start":
            opened = max(0.0, t)
        elif opened is not None:
            spans.append(_clamped_span(opened, t, analysed_seconds))
            opened = None
    if opened is not None:  # silent to the end: older ffmpegs do not close the span
        spans.append(_clamped_span(opened, analysed_seconds, analysed_seconds))
    return tuple(s for s in spans if s.end > s.start)


def _clamped_span(start: float, end: float, limit: float) -> Span:
    # AAC priming/padding lets silencedetect report an end a few ms past the decoded audio.
    return Span(start=round(min(start, limit), 3), end=round(min(max(end, start), limit), 3))


def _start_loudness(media_path: Path, max_seconds: float | None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        _loudness_command(media_path, max_seconds),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _finish_loudness(proc: subprocess.Popen[bytes], media_path: Path, timeout_s: float) -> str:
    try:
        _, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AudioDecodeError(f"{media_path.name}: loudness pass took over {timeout_s:.0f} s; stopped") from None
    text = stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = _stderr_tail(text, media_path)
        raise AudioDecodeError(f"{media_path.name}: ffmpeg could not measure loudness: {tail}")
    return text


# --- speech -------------------------------------------------------------------------------------------


_VAD_LOCK = threading.Lock()  # the silero model keeps recurrent state between chunks: one caller at a time


@functools.lru_cache(maxsize=1)
def speech_model() -> object:
    """silero-vad's TorchScript model, loaded from the wheel once per process."""
    import warnings

    from silero_vad import load_silero_vad

    with warnings.catch_warnings():
        # silero's loader uses importlib.resources.path and torch.jit.load, both deprecated upstream.
        warnings.simplefilter("ignore", DeprecationWarning)
        return load_silero_vad(onnx=False)  # onnxruntime is not installed; the JIT model ships in the wheel


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    # The VAD is a tiny recurrent net: more threads only add overhead. Restore the process setting so
    # CLIP and others in the same worker keep theirs.
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def detect_speech(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[Span]:
    """Where someone speaks, as spans in seconds (silero-vad at its default 0.5 threshold)."""
    import numpy as np
    import torch
    from silero_vad import get_speech_timestamps

    if sample_rate not in (8000, 16000):
        raise ValueError(f"detect_speech needs 8000 or 16000 Hz audio, got {sample_rate} Hz")
    audio = np.asarray(samples)
    if audio.ndim != 1:
        raise ValueError(f"detect_speech needs mono samples, got shape {audio.shape}")
    if np.issubdtype(audio.dtype, np.integer):
        audio = audio.astype(np.float32) / 32768.0
    if audio.size < sample_rate // 10:
        return []
    tensor = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
    model = speech_model()
    with _VAD_LOCK, _torch_threads(1):
        stamps = get_speech_timestamps(tensor, model, sampling_rate=sample_rate, return_seconds=False)
    return [Span(start=round(s["start"] / sample_rate, 3), end=round(s["end"] / sample_rate, 3)) for s in stamps]


# --- music ---------------------------------------------------------------------------------------------
#
# Plain numpy/scipy rather than librosa: librosa's import compiles numba kernels (25-35 s with a cold
# cache, ~2 s per process with a warm one), which a per-video worker would pay for an STFT, a mel
# filterbank and a spectral flux that are a few lines each. The onset envelope below is librosa's
# default (`onset_strength`: mean positive flux of the 128-band mel spectrogram in dB, 80 dB range).


@dataclasses.dataclass(frozen=True)
class MusicReport:
    music_present: bool
    music_ratio: float
    bpm: float | None
    bpm_confidence: float | None
    windows: tuple[bool, ...]  # one per 1-s window: music heard there


@dataclasses.dataclass(frozen=True)
class WindowCues:
    """What one 1-s window sounds like: its level and the three music cues."""

    level_db: float  # RMS, dBFS
    pulse_full: float  # onset autocorrelation at the beat period, 4 s around the window (0..1)
    pulse_sub: float  # the same in the 30-80 Hz band
    tone_db: float  # sustained-partial prominence over the 5 s before or after the window
    speech_share: float = 0.0  # of the 4 s the pulses were measured on

    @property
    def is_music(self) -> bool:
        if self.level_db < MUSIC_MIN_LEVEL_DB:
            return False
        # Syllables come at a steady-ish rate too: a full-band pulse heard over speech may be the voice
        # itself (an espeak voice reached 0.62), so there only the sub-bass pulse and held tones count.
        full_pulse = self.pulse_full >= PULSE_FULL_MIN and self.speech_share <= FULL_PULSE_MAX_SPEECH
        return full_pulse or self.pulse_sub >= PULSE_SUB_MIN or self.tone_db >= TONE_MIN_DB


@dataclasses.dataclass(frozen=True)
class OnsetEnvelope:
    name: str  # "full" or "sub"
    values: np.ndarray  # one value per STFT frame
    autocorrelation: np.ndarray  # over all frames, or over the speech-free ones when that is clearer
    pairs: np.ndarray  # frame pairs behind each lag of the autocorrelation
    lag: int  # beat period in frames, 0 when there is no pulse
    clarity: float  # normalised autocorrelation at that period (0..1)
    whole_track: OnsetEnvelope | None = None  # timed over all frames, when this one is speech-free only


def _spectrogram(samples: np.ndarray) -> np.ndarray:
    """Magnitude STFT as frames x bins: periodic Hann, N_FFT, HOP, frames centred (zero padding)."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view
    from scipy import fft

    padded = np.pad(np.asarray(samples, dtype=np.float32), N_FFT // 2)
    if padded.size < N_FFT:
        padded = np.pad(padded, (0, N_FFT - padded.size))
    frames = sliding_window_view(padded, N_FFT)[::HOP]
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)
    out = np.empty((frames.shape[0], N_FFT // 2 + 1), dtype=np.float32)
    for a in range(0, frames.shape[0], 1024):  # bounded temporaries on long files
        out[a : a + 1024] = np.abs(fft.rfft(frames[a : a + 1024] * window, axis=1))
    return out


@functools.lru_cache(maxsize=4)
def _mel_filters(sample_rate: int, n_mels: int = 128) -> np.ndarray:
    """Triangular mel filters, bins x bands. Unnormalised: a per-band gain is a constant in dB,
    which the flux (a difference over time) cancels."""
    import numpy as np

    freqs = np.fft.rfftfreq(N_FFT, 1.0 / sample_rate)
    top = 2595.0 * np.log10(1.0 + (sample_rate / 2) / 700.0)
    edges = 700.0 * (10.0 ** (np.linspace(0.0, top, n_mels + 2) / 2595.0) - 1.0)
    lower = (freqs[:, None] - edges[None, :-2]) / np.diff(edges)[None, :-1]
    upper = (edges[None, 2:] - freqs[:, None]) / np.diff(edges)[None, 1:]
    return np.maximum(0.0, np.minimum(lower, upper)).astype(np.float32)


def _band(sample_rate: int, low_hz: float, high_hz: float) -> slice:
    per_bin = sample_rate / N_FFT
    return slice(max(0, math.ceil(low_hz / per_bin)), min(N_FFT // 2 + 1, math.floor(high_hz / per_bin) + 1))


def _full_band_flux(spectrum: np.ndarray, sample_rate: int) -> np.ndarray:
    import numpy as np

    mel_db = 10.0 * np.log10(np.maximum((spectrum**2) @ _mel_filters(sample_rate), 1e-10))
    mel_db = np.maximum(mel_db, mel_db.max() - 80.0)
    return np.concatenate([[0.0], np.maximum(0.0, np.diff(mel_db, axis=0)).mean(axis=1)])


def _sub_band_flux(spectrum: np.ndarray, sample_rate: int) -> np.ndarray:
    """Kicks sit below ~80 Hz and voices above, so this band keeps its pulse under speech."""
    import numpy as np

    sub = spectrum[:, _band(sample_rate, *SUB_BAND_HZ)].sum(axis=1)
    # Floored 60 dB under the loudest frame so that leakage from higher notes, which beats against
    # itself, cannot pose as a kick.
    floor = max(float(spectrum.sum(axis=1).max()) * 1e-3, 1e-5)
    sub_db = 20.0 * np.log10(np.maximum(sub, floor))
    return np.concatenate([[0.0], np.maximum(0.0, np.diff(sub_db))])


def _autocorrelation(envelope: np.ndarray, keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Autocorrelation over the frames in `keep` (all when None), each lag averaged over the pairs of
    kept frames it has and normalised to 1 at lag 0 (zeros when those frames hold no onsets), and the
    number of pairs behind each lag."""
    import numpy as np
    from scipy import fft

    n = envelope.size
    weights = np.ones(n) if keep is None else keep.astype(np.float64)
    size = fft.next_fast_len(2 * n)
    pairs = np.rint(fft.irfft(np.abs(fft.rfft(weights, size)) ** 2, size)[:n])
    kept = envelope[weights > 0]
    if kept.size < 4 or float(kept.std()) < ONSET_MIN_STD_DB:
        return np.zeros(max(n, 1)), pairs  # a steady tone's beating is not a beat
    e = (envelope - kept.mean()) * weights
    products = fft.irfft(np.abs(fft.rfft(e, size)) ** 2, size)[:n]
    # Lags with few pairs left are noise, not evidence.
    ac = np.where(pairs >= min(n // 4, 2 * MUSIC_WINDOW_S * SAMPLE_RATE / HOP), products / np.maximum(pairs, 1), 0.0)
    return ac / ac[0], pairs


def _beat_lag(ac: np.ndarray, fps: float) -> int:
    """The beat period in frames: the autocorrelation peak between 30 and 320 BPM, weighted by
    librosa's tempo prior (log-normal around 120 BPM, one octave wide) to settle octave doubt."""
    import numpy as np

    first, last = math.ceil(60.0 * fps / 320.0), min(math.floor(60.0 * fps / 30.0), ac.size // 2)
    if last - first < 2:
        return 0
    lags = np.arange(first, last + 1)
    values = ac[lags]
    peaks = (values > 0) & (values >= ac[lags - 1]) & (values >= ac[lags + 1])
    if not peaks.any():
        return 0
    prior = np.exp(-0.5 * np.log2(60.0 * fps / lags / 120.0) ** 2)
    lag = int(lags[np.argmax(np.where(peaks, values * prior, -np.inf))])
    # The prior leans to 120, so a fast beat (175) can lose to its own half tempo, whose period is a
    # multiple of the beat's and so correlates as well. A beat at half the lag that correlates nearly
    # as strongly is the real one.
    half = lag // 2
    if half >= first and 60.0 * fps / (lag / 2) <= BPM_MAX * 1.03:
        near = ac[half - 1 : half + 2 + lag % 2]
        if near.max() >= 0.8 * ac[lag]:
            return half - 1 + int(np.argmax(near))
    return lag


def _pulse_clarity(envelope: np.ndarray, lag: int) -> float:
    """Normalised autocorrelation of an onset envelope at the beat period (1 = perfectly periodic)."""
    import numpy as np

    if lag < 2 or envelope.size <= lag + 1 or float(envelope.std()) < ONSET_MIN_STD_DB:
        return 0.0
    e = envelope - envelope.mean()
    energy = float(np.dot(e, e)) / e.size
    best = max(float(np.dot(e[:-k], e[k:])) / (e.size - k) for k in (lag - 1, lag, lag + 1))
    return max(0.0, min(1.0, best / energy))


def _speech_frames(n_frames: int, sample_rate: int, speech: Sequence[Span]) -> np.ndarray:
    """Frames someone speaks over, widened by 0.1 s either side."""
    import numpy as np

    fps = sample_rate / HOP
    spoken = np.zeros(n_frames, dtype=bool)
    for span in speech:
        spoken[max(0, int((span.start - 0.1) * fps)) : max(0, math.ceil((span.end + 0.1) * fps))] = True
    return spoken


def _speech_free_frames(n_frames: int, sample_rate: int, speech: Sequence[Span]) -> np.ndarray | None:
    """Frames nobody speaks over, or None when they add up to too little to time a beat on."""
    if not speech:
        return None
    keep = ~_speech_frames(n_frames, sample_rate, speech)
    return keep if keep.sum() >= TEMPO_MIN_FREE_S * sample_rate / HOP else None


def _timed(name: str, values: np.ndarray, keep: np.ndarray | None, fps: float) -> OnsetEnvelope:
    ac, pairs = _autocorrelation(values, keep)
    lag = _beat_lag(ac, fps)
    clarity = max(0.0, min(1.0, float(ac[lag - 1 : lag + 2].max()))) if lag else 0.0
    return OnsetEnvelope(name, values, ac, pairs, lag, clarity)


def onset_envelopes(spectrum: np.ndarray, sample_rate: int, speech: Sequence[Span] = ()) -> list[OnsetEnvelope]:
    """The full-band and sub-bass onset envelopes, each with its beat period and pulse clarity.

    Each is timed twice when there is speech: over everything, and over the speech-free frames only,
    where the voice's own rhythm cannot blur the beat (it does when the kick shares the voice's band).
    The clearer pulse wins; long lines with short pauses leave too little between them, and then the
    whole track (where a kick below the voice dominates) is the better clock."""
    fps = sample_rate / HOP
    keep = _speech_free_frames(spectrum.shape[0], sample_rate, speech)
    envelopes = []
    bands = (("full", _full_band_flux(spectrum, sample_rate)), ("sub", _sub_band_flux(spectrum, sample_rate)))
    for name, values in bands:
        whole = _timed(name, values, None, fps)
        free = _timed(name, values, keep, fps) if keep is not None else None
        if free is not None and free.clarity > whole.clarity:
            envelopes.append(dataclasses.replace(free, whole_track=whole))
        else:
            envelopes.append(whole)
    return envelopes


def _refined_bpm(envelope: OnsetEnvelope, sample_rate: int) -> float:
    """Tempo with sub-frame precision: take the autocorrelation peak near the largest multiple of the
    beat period that still stands out (the speech-free stretches may be too short for long lags),
    interpolate it, divide back by the multiple. At hop 256 one period alone is only resolved to
    16 ms, about 1.3 BPM at 140."""
    import numpy as np

    lag = envelope.lag
    whole = envelope.whole_track
    if whole is not None and whole.lag and abs(whole.lag - lag) <= 1:
        # Same beat over the whole track: its long lags have every pair, the gaps between lines do not.
        envelope = whole
    ac = envelope.autocorrelation
    enough_pairs = TEMPO_MIN_FREE_S * sample_rate / HOP
    period = float(lag)
    for multiple in range(min(8, (ac.size - 3) // lag), 0, -1):
        lo, hi = max(1, lag * multiple - multiple - 1), min(ac.size - 2, lag * multiple + multiple + 1)
        peak = lo + int(np.argmax(ac[lo : hi + 1]))
        if multiple > 1 and envelope.pairs[hi] < enough_pairs:
            continue  # speech-free stretches too short for this lag: a few pairs make a noisy peak
        if ac[peak] < 0.5 * envelope.clarity or peak in (lo, hi):
            continue  # no clear peak at this multiple: try a shorter one
        a, b, c = ac[peak - 1], ac[peak], ac[peak + 1]
        curvature = a - 2 * b + c
        offset = 0.5 * (a - c) / curvature if curvature < 0 else 0.0
        period = (peak + max(-0.5, min(0.5, offset))) / multiple
        break
    bpm = 60.0 * sample_rate / HOP / period
    # Fold into the dance range, with a little slack so that 69.9 for a 70 BPM track stays 70, not 140.
    while bpm < BPM_MIN * 0.97:
        bpm *= 2
    while bpm > BPM_MAX * 1.03:
        bpm /= 2
    return bpm


def _sustained_tone_db(band_spectrum: np.ndarray, margin: int) -> float:
    """How far the strongest partial that holds through a stretch stands above its neighbours, in dB.
    The 5th percentile over time keeps only what sounds nearly all the time: a held chord or pad
    survives it, a voice's moving harmonics and the gaps between its words do not."""
    import numpy as np
    from scipy.ndimage import median_filter

    if band_spectrum.shape[1] == 0:
        return 0.0
    floor_db = 20.0 * np.log10(np.maximum(np.percentile(band_spectrum, 5, axis=1), 1e-6))
    prominence = floor_db - median_filter(floor_db, size=2 * margin + 1, mode="nearest")
    return float(prominence[margin:-margin].max())


def music_cues(
    samples: np.ndarray, sample_rate: int = SAMPLE_RATE, speech: Sequence[Span] = ()
) -> tuple[list[WindowCues], list[OnsetEnvelope]]:
    """Per 1-s window: level and the music cues, plus the onset envelopes they came from."""
    import numpy as np

    samples = np.asarray(samples, dtype=np.float32)
    spectrum = _spectrogram(samples)
    envelopes = onset_envelopes(spectrum, sample_rate, speech)
    full, sub = envelopes
    fps = sample_rate / HOP
    n_frames = spectrum.shape[0]
    seconds = samples.size / sample_rate
    # A trailing scrap shorter than a quarter window is not judged on its own.
    n_windows = max(1, math.ceil(seconds / MUSIC_WINDOW_S - 0.25))
    margin = 20  # bins either side for the median that a partial must stand out from
    band = _band(sample_rate, 80, 4000)
    band = slice(max(0, band.start - margin), band.stop + margin)
    # Bins x frames, every other frame: percentiles over time are the costly part of this pass.
    tonal = np.ascontiguousarray(spectrum[::2, band].T)
    tonal_fps = fps / 2

    def frames(start_s: float, end_s: float, rate: float = fps, limit: int = n_frames) -> slice:
        return slice(max(0, int(start_s * rate)), max(0, min(limit, math.ceil(end_s * rate))))

    def tone_from(k: int) -> float:
        start = k * MUSIC_WINDOW_S
        return _sustained_tone_db(tonal[:, frames(start, start + TONE_CONTEXT_S, tonal_fps, tonal.shape[1])], margin)

    context = int(TONE_CONTEXT_S / MUSIC_WINDOW_S)
    tones = {k: tone_from(k) for k in range(1 - context, n_windows)}
    spoken = _speech_frames(n_frames, sample_rate, speech)
    step = int(MUSIC_WINDOW_S * sample_rate)
    cues = []
    for i in range(n_windows):
        t0, t1 = i * MUSIC_WINDOW_S, (i + 1) * MUSIC_WINDOW_S
        chunk = samples[i * step : (i + 1) * step].astype(np.float64)
        level = 10.0 * math.log10(max(float(np.mean(chunk**2)) if chunk.size else 0.0, 1e-12))
        around = frames(t0 - 1.5, t1 + 1.5)
        cues.append(
            WindowCues(
                level_db=level,
                pulse_full=_pulse_clarity(full.values[around], full.lag),
                pulse_sub=_pulse_clarity(sub.values[around], sub.lag),
                # The 5 s ending with this window or starting with it: a window at the edge of a music
                # stretch still lies inside one of them.
                tone_db=max(tones[i + 1 - context], tones[i]),
                speech_share=float(spoken[around].mean()) if spoken[around].size else 0.0,
            )
        )
    return cues, envelopes


def analyse_music(samples: np.ndarray, sample_rate: int = SAMPLE_RATE, speech: Sequence[Span] = ()) -> MusicReport:
    """Whether music plays, in which 1-s windows, and at what tempo (None without music or pulse).
    `speech` (from `detect_speech`) lets the tempo be timed on the stretches without a voice."""
    cues, envelopes = music_cues(samples, sample_rate, speech)
    windows = tuple(c.is_music for c in cues)
    ratio = round(sum(windows) / len(windows), 3)
    if sum(windows) < MUSIC_MIN_WINDOWS or ratio < MUSIC_MIN_SHARE:
        return MusicReport(False, ratio, None, None, windows)
    beat = max(envelopes, key=lambda e: e.clarity)
    if not beat.lag or beat.clarity < BPM_MIN_CLARITY:  # a pad with no beat has no tempo to report
        return MusicReport(True, ratio, None, round(beat.clarity, 3), windows)
    return MusicReport(True, ratio, round(_refined_bpm(beat, sample_rate), 1), round(beat.clarity, 3), windows)


# --- the whole pass --------------------------------------------------------------------------------------

WAV_NAME = "audio_16k.wav"


def analyse_audio(
    media_path: Path,
    *,
    has_audio: bool,
    max_seconds: float | None = None,
    work_dir: Path | None = None,
) -> AudioFeatures:
    """Speech share, music share and tempo, loudness and silences of a video's first audio stream.

    `has_audio` comes from the probe; a video without an audio stream gets an "ok" artifact that says
    so. With `work_dir` the 16 kHz mono WAV stays there as `audio_16k.wav` for the transcriber;
    without it a temporary copy is removed. Raises `AudioDecodeError` when the audio cannot be decoded.
    """
    media_path = Path(media_path)
    if not has_audio:
        return AudioFeatures(status="ok", has_audio=False, note="no audio stream")
    if not media_path.is_file():
        raise AudioDecodeError(f"{media_path.name}: file not found")
    # The loudness pass decodes the file on its own; it runs on the second core meanwhile.
    loudness_proc = _start_loudness(media_path, max_seconds)
    try:
        samples, decode_warnings = _decoded_samples(media_path, max_seconds, work_dir)
        analysed = samples.size / SAMPLE_RATE
        speech = detect_speech(samples, SAMPLE_RATE)
        music = analyse_music(samples, SAMPLE_RATE, speech)
        loudness, loudness_error = _collect_loudness(loudness_proc, media_path, analysed)
    finally:
        if loudness_proc.poll() is None:
            loudness_proc.kill()
            loudness_proc.wait()
    return _features(analysed, speech, music, loudness, loudness_error, decode_warnings)


def _decoded_samples(media_path: Path, max_seconds: float | None, work_dir: Path | None) -> tuple[np.ndarray, str]:
    import tempfile

    def decode_into(folder: Path) -> tuple[np.ndarray, str]:
        wav, warnings = _decode_wav(media_path, folder / WAV_NAME, SAMPLE_RATE, max_seconds, DECODE_TIMEOUT_S)
        return read_wav(wav)[0], warnings

    if work_dir is not None:
        samples, warnings = decode_into(Path(work_dir))
    else:
        with tempfile.TemporaryDirectory(prefix="audio-") as tmp:
            samples, warnings = decode_into(Path(tmp))
    if samples.size < SAMPLE_RATE // 10:
        raise AudioDecodeError(f"{media_path.name}: the audio stream decoded to {samples.size / SAMPLE_RATE:.2f} s")
    return samples, warnings


def _collect_loudness(proc: subprocess.Popen[bytes], media_path: Path, analysed: float) -> tuple[Loudness | None, str]:
    try:
        return parse_loudness(_finish_loudness(proc, media_path, DECODE_TIMEOUT_S), analysed), ""
    except AudioDecodeError as exc:
        return None, str(exc)


def _features(
    analysed: float,
    speech: Sequence[Span],
    music: MusicReport,
    loudness: Loudness | None,
    loudness_error: str,
    decode_warnings: str,
) -> AudioFeatures:
    notes: list[str] = []
    status = "ok"
    if decode_warnings:
        status = "partial"
        notes.append(f"ffmpeg reported decode errors, the audio may be cut short: {decode_warnings}")
    if loudness is None:
        status = "partial"
        notes.append(f"loudness and silences unavailable: {loudness_error}")
    elif loudness.integrated_lufs is None and loudness.true_peak_dbfs is None:
        notes.append("digital silence: no loudness to measure")
    elif loudness.integrated_lufs is None:
        notes.append("loudness not measurable: under the -70 LUFS gate or shorter than one 0.4 s block")
    speech_seconds = sum(s.duration for s in speech)
    silences = loudness.silences if loudness else ()
    return AudioFeatures(
        status=status,
        has_audio=True,
        analysed_seconds=round(analysed, 3),
        speech_ratio=round(min(1.0, speech_seconds / analysed), 3),
        music_ratio=music.music_ratio,
        music_present=music.music_present,
        bpm=music.bpm,
        bpm_confidence=music.bpm_confidence,
        loudness_lufs=loudness.integrated_lufs if loudness else None,
        loudness_range_lu=loudness.range_lu if loudness else None,
        true_peak_dbfs=loudness.true_peak_dbfs if loudness else None,
        speech=tuple(speech),
        silences=silences,
        dead_air_seconds=round(sum(s.duration for s in silences if s.duration >= DEAD_AIR_MIN_S), 3),
        note="; ".join(notes),
    )


_WARM = threading.Event()
_WARM_LOCK = threading.Lock()


def warm_up() -> None:
    """Load silero and run the music pass once, so the first video does not pay for imports and
    the model load. Later calls in the same process return at once."""
    if _WARM.is_set():
        return
    with _WARM_LOCK:
        if _WARM.is_set():
            return
        import numpy as np

        t = np.arange(4 * SAMPLE_RATE, dtype=np.float32) / SAMPLE_RATE
        clicks = (np.sin(2 * np.pi * 60 * t) * np.exp(-12 * (t % 0.5))).astype(np.float32)
        speech_model()
        detect_speech(clicks)
        analyse_music(clicks)
        _WARM.set()
