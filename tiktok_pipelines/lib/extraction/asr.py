"""Speech to text with word timestamps, behind one interface with three backends.

- `pocketsphinx` (default): its en-us model ships inside the PyPI wheel, so it runs anywhere with no
  download. Accuracy is poor (WER 0.65-0.84 on espeak speech, feasibility.md §5), so its transcripts
  carry confidence "low".
- `faster-whisper`: a CTranslate2 Whisper model from a local folder named by configuration; never a
  model hub name (a worker must not download at run time).
- `openai`: the OpenAI transcription API, or any endpoint that speaks it.

The caller's voice-activity detector (silero, in the audio extractor) decides where the speech is.
Below `min_speech_seconds` nothing is decoded: music-only videos would otherwise cost 1.5x real time
and come back as invented words, and pocketsphinx's own WebRTC VAD takes music for speech
(feasibility.md §4/§5). Every transcript is PII-redacted here, before anyone can store it.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import threading
import time
import wave
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from tiktok_pipelines.lib.openai_errors import api_message
from tiktok_pipelines.lib.extraction.artifacts import Confidence, Span, Transcript, TranscriptSegment, Word
from tiktok_pipelines.lib.privacy import display_url, redact_pii

ASR_VERSION = "asr-1"
BackendName = Literal["pocketsphinx", "faster-whisper", "openai"]
BACKENDS: tuple[str, ...] = ("pocketsphinx", "faster-whisper", "openai")

SAMPLE_RATE = 16000
SPAN_PADDING_S = 0.2  # VAD edges clip word onsets; 0.2 s either side gives them back
SILENT_RMS_DBFS = -60.0  # a span quieter than this is digital silence; decoding it only invents words
OPENAI_DEFAULT_MODEL = "whisper-1"
OPENAI_MAX_RETRIES = 2
OPENAI_RETRY_DELAYS_S = (0.5, 1.5)
OPENAI_MAX_UPLOAD_BYTES = 25 * 1024 * 1024  # the API's file limit: about 13 min of 16 kHz mono PCM16
_FASTER_WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")  # without tokenizer.json it calls the hub


class AsrUnavailable(RuntimeError):
    """The configured backend cannot run here: package missing, no model folder, no key, no quota."""


class AsrFailed(RuntimeError):
    """The backend ran but could not transcribe this audio (server error after retries, decoder error)."""


@dataclass(frozen=True)
class AsrConfig:
    backend: BackendName = "pocketsphinx"
    model: str = ""  # faster-whisper: model folder path (CTranslate2); openai: model name (whisper-1)
    openai_base_url: str | None = None  # any OpenAI-compatible endpoint; the key comes from OPENAI_API_KEY
    language: str = "en"
    timeout_s: float = 120

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"AsrConfig.backend: {self.backend!r} is not one of {', '.join(BACKENDS)}")
        if self.backend == "pocketsphinx" and self.model not in ("", "en-us"):
            raise ValueError(f"AsrConfig.model: pocketsphinx uses the en-us model bundled with its package, not {self.model!r}")
        if not (isinstance(self.timeout_s, (int, float)) and math.isfinite(self.timeout_s) and self.timeout_s > 0):
            raise ValueError(f"AsrConfig.timeout_s: must be a positive number of seconds, got {self.timeout_s!r}")
        if not self.language.strip():
            raise ValueError("AsrConfig.language: must be a language code such as 'en'")

    @property
    def model_label(self) -> str:
        """The model as recorded in metadata: a folder's name, not where it happens to be mounted."""
        if self.backend == "pocketsphinx":
            return "en-us"
        if self.backend == "openai":
            return self.model or OPENAI_DEFAULT_MODEL
        return Path(self.model).name if self.model else ""

    def describe(self) -> str:
        """One line for run metadata. Holds no secret: the key is never part of the config."""
        parts = [f"backend={self.backend}", f"model={self.model_label or '(none)'}", f"language={self.language}"]
        if self.backend == "faster-whisper" and self.model:
            parts.append(f"folder={self.model}")
        if self.backend == "openai":
            parts.append(f"base_url={display_url(self.openai_base_url) if self.openai_base_url else 'default'}")
            parts.append(f"timeout_s={self.timeout_s:g}")
        return f"{ASR_VERSION} " + " ".join(parts)


class AsrBackend(Protocol):
    name: str
    model: str
    confidence: Confidence

    def transcribe(self, wav_path: Path, speech: Sequence[Span]) -> list[TranscriptSegment]: ...


# --- the public entry point -------------------------------------------------------------------------------


def transcribe(
    wav_path: Path,
    *,
    config: AsrConfig,
    speech: Sequence[Span],
    analysed_seconds: float,
    min_speech_seconds: float = 1.0,
) -> Transcript:
    """Transcribe the speech spans of a 16 kHz mono PCM16 wav; redacted, clamped to the analysed time.

    Returns status "unavailable" (the note names what is missing) when the backend cannot run here and
    "error" when it ran but failed on this audio; the caller decides what that means for the video.
    Raises FileNotFoundError / ValueError for a missing wav or nonsensical arguments.
    """
    wav_path = Path(wav_path)
    if not wav_path.is_file():
        raise FileNotFoundError(f"ASR input wav {wav_path} does not exist")
    if not (math.isfinite(analysed_seconds) and analysed_seconds >= 0):
        raise ValueError(f"analysed_seconds: must be a non-negative number, got {analysed_seconds!r}")
    spans = normalise_spans(speech, analysed_seconds)
    speech_seconds = round(sum(s.duration for s in spans), 3)
    base: dict[str, Any] = {
        "backend": config.backend,
        "model": config.model_label,
        "confidence": config_confidence(config),
        "language": config.language,
        "speech_seconds": speech_seconds,
        "analysed_seconds": round(analysed_seconds, 3),
    }
    if speech_seconds < min_speech_seconds:
        return Transcript(status="ok", note="no speech detected; ASR skipped", **base)
    try:
        backend = load_backend(config)
        raw = backend.transcribe(wav_path, spans)
    except AsrUnavailable as exc:
        return Transcript(status="unavailable", note=f"{config.backend} unavailable: {exc}", **base)
    except AsrFailed as exc:
        return Transcript(status="error", note=f"{config.backend} failed: {exc}", **base)
    base["confidence"] = backend.confidence
    segments, redactions = redact_segments(clamp_segments(raw, analysed_seconds))
    note = "" if segments else f"no words recognised in {speech_seconds:g} s of speech"
    return Transcript(status="ok", segments=tuple(segments), redactions=redactions, note=note, **base)


def config_confidence(config: AsrConfig) -> Confidence:
    """How far scores may trust this backend's words, known before any model loads."""
    if config.backend == "pocketsphinx":
        return "low"
    if config.backend == "openai":
        return "high"
    return _whisper_size_confidence(config.model)


def _whisper_size_confidence(folder: str) -> Confidence:
    name = Path(folder).name.lower()
    if any(size in name for size in ("large", "medium", "turbo")):
        return "high"
    if any(size in name for size in ("tiny", "base", "small")):
        return "medium"
    # An unnamed folder: medium.en int8 is ~0.8 GB, small.en fp16 ~0.5 GB.
    weights = Path(folder) / "model.bin"
    return "high" if weights.is_file() and weights.stat().st_size >= 700_000_000 else "medium"


# --- backends, loaded once per process per config ---------------------------------------------------------

_backends: dict[AsrConfig, AsrBackend] = {}
_backends_lock = threading.Lock()


def load_backend(config: AsrConfig) -> AsrBackend:
    """The backend for config, loading its model on first use; raises AsrUnavailable (never cached)."""
    key = _cache_key(config)
    with _backends_lock:
        backend = _backends.get(key)
        if backend is None:
            factory: dict[str, Callable[[AsrConfig], AsrBackend]] = {
                "pocketsphinx": PocketsphinxBackend,
                "faster-whisper": FasterWhisperBackend,
                "openai": OpenAIBackend,
            }
            backend = factory[config.backend](config)
            _backends[key] = backend
        return backend


def _cache_key(config: AsrConfig) -> AsrConfig:
    """Local models ignore the network settings; one decoder serves every timeout."""
    if config.backend == "openai":
        return config
    return replace(config, openai_base_url=None, timeout_s=AsrConfig.timeout_s)


class PocketsphinxBackend:
    """CMU pocketsphinx with the package's en-us acoustic model, language model and dictionary."""

    name = "pocketsphinx"
    model = "en-us"
    confidence: Confidence = "low"

    def __init__(self, config: AsrConfig) -> None:
        if not config.language.lower().startswith("en"):
            raise AsrUnavailable(f"pocketsphinx ships only an English model; language {config.language!r} is not supported")
        try:
            import pocketsphinx
        except ImportError:
            raise AsrUnavailable("the pocketsphinx package is not installed") from None
        root = Path(pocketsphinx.get_model_path())
        model = root / "en-us"
        files = {"hmm": model / "en-us", "lm": model / "en-us.lm.bin", "dict": model / "cmudict-en-us.dict"}
        missing = [str(p) for p in files.values() if not p.exists()]
        if missing:
            raise AsrUnavailable(f"pocketsphinx model files missing: {', '.join(missing)}")
        self._decoder = pocketsphinx.Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", **{k: str(v) for k, v in files.items()})
        self._frames_per_second = float(self._decoder.config["frate"])
        # Live cepstral mean normalisation adapts across utterances; each video starts from the model's
        # initial estimate so a transcript never depends on which videos this process decoded before.
        self._initial_cmn = self._decoder.get_cmn()
        self._lock = threading.Lock()  # one decoder, one utterance at a time

    def transcribe(self, wav_path: Path, speech: Sequence[Span]) -> list[TranscriptSegment]:
        import numpy as np

        pcm = read_pcm16_mono(wav_path)
        total = len(pcm) / 2 / SAMPLE_RATE
        with self._lock:
            self._decoder.reinit_feat()
            self._decoder.set_cmn(self._initial_cmn)
        segments: list[TranscriptSegment] = []
        for span in pad_spans(speech, SPAN_PADDING_S, total):
            first, last = int(span.start * SAMPLE_RATE), int(span.end * SAMPLE_RATE)
            chunk = pcm[first * 2 : last * 2]
            samples = np.frombuffer(chunk, dtype="<i2").astype(np.float64)
            if not len(samples) or _dbfs(float(np.sqrt(np.mean(samples**2)))) < SILENT_RMS_DBFS:
                continue
            words = self._decode(chunk, offset=first / SAMPLE_RATE, wav_path=wav_path)
            if words:
                segments.append(
                    TranscriptSegment(
                        start=words[0].start,
                        end=words[-1].end,
                        text=" ".join(w.text for w in words),
                        # Proxy: the mean of the words' lattice posteriors (pocketsphinx has no segment score).
                        confidence=round(sum(w.confidence or 0.0 for w in words) / len(words), 4),
                        words=tuple(words),
                    )
                )
        return segments

    def _decode(self, chunk: bytes, *, offset: float, wav_path: Path) -> list[Word]:
        fps = self._frames_per_second
        with self._lock:
            try:
                self._decoder.start_utt()
                self._decoder.process_raw(chunk, full_utt=True)
                self._decoder.end_utt()
            except RuntimeError as exc:
                with suppress(RuntimeError):  # leave the shared decoder ready for the next utterance
                    self._decoder.end_utt()
                raise AsrFailed(f"pocketsphinx could not decode {wav_path} at {offset:.2f} s: {exc}") from None
            raw = [(s.word, s.start_frame, s.end_frame, s.prob) for s in self._decoder.seg()]
        words = []
        for token, start_frame, end_frame, prob in raw:
            text = _spoken_word(token)
            if text:
                start = round(offset + start_frame / fps, 3)
                end = round(offset + (end_frame + 1) / fps, 3)  # end_frame is inclusive
                words.append(Word(text=text, start=start, end=end, confidence=round(_posterior(prob), 4)))
        return words


def _spoken_word(token: str) -> str:
    """The dictionary word without its pronunciation variant ("the(2)"); "" for fillers (<sil>, [NOISE], ++UH++)."""
    if not token or token[0] in "<[+":
        return ""
    return re.sub(r"\(\d+\)$", "", token)


def _posterior(value: float) -> float:
    # pocketsphinx 5.x's Segment.prob is the word's lattice posterior already exponentiated (measured on
    # 5.1.1: 0.03-0.97 for words, 1.0 for <s>); the clamp guards rounding, not a log scale.
    return min(1.0, max(0.0, float(value)))


class FasterWhisperBackend:
    """faster-whisper (CTranslate2 Whisper) from a local model folder, int8 on CPU."""

    name = "faster-whisper"

    def __init__(self, config: AsrConfig) -> None:
        self.model = config.model_label
        self.confidence: Confidence = _whisper_size_confidence(config.model)
        self._language = _language_code(config.language)
        problems = []
        try:
            import faster_whisper
        except ImportError:
            faster_whisper = None
            problems.append("the faster-whisper package is not installed")
        folder = Path(config.model).expanduser() if config.model else None
        if folder is None:
            problems.append("no model folder configured (AsrConfig.model must be a local CTranslate2 Whisper folder)")
        elif not folder.is_dir():
            problems.append(f"model folder {folder} does not exist")
        else:
            missing = [f for f in _FASTER_WHISPER_FILES if not (folder / f).is_file()]
            if missing:
                problems.append(f"model folder {folder} lacks {', '.join(missing)}")
        if problems or faster_whisper is None or folder is None:
            raise AsrUnavailable("; ".join(problems))
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a belt to the local-folder braces: no hub calls
        self._model = faster_whisper.WhisperModel(
            str(folder), device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 2, local_files_only=True
        )
        self._lock = threading.Lock()

    def transcribe(self, wav_path: Path, speech: Sequence[Span]) -> list[TranscriptSegment]:
        total = wav_seconds(wav_path)
        clips = [t for span in pad_spans(speech, SPAN_PADDING_S, total) for t in (span.start, span.end)]
        if not clips:
            return []
        with self._lock:
            try:
                found, _info = self._model.transcribe(
                    str(wav_path),
                    language=self._language,
                    word_timestamps=True,
                    vad_filter=False,  # the caller's VAD already chose the clips
                    clip_timestamps=clips,
                    condition_on_previous_text=False,  # keeps one bad window from looping into the next
                )
                raw = list(found)
            except (RuntimeError, ValueError, OSError) as exc:
                raise AsrFailed(f"faster-whisper could not transcribe {wav_path}: {exc}") from None
        segments = []
        for seg in raw:
            words = tuple(
                Word(text=w.word.strip(), start=max(0.0, w.start), end=max(0.0, w.end), confidence=_unit(w.probability))
                for w in (seg.words or ())
                if w.word.strip()
            )
            text = seg.text.strip()
            if text or words:
                segments.append(
                    TranscriptSegment(
                        start=max(0.0, seg.start),
                        end=max(0.0, seg.end),
                        text=text,
                        confidence=_unit(math.exp(seg.avg_logprob)),
                        words=words,
                    )
                )
        return segments


class OpenAIBackend:
    """The OpenAI transcription API (verbose_json with word and segment timestamps) or a compatible endpoint.

    The whole wav is uploaded: the API takes no list of clips, so the speech spans only gate the call.
    """

    name = "openai"
    confidence: Confidence = "high"

    def __init__(self, config: AsrConfig) -> None:
        self.model = config.model_label
        self._config = config
        try:
            import openai  # noqa: F401
        except ImportError:
            raise AsrUnavailable("the openai package is not installed") from None
        _openai_key()

    def transcribe(self, wav_path: Path, speech: Sequence[Span]) -> list[TranscriptSegment]:
        import openai

        key = _openai_key()  # read per call: a rotated key takes effect without a restart
        cfg = self._config
        where = display_url(cfg.openai_base_url) if cfg.openai_base_url else "the OpenAI API"
        size = wav_path.stat().st_size
        if size > OPENAI_MAX_UPLOAD_BYTES:
            raise AsrFailed(f"{wav_path} is {size / 2**20:.1f} MiB, over the {OPENAI_MAX_UPLOAD_BYTES / 2**20:.0f} MiB upload limit")
        deadline = time.monotonic() + cfg.timeout_s
        failures: list[str] = []
        # Our own retry loop (the client's is off): the client retries every 429, but a 429 with code
        # insufficient_quota never clears by waiting.
        with openai.OpenAI(api_key=key, base_url=cfg.openai_base_url, timeout=cfg.timeout_s, max_retries=0) as client:
            for attempt in range(OPENAI_MAX_RETRIES + 1):
                try:
                    with wav_path.open("rb") as audio:
                        response = client.audio.transcriptions.create(
                            model=self.model,
                            file=audio,
                            response_format="verbose_json",
                            timestamp_granularities=["word", "segment"],
                            language=_language_code(cfg.language),
                        )
                    return verbose_json_segments(_as_dict(response))
                except openai.APIStatusError as exc:
                    failures.append(_retryable_status(exc, where=where, model=self.model, key=key))
                except openai.APIConnectionError as exc:  # includes timeouts
                    failures.append(type(exc).__name__)
                except openai.APIError as exc:  # e.g. a body that is not verbose_json
                    raise AsrFailed(f"{where}: {type(exc).__name__}: {_scrub(api_message(exc), key)}") from None
                if attempt < OPENAI_MAX_RETRIES:
                    delay = OPENAI_RETRY_DELAYS_S[min(attempt, len(OPENAI_RETRY_DELAYS_S) - 1)]
                    if time.monotonic() + delay >= deadline:
                        break
                    time.sleep(delay)
        raise AsrFailed(f"{where} failed after {len(failures)} attempt(s): {', '.join(failures)}")


def _retryable_status(exc: Any, *, where: str, model: str, key: str) -> str:
    """"HTTP nnn" for an error worth retrying; raises AsrUnavailable / AsrFailed for the others.

    Chained exceptions are dropped (`from None`): the client's error holds the request, headers and all.
    """
    status = exc.status_code
    if status == 429 and exc.code == "insufficient_quota":
        raise AsrUnavailable(f"{where} refused: quota exhausted (429 insufficient_quota)") from None
    if status in (401, 403):
        raise AsrUnavailable(f"{where} rejected the API key (HTTP {status})") from None
    if status == 404:
        raise AsrUnavailable(f"{where} has no model {model!r} or no transcription endpoint (HTTP 404)") from None
    if status in (408, 409, 429) or status >= 500:
        return f"HTTP {status}"
    raise AsrFailed(f"{where} answered HTTP {status}: {_scrub(api_message(exc), key)}") from None


def _language_code(language: str) -> str:
    """ISO 639-1, as Whisper and the API take it: "en-US" -> "en"."""
    return language.replace("_", "-").split("-")[0].strip().lower()


def _openai_key() -> str:
    key = os.environ.get("OPENAI_API_KEY", "").strip()
    if not key:
        raise AsrUnavailable("OPENAI_API_KEY is not set")
    return key




def _as_dict(response: Any) -> dict[str, Any]:
    if isinstance(response, dict):
        return response
    if hasattr(response, "model_dump"):
        return response.model_dump(warnings=False)  # a malformed body is reported below, not warned about
    raise AsrFailed(f"unexpected transcription response of type {type(response).__name__}")


def verbose_json_segments(body: dict[str, Any]) -> list[TranscriptSegment]:
    """Segments with their words from a verbose_json body; the API lists words apart from segments."""
    try:
        raw_segments = sorted(body.get("segments") or [], key=lambda s: float(s["start"]))
        raw_words = sorted(body.get("words") or [], key=lambda w: float(w["start"]))
        words = [
            Word(text=str(w["word"]).strip(), start=max(0.0, float(w["start"])), end=max(0.0, float(w["end"])))
            for w in raw_words
            if str(w.get("word", "")).strip()
        ]
        if not raw_segments:
            text = str(body.get("text") or "").strip()
            if not text and not words:
                return []
            start = words[0].start if words else 0.0
            end = words[-1].end if words else max(0.0, float(body.get("duration") or 0.0))
            return [TranscriptSegment(start=start, end=end, text=text or " ".join(w.text for w in words), words=tuple(words))]
        bounds = [(max(0.0, float(s["start"])), max(0.0, float(s["end"]))) for s in raw_segments]
        confidences = [_unit(math.exp(float(s["avg_logprob"]))) if s.get("avg_logprob") is not None else None for s in raw_segments]
        texts = [str(s.get("text") or "").strip() for s in raw_segments]
    except (KeyError, TypeError, ValueError) as exc:
        raise AsrFailed(f"malformed verbose_json transcription: {type(exc).__name__} {exc}") from None
    owned: list[list[Word]] = [[] for _ in raw_segments]
    for word in words:
        owned[_owning_segment(word, bounds)].append(word)
    return [
        TranscriptSegment(start=start, end=max(start, end), text=text, confidence=conf, words=tuple(ws))
        for (start, end), conf, text, ws in zip(bounds, confidences, texts, owned)
        if text or ws
    ]


def _owning_segment(word: Word, bounds: list[tuple[float, float]]) -> int:
    """The segment whose time holds the word's midpoint, else the nearest one."""
    mid = (word.start + word.end) / 2

    def distance(i: int) -> float:
        start, end = bounds[i]
        return 0.0 if start <= mid <= end else min(abs(mid - start), abs(mid - end))

    return min(range(len(bounds)), key=distance)


# --- spans, audio and post-processing ------------------------------------------------------------------


def normalise_spans(speech: Iterable[Span], analysed_seconds: float) -> list[Span]:
    """Sorted, merged spans inside [0, analysed_seconds]; empty ones dropped."""
    clipped = sorted(
        (min(s.start, analysed_seconds), min(s.end, analysed_seconds)) for s in speech if min(s.end, analysed_seconds) > s.start
    )
    merged: list[list[float]] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [Span(start=round(a, 3), end=round(b, 3)) for a, b in merged]


def pad_spans(speech: Sequence[Span], padding: float, total_seconds: float) -> list[Span]:
    """Spans widened by padding on each side, within the audio, merged where they now touch."""
    widened = [Span(start=max(0.0, s.start - padding), end=min(total_seconds, s.end + padding)) for s in speech]
    return normalise_spans([s for s in widened if s.end > s.start], total_seconds)


def read_pcm16_mono(wav_path: Path) -> bytes:
    """The raw little-endian 16-bit samples of a 16 kHz mono wav; ValueError naming the file otherwise."""
    try:
        with wave.open(str(wav_path), "rb") as w:
            channels, width, rate, frames = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            if (channels, width, rate) != (1, 2, SAMPLE_RATE):
                raise ValueError(
                    f"ASR input {wav_path} must be 16 kHz mono 16-bit PCM, got {rate} Hz, {channels} channel(s), {8 * width}-bit"
                )
            return w.readframes(frames)
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"ASR input {wav_path} is not a readable PCM wav: {exc}") from None


def wav_seconds(wav_path: Path) -> float:
    try:
        with wave.open(str(wav_path), "rb") as w:
            return w.getnframes() / w.getframerate()
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"ASR input {wav_path} is not a readable PCM wav: {exc}") from None


def _dbfs(rms: float) -> float:
    return 20 * math.log10(rms / 32768) if rms > 0 else -math.inf


def _unit(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(min(1.0, max(0.0, value)), 4)


def clamp_segments(segments: Iterable[TranscriptSegment], analysed_seconds: float) -> list[TranscriptSegment]:
    """Times inside [0, analysed_seconds] with end >= start, segments in time order."""

    def clamp(start: float, end: float) -> tuple[float, float]:
        start = min(max(0.0, start), analysed_seconds)
        return round(start, 3), round(min(max(start, end), analysed_seconds), 3)

    out = []
    for seg in sorted(segments, key=lambda s: s.start):
        words = tuple(w.model_copy(update=dict(zip(("start", "end"), clamp(w.start, w.end)))) for w in seg.words)
        start, end = clamp(seg.start, seg.end)
        out.append(seg.model_copy(update={"start": start, "end": end, "words": words}))
    return out


# Spoken digits, so that a number read out ("five five five one two three four") is caught like "5551234".
_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_EDGE_PUNCT = re.compile(r"^(\W*)(.*?)(\W*)$")


def redact_tokens(tokens: Sequence[str], *, one_per_token: bool = False) -> tuple[list[str], int]:
    """Tokens with PII replaced; redact_pii runs on the joined tokens, spoken digits read as digits.

    one_per_token keeps the token count, so each word keeps its place and timestamps: every token of a
    redacted stretch becomes the placeholder ("555 123 4567." -> "[phone] [phone] [phone]."). Without
    it a stretch collapses to what redact_pii wrote ("[phone].").
    """
    digit_view = [_as_digit(t) for t in tokens]
    redacted = redact_pii(" ".join(digit_view))
    if not redacted.redactions:
        return list(tokens), 0
    new = redacted.text.split(" ")
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, digit_view, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(tokens[i1:i2])
        elif not one_per_token or i2 - i1 == j2 - j1:
            out.extend(new[j1:j2])
        elif i2 > i1:
            out.extend(_spread(" ".join(new[j1:j2]) or "[redacted]", i2 - i1))
    return out, redacted.redactions


def _spread(replacement: str, count: int) -> list[str]:
    """One replacement over count tokens: punctuation before it on the first, after it on the last."""
    if count == 1:
        return [replacement]
    core = replacement.strip(_TOKEN_PUNCT)
    return [replacement.rstrip(_TOKEN_PUNCT), *[core] * (count - 2), replacement.lstrip(_TOKEN_PUNCT)]


_TOKEN_PUNCT = ".,;:!?\"'()"


def _as_digit(token: str) -> str:
    lead, core, trail = _EDGE_PUNCT.match(token).groups()  # type: ignore[union-attr]
    digit = _DIGIT_WORDS.get(core.lower())
    return f"{lead}{digit}{trail}" if digit else token


def redact_segments(segments: Iterable[TranscriptSegment]) -> tuple[list[TranscriptSegment], int]:
    """PII out of every segment's text and words; returns the segments and the number of redactions."""
    out, total = [], 0
    for seg in segments:
        text_tokens, in_text = redact_tokens(seg.text.split())
        word_tokens = ["".join(w.text.split()) for w in seg.words]
        new_words, in_words = redact_tokens(word_tokens, one_per_token=True)
        words = tuple(w if new == old else w.model_copy(update={"text": new}) for w, old, new in zip(seg.words, word_tokens, new_words))
        # Text and words usually hold the same PII; count it once, but never miss what only one shows.
        total += max(in_text, in_words)
        text = " ".join(text_tokens) if in_text else seg.text
        out.append(seg.model_copy(update={"text": text, "words": words}))
    return out, total


# --- evaluation -----------------------------------------------------------------------------------------


def normalise_words(text: str) -> list[str]:
    """Lower case, punctuation and hyphens as spaces, apostrophes inside words kept ("don't")."""
    spaced = re.sub(r"[^\w\s']|_", " ", text.lower())
    return [w.strip("'") for w in spaced.split() if w.strip("'")]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, after normalise_words.

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise (WER is undefined there).
    """
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)


# --- secrets ----------------------------------------------------------------------------------------------


_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_*\-]{4,}")


def _scrub(text: str, key: str) -> str:
    """Server messages can echo the key (OpenAI's 401 shows a masked one); keep neither."""
    return _KEY_LIKE.sub("sk-***", text.replace(key, "***"))[:300]
