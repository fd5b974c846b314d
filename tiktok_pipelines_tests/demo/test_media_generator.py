"""The demo media generator: real clips whose truth files the extraction stages are scored against.

The truth must be exact, so these tests look at the rendered files themselves (ffprobe, decoded
frames and samples), not at what the generator meant to do.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tiktok_pipelines.demo.media import (
    SAFE_ZONE,
    ClipSpec,
    GeneratedClip,
    Overlay,
    SpeechLine,
    bench_specs,
    clip_spec_for,
    generate_clip,
    generate_clips,
    normalize_words,
    ocr_instants,
)
from tiktok_pipelines.demo.world import RISKY_CLAIMS, DemoAccount
from tiktok_pipelines_tests.media.bad_media import BAD_MEDIA_KINDS, make_bad_media

TALKING = ClipSpec(
    name="talking",
    duration=6.0,
    width=720,
    height=1280,
    cuts=(2.0, 3.5),
    overlays=(
        Overlay("POV: your part line", 0.0, 3.2, y=0.25, size=0.04),
        Overlay("SHOP THE LINK IN BIO", 3.5, 6.0, y=0.87, style="box", size=0.035),
    ),
    speech=(SpeechLine("Day one of my peptide serum routine.", 0.5), SpeechLine("Shop the link in my bio.", 3.6)),
)
MUSIC_ONLY = ClipSpec(
    name="music_only", duration=5.0, width=1080, height=1920, fps=25, cuts=(2.4,),
    overlays=(Overlay("WEEK 4 RESULTS", 0.5, 4.5, y=0.5, size=0.05),), music_bpm=100.0,
)
NO_AUDIO = ClipSpec(name="no_audio", duration=3.0, width=720, height=1280, cuts=(1.5,), audio=False)


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="module")
def clips(clip_dir: Path) -> dict[str, GeneratedClip]:
    made = generate_clips([TALKING, MUSIC_ONLY, NO_AUDIO], clip_dir, workers=2)
    assert [c.spec.name for c in made] == ["talking", "music_only", "no_audio"], "results keep the specs' order"
    return {c.spec.name: c for c in made}


def ffprobe(path: Path) -> dict:
    proc = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-count_packets",
         str(path)],
        capture_output=True, text=True, timeout=30, check=False,
    )
    return json.loads(proc.stdout or "{}") if proc.returncode == 0 else {}


def gray_frames(path: Path, width: int, height: int) -> np.ndarray:
    """Every frame, decoded to luma at full range (what OCR and cut detectors see)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, timeout=60, check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width)


def mono_samples(path: Path, rate: int = 16000) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"],
        capture_output=True, timeout=60, check=True,
    ).stdout
    return np.frombuffer(raw, "<i2").astype(np.float32) / 32768


# --- the files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["talking", "music_only", "no_audio"])
def test_clip_has_the_duration_size_and_frame_rate_of_its_spec(clips: dict[str, GeneratedClip], name: str) -> None:
    clip = clips[name]
    spec = clip.spec
    info = ffprobe(clip.path)
    video = [s for s in info["streams"] if s["codec_type"] == "video"]
    assert len(video) == 1
    assert (video[0]["width"], video[0]["height"]) == (spec.width, spec.height)
    assert video[0]["codec_name"] == "h264" and video[0]["pix_fmt"] == "yuv420p"
    assert video[0]["avg_frame_rate"] == f"{spec.fps}/1"
    assert int(video[0]["nb_read_packets"]) == spec.n_frames
    assert float(info["format"]["duration"]) == pytest.approx(spec.duration, abs=0.05)
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
    if spec.audio:
        assert [(s["codec_name"], s["sample_rate"]) for s in audio] == [("aac", "44100")]
        assert float(audio[0]["duration"]) == pytest.approx(spec.duration, abs=0.05)
    else:
        assert audio == [], "audio=False must give a file with no audio stream at all"


def test_truth_file_sits_beside_the_clip_and_matches_the_spec(clips: dict[str, GeneratedClip]) -> None:
    clip = clips["talking"]
    assert clip.path.name == "talking.mp4" and clip.truth_path == clip.path.with_name("talking.truth.json")
    truth = json.loads(clip.truth_path.read_text())
    assert truth == clip.truth
    assert {k: truth[k] for k in ("name", "duration", "width", "height", "fps", "music_bpm", "has_audio")} == {
        "name": "talking", "duration": 6.0, "width": 720, "height": 1280, "fps": 30, "music_bpm": None,
        "has_audio": True,
    }
    assert truth["spec_hash"] == TALKING.spec_hash()
    assert truth["cuts"] == [{"t": 2.0, "frame": 60}, {"t": 3.5, "frame": 105}]
    assert [(o["text"], o["start"], o["end"]) for o in truth["overlays"]] == [
        ("POV: your part line", 0.0, 3.2), ("SHOP THE LINK IN BIO", 3.5, 6.0),
    ]
    hook, end_card = truth["overlays"]
    assert hook["in_safe_zone"] is True
    assert end_card["in_safe_zone"] is False, "an end card at 87 % of the height sits under TikTok's caption"
    assert end_card["box"]["y"] + end_card["box"]["h"] > 1 - SAFE_ZONE.bottom
    assert truth["overlay_words"] == ["POV", "YOUR", "PART", "LINE", "SHOP", "THE", "LINK", "IN", "BIO"]


def test_every_cut_is_a_hard_change_of_picture_and_shots_only_drift(clips: dict[str, GeneratedClip]) -> None:
    for name in ("talking", "music_only"):
        clip = clips[name]
        frames = gray_frames(clip.path, clip.spec.width, clip.spec.height)[:, ::8, ::8].astype(np.int16)
        change = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2))  # change[i]: frame i -> frame i + 1
        cut_frames = [c["frame"] for c in clip.truth["cuts"]]
        at_cuts = [change[f - 1] for f in cut_frames]
        inside = np.delete(change, [f - 1 for f in cut_frames])
        assert min(at_cuts) > 4 * max(inside), (name, at_cuts, float(inside.max()))


def test_overlay_text_is_the_only_near_white_in_the_frame(clips: dict[str, GeneratedClip]) -> None:
    """OCR binarizes at luma 215: backgrounds stay below it, so what survives is the text, in its box."""
    clip = clips["talking"]
    w, h = clip.spec.width, clip.spec.height
    frames = gray_frames(clip.path, w, h)
    for overlay in clip.truth["overlays"]:
        frame = frames[round((overlay["start"] + overlay["end"]) / 2 * clip.spec.fps)]
        white = frame > 215
        box = overlay["box"]
        x0, y0 = int(box["x"] * w), int(box["y"] * h)
        x1, y1 = int((box["x"] + box["w"]) * w) + 2, int((box["y"] + box["h"]) * h) + 2
        assert white[y0:y1, x0:x1].sum() > 500, overlay["text"]
        white[max(0, y0 - 2):y1, max(0, x0 - 2):x1] = False
        assert white.sum() == 0, f"near-white pixels outside the text of {overlay['text']!r}"
    between = frames[round(3.35 * clip.spec.fps)]  # no overlay is on screen at 3.35 s
    assert (between > 215).sum() == 0


def test_speech_truth_is_the_voiced_span_of_each_line(clips: dict[str, GeneratedClip]) -> None:
    clip = clips["talking"]
    truth = clip.truth
    spans = truth["speech"]
    assert [s["text"] for s in spans] == [line.text for line in TALKING.speech]
    for span, line in zip(spans, TALKING.speech, strict=True):
        assert line.start <= span["start"] < line.start + 0.3 < span["end"] <= TALKING.duration
    assert spans[0]["end"] <= spans[1]["start"]
    seconds = sum(s["end"] - s["start"] for s in spans)
    assert truth["speech_seconds"] == pytest.approx(seconds, abs=0.002)
    assert truth["speech_ratio"] == pytest.approx(seconds / TALKING.duration, abs=0.001)

    rate = 16000
    samples = mono_samples(clip.path, rate)
    voiced = np.zeros(len(samples), dtype=bool)
    for s in spans:
        voiced[int(s["start"] * rate):int(s["end"] * rate)] = True
    level = np.sqrt(np.mean(samples[voiced] ** 2))
    # a 50 ms guard either side of each span: AAC smears a voice's edges a little
    guard = np.convolve(voiced, np.ones(int(0.05 * rate) * 2 + 1), "same") > 0
    peak = np.abs(samples[voiced]).max()
    assert np.abs(samples[~guard]).max() < 0.03 * peak, "sound outside the spans"
    assert level > 0.05
    for s in spans:  # and the spans are tight: the voice is there at both edges, not espeak's padding
        first = samples[int(s["start"] * rate):int((s["start"] + 0.06) * rate)]
        last = samples[int((s["end"] - 0.06) * rate):int(s["end"] * rate)]
        assert min(np.abs(first).max(), np.abs(last).max()) > 0.01 * peak, s


def test_music_bed_beats_at_its_bpm(clips: dict[str, GeneratedClip]) -> None:
    clip = clips["music_only"]
    assert clip.truth["speech"] == [] and clip.truth["speech_ratio"] == 0
    rate, hop = 16000, 80  # 5 ms energy frames
    samples = mono_samples(clip.path, rate)
    energy = np.square(samples[: len(samples) // hop * hop]).reshape(-1, hop).sum(axis=1)
    onset = np.maximum(np.diff(energy), 0)
    onset -= onset.mean()
    lags = np.arange(int(60 / 200 / 0.005), int(60 / 60 / 0.005))  # 60-200 BPM
    auto = [float(np.dot(onset[:-lag], onset[lag:])) for lag in lags]
    bpm = 60 / (lags[int(np.argmax(auto))] * 0.005)
    assert bpm == pytest.approx(100, abs=3)


def test_no_audio_clip_has_empty_sound_truth(clips: dict[str, GeneratedClip]) -> None:
    truth = clips["no_audio"].truth
    assert truth["has_audio"] is False
    assert (truth["speech"], truth["speech_seconds"], truth["speech_ratio"], truth["music_bpm"]) == ([], 0, 0, None)


# --- idempotence and failure -----------------------------------------------------------------------


def test_generation_is_idempotent_and_a_changed_spec_is_made_again(tmp_path: Path) -> None:
    spec = ClipSpec(name="short", duration=2.0, width=720, height=1280, cuts=(1.0,), audio=False)
    clip = generate_clip(spec, tmp_path)
    before = (clip.path.stat().st_mtime_ns, clip.truth_path.stat().st_mtime_ns)
    again = generate_clip(spec, tmp_path)
    assert again == clip and again.truth == clip.truth
    assert (clip.path.stat().st_mtime_ns, clip.truth_path.stat().st_mtime_ns) == before

    changed = ClipSpec(name="short", duration=2.0, width=720, height=1280, cuts=(0.5,), audio=False)
    assert changed.spec_hash() != spec.spec_hash()
    remade = generate_clip(changed, tmp_path)
    assert remade.truth["cuts"] == [{"t": 0.5, "frame": 15}]
    assert json.loads(remade.truth_path.read_text())["spec_hash"] == changed.spec_hash()
    assert clip.path.stat().st_mtime_ns != before[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.mp4", "short.truth.json"], "no temp files left"


def test_a_spec_that_cannot_be_rendered_leaves_no_file_behind(tmp_path: Path) -> None:
    talking_over_itself = ClipSpec(
        name="overlap", duration=4.0, width=720, height=1280,
        speech=(SpeechLine("A long first sentence that keeps on going.", 0.2), SpeechLine("Second.", 1.0)),
    )
    with pytest.raises(ValueError, match=r"overlap.*'Second\.' starts at .* still speaking"):
        generate_clip(talking_over_itself, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cuts": (1.01,)}, "not on a frame boundary"),
        ({"cuts": (2.0, 1.0)}, "strictly increasing"),
        ({"duration": 4.01}, "whole number of frames"),
        ({"width": 721}, "even number"),
        ({"name": "../escape"}, "file name"),
        ({"overlays": (Overlay("two\nlines", 0, 1, 0.5),)}, "one non-empty line"),
        ({"overlays": (Overlay("late", 3, 5, 0.5),)}, "outside 0-4.0 s"),
        ({"audio": False, "music_bpm": 120.0}, "cannot carry speech or music"),
    ],
)
def test_bad_specs_are_refused_with_the_reason(fields: dict, message: str) -> None:
    base = {"name": "bad", "duration": 4.0, "width": 720, "height": 1280}
    with pytest.raises(ValueError, match=message):
        ClipSpec(**{**base, **fields})


def test_generate_clips_refuses_two_specs_for_one_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="same file: no_audio"):
        generate_clips([NO_AUDIO, NO_AUDIO], tmp_path)


# --- specs for the demo world -------------------------------------------------------------------


@pytest.fixture(scope="module")
def account() -> DemoAccount:
    return DemoAccount(n_videos=12)


def test_clip_spec_for_is_deterministic_and_matches_the_video(account: DemoAccount) -> None:
    again = DemoAccount(n_videos=12)
    for video, twin in zip(account.videos, again.videos, strict=True):
        spec = clip_spec_for(video)
        assert spec == clip_spec_for(twin) and spec.spec_hash() == clip_spec_for(twin).spec_hash()
        assert (spec.name, spec.duration, spec.width, spec.height) == (
            video.id, video.duration, video.width, video.height,
        )
        hook = [o for o in spec.overlays if o.start == 0]
        assert normalize_words(" ".join(o.text for o in hook)) == normalize_words(video.title)
        assert all(len(o.text) <= 22 and o.end >= 3.0 for o in hook)
        end_card = spec.overlays[-1]
        assert end_card.end == spec.duration and spec.duration - end_card.start == pytest.approx(2.5)
        for overlay in spec.overlays:  # OCR reads fixed instants: every overlay must be up at one
            assert any(overlay.start + 0.15 <= t <= overlay.end - 0.15 for t in ocr_instants(spec.duration)), overlay
        if spec.speech:
            assert 0.3 <= spec.speech[0].start <= 0.8
            assert normalize_words(spec.speech[0].text)[:2] == normalize_words(video.title)[:2]
        if video.has_risky_claim:
            claim = next(c for c in RISKY_CLAIMS if c in video.description)
            assert claim.upper() in " ".join(o.text for o in spec.overlays)
        shots = np.diff([0, *spec.cuts, spec.duration])
        assert shots.min() >= 1.5 - 1e-9 and shots[:-1].max() <= 5.0 + 1e-9


def test_clip_specs_vary_across_the_account(account: DemoAccount) -> None:
    specs = [clip_spec_for(v) for v in account.videos]
    assert len({s.spec_hash() for s in specs}) == len(specs)
    assert len({s.music_bpm for s in specs if s.music_bpm}) >= 3
    assert any(s.speech and s.music_bpm for s in specs), "speech over music"
    assert any(not s.speech and s.music_bpm for s in specs), "music only"
    assert any(s.audio and not s.speech and not s.music_bpm for s in specs) or any(not s.audio for s in specs)
    assert len({round(len(s.cuts) / s.duration, 1) for s in specs}) >= 3, "editing pace varies"
    end_cards_y = [s.overlays[-1].y for s in specs]
    assert any(y > 1 - SAFE_ZONE.bottom for y in end_cards_y) and any(y < 1 - SAFE_ZONE.bottom for y in end_cards_y)
    assert {o.style for s in specs for o in s.overlays} == {"outline", "box"}


def test_bench_specs_are_portrait_1080p_at_15_30_and_60_seconds() -> None:
    specs = bench_specs()
    assert len(specs) >= 10 and len({s.name for s in specs}) == len(specs)
    assert {(s.width, s.height) for s in specs} == {(1080, 1920)}
    durations = sorted(s.duration for s in specs)
    assert {d: durations.count(d) for d in set(durations)} == {15.0: 4, 30.0: 4, 60.0: 3}
    assert all(any(s.speech and s.music_bpm for s in specs if s.duration == d) for d in (15, 30, 60))


# --- bad media -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad_media")


def stream_types(info: dict) -> list[str]:
    return sorted(s["codec_type"] for s in info.get("streams", []))


@pytest.mark.parametrize("kind", BAD_MEDIA_KINDS)
def test_every_bad_media_kind_is_made_as_described(kind: str, bad_dir: Path) -> None:
    path = make_bad_media(kind, bad_dir)
    assert path.is_file() and path.suffix == ".mp4" and path.parent == bad_dir
    assert make_bad_media(kind, bad_dir) == path, "made once, then reused"
    info = ffprobe(path)
    if kind in ("zero_bytes", "text_as_mp4", "truncated", "corrupt_header"):
        assert info == {} or not info.get("streams"), f"{kind} must not probe as media"
        assert (path.stat().st_size == 0) == (kind == "zero_bytes")
        return
    duration = float(info["format"]["duration"])
    video = next((s for s in info["streams"] if s["codec_type"] == "video"), None)
    expected = {
        "audio_only": (["audio"], None, 4),
        "video_only": (["video"], (360, 640), 4),
        "uhd_4k": (["audio", "video"], (2160, 3840), 2),
        "ten_minutes": (["audio", "video"], (144, 256), 600),
        "silent_audio": (["audio", "video"], (360, 640), 4),
    }[kind]
    streams, size, seconds = expected
    assert stream_types(info) == streams
    assert ((video["width"], video["height"]) if video else None) == size
    assert duration == pytest.approx(seconds, abs=0.1)
    if kind == "silent_audio":
        assert np.abs(mono_samples(path)).max() == 0, "digital silence"


def test_truncated_and_corrupt_files_come_from_real_clips(bad_dir: Path) -> None:
    truncated = make_bad_media("truncated", bad_dir).read_bytes()
    corrupt = make_bad_media("corrupt_header", bad_dir).read_bytes()
    assert truncated[4:8] == b"ftyp", "a real mp4 start, cut off"
    assert b"mdat" in truncated and b"moov" not in truncated
    assert corrupt[4:8] != b"ftyp" and b"mdat" in corrupt[64:], "a real mp4 behind a broken start"


def test_unknown_bad_media_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown bad-media kind 'huge'"):
        make_bad_media("huge", tmp_path)
