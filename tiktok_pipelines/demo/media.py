"""Real media for the demo world's videos, with the ground truth kept beside each file.

Every demo video gets an mp4 made by one ffmpeg run: lavfi pattern sources cut hard into shots,
drawtext overlays, and a soundtrack mixed here from espeak-ng speech and a synthetic beat bed. The
truth (`<name>.truth.json`) is what the extraction stages are scored against, so it is measured
from what was rendered (voiced speech spans, text boxes), never restated from wishes:

- cuts land on frame boundaries, and neighbouring shots alternate between a dark and a bright look
  so a content detector has a real change to find; motion inside a shot is slow (no flashes);
- every background is capped below white (luma <= 185 of 235) and overlays are pure white with a
  black outline or box, so OCR on a binarized frame sees only the text;
- overlays are single lines centred in the part of the frame left of TikTok's button column.

No Dagster here; the demo assets call `generate_clips` and read the truth files.
"""

from __future__ import annotations

import colorsys
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import textwrap
import threading
import wave
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from tiktok_pipelines.demo.world import RISKY_CLAIMS
from tiktok_pipelines.lib.pools import map_in_threads

if TYPE_CHECKING:
    from tiktok_pipelines.demo.world import DemoVideo

# Bump when the rendering changes, so cached clips made by an older generator are made again.
GENERATOR_VERSION = 1

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
ESPEAK_VOICE = "en-us"
ESPEAK_WPM = 160
AUDIO_RATE = 22050  # the mix is made at espeak's own rate; ffmpeg resamples to 44.1 kHz for AAC

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_BG_LUMA_MAX = 185  # of 235 (limited range): about 197 of 255 after decoding, under a 215 binarization
_CTA_TAIL_S = 2.5


@dataclass(frozen=True)
class SafeZone:
    """TikTok's UI covers these margins of a 1080x1920 frame (caption/buttons): text there is hidden."""

    top: float = 150 / 1920
    bottom: float = 440 / 1920
    right: float = 150 / 1080

    def contains(self, box: dict[str, float]) -> bool:
        eps = 1e-9
        return (
            box["x"] >= -eps
            and box["y"] >= self.top - eps
            and box["x"] + box["w"] <= 1 - self.right + eps
            and box["y"] + box["h"] <= 1 - self.bottom + eps
        )


SAFE_ZONE = SafeZone()
# Overlays are centred on the safe width: that is where creators put text TikTok does not cover.
_TEXT_CENTRE_X = (1 - SAFE_ZONE.right) / 2


# --- the spec ----------------------------------------------------------------------------------


OverlayStyle = Literal["outline", "box"]


@dataclass(frozen=True)
class Overlay:
    text: str
    start: float
    end: float
    y: float  # centre of the text as a fraction of the frame height
    style: OverlayStyle = "outline"
    size: float = 0.045  # font height / frame height

    def problems(self, duration: float) -> list[str]:
        found = []
        if not self.text.strip() or "\n" in self.text or "\r" in self.text:
            found.append(f"overlay text {self.text!r} must be one non-empty line (use one Overlay per line)")
        if not 0 <= self.start < self.end <= duration + 1e-9:
            found.append(f"overlay {self.text!r} spans {self.start}-{self.end} s, outside 0-{duration} s or empty")
        if not 0 < self.y < 1:
            found.append(f"overlay {self.text!r} has y={self.y}; it must be a fraction of the height in (0, 1)")
        if self.style not in ("outline", "box"):
            found.append(f"overlay {self.text!r} has style {self.style!r}; expected 'outline' or 'box'")
        if not 0.005 <= self.size <= 0.3:
            found.append(f"overlay {self.text!r} has size {self.size}; expected 0.005-0.3 of the frame height")
        return found


@dataclass(frozen=True)
class SpeechLine:
    text: str
    start: float  # when espeak's wav starts; the voiced span (in the truth) begins a little later


@dataclass(frozen=True)
class ClipSpec:
    name: str
    duration: float
    width: int
    height: int
    fps: int = 30
    cuts: tuple[float, ...] = ()  # hard cuts; each is the first frame of a new shot, on a frame boundary
    overlays: tuple[Overlay, ...] = ()
    speech: tuple[SpeechLine, ...] = ()  # espeak-ng voice, non-overlapping
    music_bpm: float | None = None  # a synthetic beat bed (kick on every beat + tonal pad) over the whole clip
    audio: bool = True  # False -> the file has NO audio stream at all

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise ValueError(f"clip spec {self.name!r}: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        found: list[str] = []
        if not _NAME_RE.fullmatch(self.name):
            found.append("name must be 1-128 characters of letters, digits, '.', '_' or '-' (it is a file name)")
        if self.fps <= 0 or self.fps > 120:
            found.append(f"fps {self.fps} is outside 1-120")
        if not 0 < self.duration <= 3600:
            found.append(f"duration {self.duration} s is outside (0, 3600]")
        elif self.fps > 0 and abs(self.duration * self.fps - round(self.duration * self.fps)) > 1e-6:
            found.append(f"duration {self.duration} s is not a whole number of frames at {self.fps} fps")
        for side, value in (("width", self.width), ("height", self.height)):
            if value < 16 or value > 4096 or value % 2:
                found.append(f"{side} {value} must be an even number of pixels in 16-4096 (yuv420p)")
        if found:
            return found
        frames = [round(t * self.fps) for t in self.cuts]
        for t, frame in zip(self.cuts, frames, strict=True):
            if abs(t * self.fps - frame) > 1e-3:
                found.append(f"cut at {t} s is not on a frame boundary at {self.fps} fps")
        if frames != sorted(set(frames)) or (frames and (frames[0] < 1 or frames[-1] >= self.n_frames)):
            found.append("cuts must be strictly increasing and inside the clip (not at 0 s or at the end)")
        for overlay in self.overlays:
            found.extend(overlay.problems(self.duration))
        starts = [line.start for line in self.speech]
        if starts != sorted(starts):
            found.append("speech lines must be in time order")
        for line in self.speech:
            if not line.text.strip() or not 0 <= line.start < self.duration:
                found.append(f"speech line {line.text!r} at {line.start} s is empty or outside the clip")
        if self.music_bpm is not None and not 30 <= self.music_bpm <= 300:
            found.append(f"music_bpm {self.music_bpm} is outside 30-300")
        if not self.audio and (self.speech or self.music_bpm is not None):
            found.append("audio=False (no audio stream) cannot carry speech or music")
        return found

    @property
    def n_frames(self) -> int:
        return round(self.duration * self.fps)

    def spec_hash(self) -> str:
        payload = json.dumps({"v": GENERATOR_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class GeneratedClip:
    spec: ClipSpec
    path: Path
    truth_path: Path
    truth: dict = field(compare=False)


# --- words and text geometry --------------------------------------------------------------------


def normalize_words(text: str) -> list[str]:
    """Upper-cased words with punctuation stripped ("2-minute" -> "2MINUTE", "POV:" -> "POV"). Apply
    the same to OCR output before comparing it with a truth file's `overlay_words`."""
    words = (re.sub(r"[^\w]", "", token.upper()) for token in text.split())
    return [word for word in words if word]


def ocr_instants(duration: float) -> list[float]:
    """The frames the keyframe stage reads text from: 0, 1, 2, 3, 5 s, 10/25/50/75 % and duration - 1 s."""
    fixed = [0.0, 1.0, 2.0, 3.0, 5.0]
    relative = [duration * share for share in (0.10, 0.25, 0.50, 0.75)]
    instants = {round(t, 3) for t in fixed + relative + [duration - 1.0] if 0 <= t < duration}
    return sorted(instants)


_FONT_LOCK = threading.Lock()  # generate_clips measures text from several threads


@lru_cache(maxsize=64)
def _font(px: int) -> Any:
    from PIL import ImageFont

    if not FONT_PATH.is_file():
        raise FileNotFoundError(f"{FONT_PATH}: the DejaVu Sans Bold font is missing (Debian: fonts-dejavu-core)")
    return ImageFont.truetype(str(FONT_PATH), px)


def _text_extent_px(text: str, px: int) -> tuple[float, float]:
    """(width, ink height) of one line at `px` pixels per em, as freetype (and so drawtext) lays it out."""
    with _FONT_LOCK:
        left, top, right, bottom = _font(px).getbbox(text)
    return float(right - left), float(bottom - top)


def _fit_size(text: str, wanted: float, width: int, height: int, max_share: float = 0.84) -> float:
    """The largest font size (<= wanted, as a fraction of height) at which `text` fits in
    `max_share` of the safe width."""
    ref_px = 200
    text_w, _ = _text_extent_px(text, ref_px)
    limit_px = max_share * (1 - SAFE_ZONE.right) * width
    fit = limit_px / text_w * ref_px / height
    return round(min(wanted, fit), 4)


def _wrap(text: str, max_chars: int = 22) -> list[str]:
    """Greedy wrap at `max_chars`, then narrowed while the line count holds, so lines are balanced."""
    # never split "2-minute" across lines: the truth's words must be what a reader sees
    lines = textwrap.wrap(text, max_chars, break_long_words=False, break_on_hyphens=False) or [text]
    width = max_chars
    while width > 8:
        narrower = textwrap.wrap(text, width - 1, break_long_words=False, break_on_hyphens=False)
        if len(narrower) != len(lines):
            break
        lines, width = narrower, width - 1
    return lines


@dataclass(frozen=True)
class _PlacedOverlay:
    overlay: Overlay
    font_px: int
    border_px: int
    pad_px: int
    box: dict[str, float]  # visible element (text + outline/box) as fractions of the frame

    def truth(self) -> dict[str, Any]:
        o = self.overlay
        return {
            "text": o.text,
            "start": o.start,
            "end": o.end,
            "style": o.style,
            "font_px": self.font_px,
            "box": self.box,
            "in_safe_zone": SAFE_ZONE.contains(self.box),
        }


def _place_overlay(overlay: Overlay, width: int, height: int) -> _PlacedOverlay:
    font_px = max(8, round(overlay.size * height))
    text_w, text_h = _text_extent_px(overlay.text, font_px)
    border_px = max(2, round(font_px * 0.08)) if overlay.style == "outline" else 0
    pad_px = round(font_px * 0.3) if overlay.style == "box" else 0
    margin = border_px + pad_px
    if text_w + 2 * margin > width:
        raise ValueError(
            f"overlay {overlay.text!r} is {text_w + 2 * margin:.0f} px wide at size {overlay.size} "
            f"but the frame is {width} px; shorten the line or lower its size"
        )
    left = _TEXT_CENTRE_X * width - text_w / 2 - margin
    left = min(max(left, 0.0), width - text_w - 2 * margin)  # a wide line slides left rather than off-frame
    top = max(0.0, overlay.y * height - text_h / 2 - margin)
    bottom = min(float(height), overlay.y * height + text_h / 2 + margin)
    box = {
        "x": round(left / width, 4),
        "y": round(top / height, 4),
        "w": round((text_w + 2 * margin) / width, 4),
        "h": round((bottom - top) / height, 4),
    }
    return _PlacedOverlay(overlay, font_px, border_px, pad_px, box)


# --- shots ---------------------------------------------------------------------------------------

# Each look renders at a quarter of the frame size or less (cheap to make, and soft like a phone's
# shallow depth of field) and is scaled up once after the cut list. Neighbouring shots alternate between the
# dark and the bright family, which a content detector always sees as a cut; inside a shot things
# only drift (rotation, scroll, zoom, hue), so it never sees a cut there.
_DARK = "dark"
_BRIGHT = "bright"


def _hex(rng: random.Random, low: int, high: int) -> str:
    return "0x" + "".join(f"{rng.randint(low, high):02x}" for _ in range(3))


def _look_life(rng: random.Random, size: str, small: str, fps: int) -> str:
    # the random first generations churn (a detector would see cuts), so skip them; the temporal mix
    # turns each generation step into a short fade
    return (
        f"life=s={small}:r={fps}:seed={rng.randint(1, 10**6)}:ratio=0.3:mold=12:"
        f"life_color={_hex(rng, 120, 200)}:death_color=0x101010:mold_color={_hex(rng, 20, 60)},"
        f"trim=start_frame=20,setpts=PTS-STARTPTS,tmix=frames=4,scale={size}"
    )


def _look_mandelbrot(rng: random.Random, size: str, small: str, fps: int) -> str:
    return (
        f"mandelbrot=s={small}:r={fps}:maxiter=96:start_scale={rng.uniform(2.0, 3.0):.2f}:"
        f"end_scale=0.3:end_pts=600,hue=h={rng.randint(0, 359)},scale={size}"
    )


def _look_dark_gradient(rng: random.Random, size: str, small: str, fps: int) -> str:
    return (
        f"gradients=s={small}:r={fps}:seed={rng.randint(1, 10**6)}:speed={rng.uniform(0.01, 0.02):.3f}:"
        f"n=3:c0={_hex(rng, 0, 70)}:c1={_hex(rng, 20, 110)}:c2={_hex(rng, 0, 60)},scale={size}"
    )


def _look_cellauto(rng: random.Random, size: str, small: str, fps: int) -> str:
    # a scrolling binary texture: low contrast, or every scrolled frame looks like a new shot
    rule = rng.choice((18, 22, 26, 60, 90, 102, 150))
    base = [rng.randint(20, 60) for _ in range(3)]
    gain = [rng.uniform(0.12, 0.25) for _ in range(3)]
    return (
        f"cellauto=s={size}:r={fps}:seed={rng.randint(1, 10**6)}:rule={rule},"
        f"lutrgb=r={base[0]}+val*{gain[0]:.2f}:g={base[1]}+val*{gain[1]:.2f}:b={base[2]}+val*{gain[2]:.2f}"
    )


def _look_testsrc(rng: random.Random, size: str, small: str, fps: int) -> str:
    return f"testsrc2=s={size}:r={fps},hue=h={rng.randint(0, 359)}"


def _look_bars(rng: random.Random, size: str, small: str, fps: int) -> str:
    source = rng.choice(("smptehdbars", "smptebars", "rgbtestsrc", "pal100bars"))
    speed = rng.choice((-1, 1)) * rng.uniform(0.002, 0.004)
    return f"{source}=s={size}:r={fps},scroll=h={speed:.4f}"


def _look_bright_gradient(rng: random.Random, size: str, small: str, fps: int) -> str:
    return (
        f"gradients=s={small}:r={fps}:seed={rng.randint(1, 10**6)}:speed={rng.uniform(0.01, 0.02):.3f}:"
        f"c0={_hex(rng, 150, 255)}:c1={_hex(rng, 110, 230)},scale={size}"
    )


def _look_wash(rng: random.Random, size: str, small: str, fps: int) -> str:
    # a flat colour whose hue sways; it never reaches red, where HSV hue wraps from 179 to 0 and a
    # content detector would see a whole-frame change
    red, green, blue = colorsys.hsv_to_rgb(rng.uniform(50, 290) / 360, rng.uniform(0.35, 0.7), rng.uniform(0.6, 0.9))
    colour = "0x" + "".join(f"{round(c * 255):02x}" for c in (red, green, blue))
    return (
        f"color=c={colour}:s={small}:r={fps},"
        f"hue=H=0.6*sin(2*PI*t/{rng.uniform(8, 20):.1f}):s=1.3,scale={size}"
    )


_LOOKS = {
    _DARK: (_look_life, _look_mandelbrot, _look_dark_gradient, _look_cellauto),
    _BRIGHT: (_look_testsrc, _look_bars, _look_bright_gradient, _look_wash),
}


def _shot_frames(spec: ClipSpec) -> list[int]:
    bounds = [0, *(round(t * spec.fps) for t in spec.cuts), spec.n_frames]
    return [b - a for a, b in itertools.pairwise(bounds)]


def _shot_chains(spec: ClipSpec, rng: random.Random) -> tuple[list[str], list[str]]:
    """One filter chain per shot, and the look each one uses (kept in the truth for debugging)."""
    rw, rh = (max(16, (side // 4) // 2 * 2) for side in (spec.width, spec.height))
    size = f"{rw}x{rh}"
    small = f"{max(8, rw // 2 // 2 * 2)}x{max(8, rh // 2 // 2 * 2)}"  # smooth looks: an eighth
    family = rng.choice((_DARK, _BRIGHT))
    last_used: dict[str, Any] = {}
    chains, names = [], []
    for i, frames in enumerate(_shot_frames(spec)):
        look = rng.choice([look for look in _LOOKS[family] if look is not last_used.get(family)])
        chains.append(
            f"{look(rng, size, small, spec.fps)},format=yuv420p,setsar=1,"
            f"trim=end_frame={frames},setpts=PTS-STARTPTS[s{i}]"
        )
        names.append(look.__name__.removeprefix("_look_"))
        last_used[family] = look
        family = _BRIGHT if family == _DARK else _DARK
    return chains, names


def _escape_filter_value(value: str) -> str:
    # a filter option value inside a filtergraph: escape the option level, then the graph level
    value = value.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
    return value.replace("\\", "\\\\").replace("'", "\\'").replace("[", "\\[").replace("]", "\\]").replace(
        ",", "\\,").replace(";", "\\;")


def _drawtext(placed: _PlacedOverlay, textfile: Path, width: int, height: int) -> str:
    o = placed.overlay
    style = (
        f"borderw={placed.border_px}:bordercolor=black"
        if o.style == "outline"
        else f"box=1:boxcolor=black@0.62:boxborderw={placed.pad_px}"
    )
    margin = placed.border_px + placed.pad_px  # the same clamping as _place_overlay, so the truth box fits
    x = f"max({margin}\\,min({_TEXT_CENTRE_X * width:.1f}-text_w/2\\,{width}-text_w-{margin}))"
    y = f"{o.y * height:.1f}-text_h/2"
    return (
        f"drawtext=fontfile={_escape_filter_value(str(FONT_PATH))}:textfile={_escape_filter_value(str(textfile))}:"
        f"expansion=none:fontsize={placed.font_px}:fontcolor=white:{style}:x={x}:y={y}:"
        f"enable='between(t\\,{o.start:.3f}\\,{o.end:.3f})'"
    )


def _filter_graph(spec: ClipSpec, placed: Sequence[_PlacedOverlay], textfiles: Sequence[Path],
                  rng: random.Random) -> tuple[str, list[str]]:
    chains, looks = _shot_chains(spec, rng)
    inputs = "".join(f"[s{i}]" for i in range(len(chains)))
    tail = [
        f"{inputs}concat=n={len(chains)}:v=1:a=0",
        f"lutyuv=y='clip(val\\,16\\,{_BG_LUMA_MAX})'",
        f"scale={spec.width}:{spec.height}:flags=bilinear",
        *(_drawtext(p, f, spec.width, spec.height) for p, f in zip(placed, textfiles, strict=True)),
        "format=yuv420p[v]",
    ]
    return ";\n".join([*chains, ",\n".join(tail)]), looks


# --- sound ----------------------------------------------------------------------------------------


def _espeak(text: str, workdir: Path, index: int, timeout_s: float) -> np.ndarray:
    """espeak-ng's rendering of one line as float32 samples at AUDIO_RATE."""
    if shutil.which("espeak-ng") is None:
        raise FileNotFoundError("espeak-ng is not installed (Debian: espeak-ng); it voices the demo clips")
    text_path = workdir / f"line{index}.txt"
    wav_path = workdir / f"line{index}.wav"
    text_path.write_text(text + "\n", encoding="utf-8")
    proc = subprocess.run(
        ["espeak-ng", "-v", ESPEAK_VOICE, "-s", str(ESPEAK_WPM), "-f", str(text_path), "-w", str(wav_path)],
        capture_output=True, text=True, timeout=timeout_s, check=False,
    )
    if proc.returncode != 0 or not wav_path.is_file():
        raise RuntimeError(f"espeak-ng failed on {text!r}: {proc.stderr.strip()[-300:]}")
    with wave.open(str(wav_path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise RuntimeError(f"espeak-ng wrote an unexpected wav for {text!r} (want 16-bit mono)")
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    if rate != AUDIO_RATE:
        positions = np.arange(0, len(samples) * AUDIO_RATE / rate) * rate / AUDIO_RATE
        samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
    return samples


def _voiced_span(samples: np.ndarray) -> tuple[int, int]:
    """[first, last) sample of the voice: espeak pads a line with silence, the truth must not count it."""
    peak = float(np.abs(samples).max()) if len(samples) else 0.0
    loud = np.flatnonzero(np.abs(samples) > 0.02 * peak) if peak > 0 else np.array([], dtype=int)
    if len(loud) == 0:
        return 0, 0
    return int(loud[0]), int(loud[-1]) + 1


def _beat_bed(bpm: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """A kick on every beat, a short hat on the beat and a pad that changes chord every bar."""
    sr = AUDIO_RATE
    t = np.arange(n) / sr
    period = 60.0 / bpm
    since_beat = np.mod(t, period)
    # kick: a pitch drop 150 -> 50 Hz with a fast decay; the phase integral keeps the sweep click-free
    phase = 2 * np.pi * (50 * since_beat + 100 * 0.03 * (1 - np.exp(-since_beat / 0.03)))
    kick = np.sin(phase) * np.exp(-since_beat / 0.12)
    hat = rng.standard_normal(n).astype(np.float64)
    hat = np.diff(hat, prepend=0.0) * np.exp(-since_beat / 0.012) * 0.25
    bar = np.floor(t / (4 * period)).astype(int)
    chords = np.array([[220.0, 261.63, 329.63], [174.61, 220.0, 261.63], [196.0, 246.94, 293.66],
                       [164.81, 196.0, 246.94]])
    freqs = chords[bar % len(chords)]
    since_bar = np.mod(t, 4 * period)
    envelope = np.minimum(1.0, since_bar / 0.08) * (0.8 + 0.2 * np.cos(2 * np.pi * t / (2 * period)))
    pad = np.sin(2 * np.pi * freqs * t[:, None]).sum(axis=1) / 3 * envelope
    bed = 0.7 * kick + hat + 0.22 * pad
    return (bed / max(1e-9, float(np.abs(bed).max()))).astype(np.float32)


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0


def _render_audio(spec: ClipSpec, workdir: Path, seed: int, timeout_s: float) -> tuple[Path, list[dict]]:
    """The clip's soundtrack as a wav, and the voiced span of every speech line (clip seconds)."""
    n = spec.n_frames * AUDIO_RATE // spec.fps
    voice = np.zeros(n, dtype=np.float32)
    spans: list[dict] = []
    for i, line in enumerate(spec.speech):
        samples = _espeak(line.text, workdir, i, timeout_s)
        first, last = _voiced_span(samples)
        if last <= first:
            raise ValueError(f"clip spec {spec.name!r}: espeak-ng produced no sound for {line.text!r}")
        at = round(line.start * AUDIO_RATE)
        start, end = (at + first) / AUDIO_RATE, (at + last) / AUDIO_RATE
        if end > spec.duration:
            raise ValueError(
                f"clip spec {spec.name!r}: speech {line.text!r} runs to {end:.2f} s, past the clip's "
                f"{spec.duration} s; start it earlier or shorten it"
            )
        if spans and start < spans[-1]["end"]:
            raise ValueError(
                f"clip spec {spec.name!r}: speech {line.text!r} starts at {start:.2f} s, while "
                f"{spans[-1]['text']!r} is still speaking until {spans[-1]['end']:.2f} s"
            )
        piece = samples[: n - at]
        voice[at : at + len(piece)] += piece
        spans.append({"text": line.text, "start": round(start, 3), "end": round(end, 3)})
    mix = voice / max(1e-9, float(np.abs(voice).max())) * 0.7 if spans else voice
    if spec.music_bpm is not None:
        bed = _beat_bed(spec.music_bpm, n, np.random.default_rng(seed))
        # under a voice the bed sits ~12 dB below it (a typical voice-over mix); alone it is louder
        target = _rms(mix[mix != 0]) * 0.25 if spans else 0.12
        mix = mix + bed * (target / max(1e-9, _rms(bed)))
    peak = float(np.abs(mix).max()) if n else 0.0
    if peak > 0.89:
        mix = mix * (0.89 / peak)
    path = workdir / "mix.wav"
    pcm = np.clip(np.round(mix * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(AUDIO_RATE)
        wav.writeframes(pcm.tobytes())
    return path, spans


# --- generation --------------------------------------------------------------------------------


def _truth_path(out_dir: Path, name: str) -> Path:
    return out_dir / f"{name}.truth.json"


def _read_truth(path: Path) -> dict | None:
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return truth if isinstance(truth, dict) else None


def _truth(spec: ClipSpec, placed: Sequence[_PlacedOverlay], speech: list[dict], looks: list[str]) -> dict:
    speech_seconds = round(sum(s["end"] - s["start"] for s in speech), 3)
    words: list[str] = []
    for p in placed:
        words.extend(w for w in normalize_words(p.overlay.text) if w not in words)
    return {
        "name": spec.name,
        "duration": spec.duration,
        "width": spec.width,
        "height": spec.height,
        "fps": spec.fps,
        "n_frames": spec.n_frames,
        "cuts": [{"t": round(t * spec.fps) / spec.fps, "frame": round(t * spec.fps)} for t in spec.cuts],
        "overlays": [p.truth() for p in placed],
        "overlay_words": words,
        "speech": speech,
        "speech_seconds": speech_seconds,
        "speech_ratio": round(speech_seconds / spec.duration, 4),
        "music_bpm": spec.music_bpm,
        "has_audio": spec.audio,
        "shots": looks,
        "safe_zone": asdict(SAFE_ZONE),
        "spec_hash": spec.spec_hash(),
        "generator_version": GENERATOR_VERSION,
    }


def _encode(spec: ClipSpec, graph_path: Path, audio_path: Path | None, out_path: Path, timeout_s: float) -> None:
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-filter_complex_script", str(graph_path)]
    if audio_path is not None:
        cmd += ["-i", str(audio_path)]
    cmd += ["-map", "[v]"]
    if audio_path is not None:
        cmd += ["-map", "0:a", "-c:a", "aac", "-b:a", "128k", "-ar", "44100", "-ac", "1", "-aac_coder", "fast"]
    cmd += [
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "28", "-g", str(2 * spec.fps),
        "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", str(out_path),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"ffmpeg did not finish {spec.name}.mp4 within {timeout_s:.0f} s") from None
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed to make {spec.name}.mp4: {proc.stderr.strip()[-800:]}")


def generate_clip(spec: ClipSpec, out_dir: Path, *, timeout_s: float = 300) -> GeneratedClip:
    """Make `<name>.mp4` and `<name>.truth.json` in out_dir. Does nothing when both exist for this
    exact spec; otherwise writes temporary files and renames them, so a crash leaves no half file."""
    out_dir = Path(out_dir)
    path, truth_path = out_dir / f"{spec.name}.mp4", _truth_path(out_dir, spec.name)
    spec_hash = spec.spec_hash()
    existing = _read_truth(truth_path)
    if existing and existing.get("spec_hash") == spec_hash and path.is_file() and path.stat().st_size > 0:
        return GeneratedClip(spec, path, truth_path, existing)
    if shutil.which("ffmpeg") is None:
        raise FileNotFoundError("ffmpeg is not installed; it renders the demo clips")

    out_dir.mkdir(parents=True, exist_ok=True)
    placed = [_place_overlay(o, spec.width, spec.height) for o in spec.overlays]
    seed = int(spec_hash, 16)
    tag = f"{os.getpid()}.{threading.get_ident()}"
    tmp_mp4 = out_dir / f".{spec.name}.mp4.{tag}.tmp"
    tmp_truth = out_dir / f".{spec.name}.truth.json.{tag}.tmp"
    try:
        with tempfile.TemporaryDirectory(prefix=f"clip-{spec.name}-") as tmp:
            workdir = Path(tmp)
            textfiles = []
            for i, p in enumerate(placed):
                textfile = workdir / f"overlay{i}.txt"
                textfile.write_text(p.overlay.text, encoding="utf-8")  # no newline: drawtext would draw it
                textfiles.append(textfile)
            graph, looks = _filter_graph(spec, placed, textfiles, random.Random(seed))
            graph_path = workdir / "graph.txt"
            graph_path.write_text(graph, encoding="utf-8")
            audio_path, speech = _render_audio(spec, workdir, seed, timeout_s) if spec.audio else (None, [])
            _encode(spec, graph_path, audio_path, tmp_mp4, timeout_s)
        truth = _truth(spec, placed, speech, looks)
        tmp_truth.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
        # the old truth goes first: an mp4 must never sit beside a truth file that matches another spec
        truth_path.unlink(missing_ok=True)
        os.replace(tmp_mp4, path)
        os.replace(tmp_truth, truth_path)
    finally:
        tmp_mp4.unlink(missing_ok=True)
        tmp_truth.unlink(missing_ok=True)
    return GeneratedClip(spec, path, truth_path, truth)


def generate_clips(specs: Iterable[ClipSpec], out_dir: Path, *, workers: int = 2) -> list[GeneratedClip]:
    """generate_clip for each spec, at most `workers` at once; results in the order of `specs`."""
    specs = list(specs)
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"two clip specs would write the same file: {', '.join(duplicates)}")
    return map_in_threads(lambda spec: generate_clip(spec, out_dir), specs, workers=workers, name="demo-media")


# --- specs for the demo world --------------------------------------------------------------------

_TIPS: tuple[str, ...] = (
    "2 DROPS ON YOUR PART",
    "MASSAGE 60 SECONDS",
    "NO GREASY ROOTS",
    "PEPTIDES FEED FOLLICLES",
    "EVERY NIGHT BEFORE BED",
    "SKIP THE HEAVY OILS",
    "HORMONE FREE FORMULA",
    "WEEK 4 RESULTS",
    "LESS SHEDDING ALREADY",
    "APPLY ON A DRY SCALP",
    "CONSISTENCY WINS",
    "GENTLE ON THIN EDGES",
)
_BODY_LINES: tuple[str, ...] = (
    "I put three drops right on my part line.",
    "Then I massage my scalp for about a minute.",
    "Peptides help support the hair follicle.",
    "No minoxidil and no hormones, just peptides.",
    "It soaks in fast and my roots stay clean.",
    "I use it every single night before bed.",
    "My shedding slowed down after a few weeks.",
    "Consistency matters more than any product.",
    "Here is what my part line looks like now.",
    "Do not skip the scalp massage.",
)
_END_CARDS: tuple[tuple[str, str], ...] = (
    ("SHOP THE LINK IN BIO", "Shop the link in my bio."),
    ("LINK IN BIO", "The link is in my bio."),
    ("COMMENT SERUM FOR THE LINK", "Comment serum and I will send you the link."),
    ("FOLLOW FOR PART 2", "Follow for part two."),
    ("20% OFF WITH THE LINK IN BIO", "Get twenty percent off with the link in my bio."),
)
_CLAIM_LINES = {
    "cures hair loss in 7 days": "This serum cures hair loss in seven days.",
    "guaranteed regrowth": "It is guaranteed regrowth, every time.",
    "100% clinically proven": "And it is one hundred percent clinically proven.",
}
MUSIC_BPMS: tuple[int, ...] = (92, 100, 110, 120, 128, 140)
_AUDIO_KINDS = ("voice+music", "voice", "music", "silent", "none")
_AUDIO_WEIGHTS = (0.55, 0.17, 0.13, 0.08, 0.07)


def _speech_estimate_s(text: str) -> float:
    """An upper bound of espeak's voiced length at ESPEAK_WPM (measured <= 0.08 s per character),
    with room for numbers and symbols read out as words."""
    extra = 8 * len(re.findall(r"\d+", text)) + 8 * text.count("%") + 4 * text.count("+")
    return 0.09 * (len(text) + extra) + 0.1


def _speakable(title: str) -> str:
    return title.replace("+", " and ").replace(" vs ", " versus ")


def _frame_time(seconds: float, fps: int) -> float:
    return round(seconds * fps) / fps


def _cuts(rng: random.Random, duration: float, fps: int) -> tuple[float, ...]:
    low, high = rng.choice(((1.5, 2.6), (2.0, 3.6), (2.8, 5.0)))  # fast, medium or slow editing
    cuts, t = [], 0.0
    while True:
        t = _frame_time(t + rng.uniform(low, high), fps)  # from the last cut's frame: no shot under `low`
        if t > duration - 1.5:
            return tuple(cuts)
        cuts.append(t)


def _line_overlays(text: str, start: float, end: float, centre_y: float, style: OverlayStyle, size: float,
                   width: int, height: int) -> list[Overlay]:
    lines = _wrap(text)
    fitted = min(_fit_size(line, size, width, height) for line in lines)
    step = fitted * 1.45
    first = centre_y - step * (len(lines) - 1) / 2
    return [
        Overlay(line, round(start, 3), round(end, 3), round(first + i * step, 4), style, fitted)
        for i, line in enumerate(lines)
    ]


def _tip_windows(rng: random.Random, duration: float, hook_end: float, cta_start: float) -> list[tuple[float, float]]:
    """2-4 windows between the hook and the end card, each around one OCR instant (5 s, 25/50/75 %)."""
    lo, hi = hook_end + 0.4, cta_start - 0.4
    candidates = [t for t in (5.0, 0.25 * duration, 0.5 * duration, 0.75 * duration) if lo + 0.3 <= t <= hi - 0.3]
    windows: list[tuple[float, float]] = []
    for instant in sorted(candidates):
        start = max(lo, instant - rng.uniform(0.6, 1.4))
        if windows and start < windows[-1][1] + 0.3:
            start = windows[-1][1] + 0.3
        if start > instant - 0.3:
            continue
        end = min(hi, instant + rng.uniform(0.8, 1.8))
        windows.append((round(start, 3), round(end, 3)))
    return windows


def _speech_lines(rng: random.Random, title: str, claim: str | None, end_line: str | None,
                  duration: float) -> tuple[SpeechLine, ...]:
    """The hook spoken first, then body lines (the claim, if any, first among them), then the CTA."""
    lines: list[SpeechLine] = []
    limit = duration - 0.3
    t = rng.uniform(0.3, 0.8)
    hook = _speakable(title)
    if t + _speech_estimate_s(hook) > limit:
        return ()
    lines.append(SpeechLine(hook, round(t, 3)))
    t += _speech_estimate_s(hook)
    body = rng.sample(_BODY_LINES, len(_BODY_LINES))
    if claim:
        body.insert(0, _CLAIM_LINES.get(claim, f"{claim.capitalize()}."))
    gap_low, gap_high = rng.choice(((0.25, 0.7), (0.6, 1.6), (1.5, 3.5)))  # chatty, relaxed or sparse
    end_slot = duration - _CTA_TAIL_S
    for text in body:
        start = t + rng.uniform(gap_low, gap_high)
        finish = start + _speech_estimate_s(text)
        if finish > (end_slot if end_line else limit):
            break
        lines.append(SpeechLine(text, round(start, 3)))
        t = finish
    if end_line:
        start = max(t + 0.3, end_slot + 0.1)
        if start + _speech_estimate_s(end_line) <= limit:
            lines.append(SpeechLine(end_line, round(start, 3)))
    return tuple(lines)


def _spec_from(name: str, title: str, caption: str, duration: float, width: int, height: int,
               risky: bool, rng: random.Random, audio_kind: str | None = None) -> ClipSpec:
    fps = 30
    claim = next((c for c in RISKY_CLAIMS if c in caption), None) if risky else None
    if risky and claim is None:
        claim = RISKY_CLAIMS[0]
    style: OverlayStyle = rng.choice(("outline", "box"))
    upper = rng.random() < 0.5
    hook_size = rng.choice((0.04, 0.045, 0.05))

    hook_end = 3.2
    overlays = _line_overlays(title.upper() if upper else title, 0.0, hook_end,
                              rng.uniform(0.2, 0.34), style, hook_size, width, height)
    cta_start = max(hook_end + 0.5, duration - _CTA_TAIL_S)
    tips = list(rng.sample(_TIPS, len(_TIPS)))
    if claim:
        tips.insert(0, claim.upper())
    for (start, end), tip in zip(_tip_windows(rng, duration, hook_end, cta_start), tips, strict=False):
        overlays += _line_overlays(tip, start, end, rng.uniform(0.45, 0.62), rng.choice(("outline", "box")),
                                   0.04, width, height)
    card, card_line = rng.choice(_END_CARDS)
    in_ui_zone = rng.random() < 0.45
    card_y = rng.uniform(0.84, 0.9) if in_ui_zone else rng.uniform(0.62, 0.7)
    overlays += _line_overlays(card, cta_start, duration, card_y, "box", 0.042, width, height)

    kind = audio_kind or rng.choices(_AUDIO_KINDS, _AUDIO_WEIGHTS)[0]
    speech: tuple[SpeechLine, ...] = ()
    if kind in ("voice+music", "voice"):
        speech = _speech_lines(rng, title, claim, card_line if rng.random() < 0.5 else None, duration)
    bpm = float(rng.choice(MUSIC_BPMS)) if kind in ("voice+music", "music") else None
    return ClipSpec(
        name=name,
        duration=float(duration),
        width=width,
        height=height,
        fps=fps,
        cuts=_cuts(rng, duration, fps),
        overlays=tuple(overlays),
        speech=speech,
        music_bpm=bpm,
        audio=kind != "none",
    )


def _rng_for(key: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(f"demo-media:{key}".encode()).digest()[:8], "big"))


def clip_spec_for(video: DemoVideo) -> ClipSpec:
    """The media of one demo video: its title as the hook overlay (and, for most, the spoken hook),
    tips in the middle, an end-card CTA, hard cuts and a beat bed; the same video always gets the
    same spec."""
    return _spec_from(
        name=video.id, title=video.title, caption=video.description, duration=float(video.duration),
        width=video.width, height=video.height, risky=video.has_risky_claim, rng=_rng_for(video.id),
    )


def bench_specs() -> list[ClipSpec]:
    """Eleven 1080x1920 clips (4 x 15 s, 4 x 30 s, 3 x 60 s) for the extraction benchmark; every
    length has speech over music, and the set has music-only and silent clips too."""
    plan = [
        (15, "voice+music"), (15, "voice+music"), (15, "music"), (15, "silent"),
        (30, "voice+music"), (30, "voice+music"), (30, "voice"), (30, "music"),
        (60, "voice+music"), (60, "voice+music"), (60, "music"),
    ]
    titles = (
        "Day 21 of my peptide serum routine",
        "3 mistakes that make hair shedding worse",
        "Why peptides? The 30-second version",
        "Hormone-free hair serum, honest review",
        "Copper peptides vs biotin: what actually matters",
        "My scalp routine, no minoxidil needed",
    )
    specs = []
    for i, (seconds, kind) in enumerate(plan):
        rng = _rng_for(f"bench:{i}")
        title = titles[i % len(titles)]
        risky = i in (1, 8)
        caption = f"{title}: {RISKY_CLAIMS[i % len(RISKY_CLAIMS)]}!" if risky else title
        specs.append(_spec_from(f"bench_{i:02d}_{seconds}s", title, caption, float(seconds), 1080, 1920,
                                risky, rng, audio_kind=kind))
    return specs


__all__ = [
    "GENERATOR_VERSION",
    "MUSIC_BPMS",
    "SAFE_ZONE",
    "ClipSpec",
    "GeneratedClip",
    "Overlay",
    "SafeZone",
    "SpeechLine",
    "bench_specs",
    "clip_spec_for",
    "generate_clip",
    "generate_clips",
    "normalize_words",
    "ocr_instants",
]
