"""Audio features on media made here with real espeak-ng and ffmpeg: espeak voice lines over a kick-and-pad
beat bed at a known tempo, the bed alone, the voice alone, digital silence, no audio stream, broken files.
The truths are what was put in: the bed's BPM and the seconds of voice placed on the timeline."""

from __future__ import annotations

import shutil
import subprocess
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tiktok_pipelines.lib.extraction import audio
from tiktok_pipelines.lib.extraction.artifacts import AudioFeatures, Span
from tiktok_pipelines.lib.extraction.audio import (
    AudioDecodeError,
    analyse_audio,
    detect_speech,
    extract_wav,
)

pytestmark = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("ffmpeg")), reason="needs espeak-ng and ffmpeg"
)

LINES = (
    "These three peptides changed my hair growth game.",
    "I massage them into my scalp every single night before bed.",
)
CLIP_S = 20.0
LINE_STARTS_S = (1.5, 9.0)  # within every 20 s
BPM_TOLERANCE = 3.0
RATIO_TOLERANCE = 0.15


@dataclass(frozen=True)
class Clip:
    path: Path
    seconds: float
    bpm: int | None  # the bed's tempo; None: no music
    voice: tuple[Span, ...]  # where the lines were placed

    @property
    def speech_ratio(self) -> float:
        return sum(s.duration for s in self.voice) / self.seconds


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args], check=True, timeout=120)


def _beat_bed(bpm: int, seconds: float, *, kick_hz: float | None = None, gain: float = 1.0) -> str:
    """A kick on every beat (a 140->50 Hz sine sweep, or a fixed tone, decaying) and a held A-minor pad,
    as an aevalsrc input."""
    t = f"mod(t,{60.0 / bpm:.6f})"
    if kick_hz is None:
        kick = f"0.5*sin(2*PI*(50+90*exp(-25*{t}))*{t})*exp(-9*{t})"
    else:
        kick = f"0.5*sin(2*PI*{kick_hz}*t)*exp(-20*{t})"
    pad = "0.04*(sin(2*PI*220*t)+sin(2*PI*261.63*t)+sin(2*PI*329.63*t))"
    return f"aevalsrc=exprs='{gain}*({kick}+{pad})':s=44100:d={seconds}"


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def _make_clip(
    folder: Path,
    name: str,
    lines: list[Path],
    *,
    bpm: int | None,
    seconds: float = CLIP_S,
    video: bool,
    starts: tuple[float, ...] = LINE_STARTS_S,
    kick_hz: float | None = None,
    bed_gain: float = 1.0,
) -> Clip:
    """The lines, in turn, placed at `starts` in every 20 s and mixed over the beat bed (or digital silence)."""
    base = _beat_bed(bpm, seconds, kick_hz=kick_hz, gain=bed_gain) if bpm else f"anullsrc=r=44100:cl=stereo:d={seconds}"
    inputs = ["-f", "lavfi", "-i", base]
    graph, labels, voice = [], ["[0:a]"], []
    for cycle in range(int(seconds // CLIP_S) if lines else 0):
        for i, start in enumerate(starts):
            line = lines[i % len(lines)]
            at = cycle * CLIP_S + start
            inputs += ["-i", str(line)]
            index = len(labels)
            graph.append(f"[{index}:a]adelay={int(at * 1000)}:all=1[v{index}]")
            labels.append(f"[v{index}]")
            voice.append(Span(start=at, end=round(at + _wav_seconds(line), 3)))
    mix = f"{''.join(labels)}amix=inputs={len(labels)}:duration=first:normalize=0" if voice else "[0:a]anull"
    graph.append(f"{mix}[mix]")
    out = folder / name
    picture = ["-f", "lavfi", "-i", f"color=c=navy:s=72x128:r=10:d={seconds}"] if video else []
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"] if video else ["-vn"]
    video_map = ["-map", f"{len(labels)}:v"] if video else []
    _ffmpeg(*inputs, *picture, "-filter_complex", ";".join(graph), "-map", "[mix]", *video_map, *encode,
            "-c:a", "aac", "-b:a", "128k", "-t", str(seconds), str(out))  # fmt: skip
    return Clip(out, seconds, bpm, tuple(voice))


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Clip]:
    folder = tmp_path_factory.mktemp("audio_media")
    lines = []
    for i, text in enumerate(LINES):
        line = folder / f"line{i}.wav"
        subprocess.run(["espeak-ng", "-w", str(line), text], check=True, timeout=30)
        lines.append(line)
    clips = {
        "voice_over_92": _make_clip(folder, "voice_over_92.mp4", lines, bpm=92, video=True),
        "voice_over_140": _make_clip(folder, "voice_over_140.m4a", lines, bpm=140, video=False),
        "music_120": _make_clip(folder, "music_120.m4a", [], bpm=120, video=False),
        "speech_only": _make_clip(folder, "speech_only.mp4", lines, bpm=None, video=True),
        "silent": _make_clip(folder, "silent.mp4", [], bpm=None, video=True),
    }
    no_audio = folder / "no_audio.mp4"
    _ffmpeg("-f", "lavfi", "-i", "color=c=red:s=72x128:r=10:d=3", "-c:v", "libx264", "-preset", "ultrafast",
            str(no_audio))  # fmt: skip
    clips["no_audio"] = Clip(no_audio, 3.0, None, ())
    return clips


@pytest.fixture(scope="module")
def features(media: dict[str, Clip]) -> dict[str, AudioFeatures]:
    audio.warm_up()
    return {name: analyse_audio(clip.path, has_audio=True) for name, clip in media.items() if name != "no_audio"}


# --- tempo and music ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["voice_over_92", "music_120", "voice_over_140"])
def test_tempo_of_the_beat_bed_is_within_3_bpm(
    media: dict[str, Clip], features: dict[str, AudioFeatures], name: str
) -> None:
    result = features[name]
    assert result.music_present is True
    assert result.bpm is not None and abs(result.bpm - media[name].bpm) <= BPM_TOLERANCE, result
    assert result.bpm_confidence is not None and result.bpm_confidence >= 0.5


def test_speech_over_music_is_still_music_and_speech_alone_is_not(features: dict[str, AudioFeatures]) -> None:
    over = features["voice_over_92"]
    assert over.music_present is True and over.music_ratio is not None and over.music_ratio >= 0.8

    alone = features["speech_only"]
    assert alone.music_present is False
    assert alone.bpm is None and alone.bpm_confidence is None
    assert alone.music_ratio is not None and alone.music_ratio <= 0.1


def test_the_beat_is_timed_where_nobody_speaks(media: dict[str, Clip], tmp_path: Path) -> None:
    # A quiet 150 Hz kick shares its band with the voice: over the whole clip the voice's own rhythm
    # blurs the pulse (clarity ~0.4); the intro and the outro carry it cleanly.
    lines = sorted(media["voice_over_92"].path.parent.glob("line*.wav"))
    clip = _make_clip(tmp_path, "quiet_kick_110.m4a", lines, bpm=110, video=False, starts=(3.0, 5.9, 9.6, 12.5),
                      kick_hz=150, bed_gain=0.2)  # fmt: skip
    result = analyse_audio(clip.path, has_audio=True)
    assert result.speech_ratio is not None and result.speech_ratio > 0.5
    assert result.bpm is not None and abs(result.bpm - 110) <= BPM_TOLERANCE, result
    assert result.bpm_confidence is not None and result.bpm_confidence >= 0.8


def test_music_bed_alone_is_music_throughout(features: dict[str, AudioFeatures]) -> None:
    assert features["music_120"].music_ratio == pytest.approx(1.0, abs=0.05)


# --- speech ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["voice_over_92", "voice_over_140", "music_120", "speech_only"])
def test_speech_ratio_is_within_015_of_the_voice_placed(
    media: dict[str, Clip], features: dict[str, AudioFeatures], name: str
) -> None:
    found, placed = features[name].speech_ratio, media[name].speech_ratio
    assert found is not None
    assert abs(found - placed) <= RATIO_TOLERANCE, (found, placed)


def test_music_alone_has_no_speech(features: dict[str, AudioFeatures]) -> None:
    assert features["music_120"].speech_ratio == pytest.approx(0.0, abs=0.05)


def test_speech_spans_start_where_the_lines_were_placed(
    media: dict[str, Clip], features: dict[str, AudioFeatures]
) -> None:
    for name in ("voice_over_92", "speech_only"):
        found = features[name].speech
        for line in media[name].voice:
            assert any(abs(span.start - line.start) <= 0.4 for span in found), (name, line, found)
        assert all(span.end <= media[name].seconds + 0.01 for span in found)


# --- loudness and silence --------------------------------------------------------------------------------


def test_digital_silence_is_silence_not_a_loudness_number(
    media: dict[str, Clip], features: dict[str, AudioFeatures]
) -> None:
    result = features["silent"]
    assert result.status == "ok" and result.has_audio is True
    assert result.loudness_lufs is None and result.loudness_range_lu is None and result.true_peak_dbfs is None
    assert "silence" in result.note
    assert result.music_present is False and result.bpm is None
    assert result.speech_ratio == 0.0 and result.speech == ()
    covered = sum(s.duration for s in result.silences)
    assert covered == pytest.approx(result.analysed_seconds, abs=0.1)
    assert result.dead_air_seconds == pytest.approx(media["silent"].seconds, abs=0.1)


def test_gaps_between_lines_are_dead_air(media: dict[str, Clip], features: dict[str, AudioFeatures]) -> None:
    clip, result = media["speech_only"], features["speech_only"]
    first, second = clip.voice
    # The 1.5 s lead-in, the gap between the lines and the tail are silent; the lines are not.
    assert any(s.start <= 0.05 and s.end >= first.start - 0.3 for s in result.silences), result.silences
    assert any(s.start <= first.end + 0.3 and s.end >= second.start - 0.3 for s in result.silences), result.silences
    inside_a_line = [s for s in result.silences for line in clip.voice if line.start < s.start and s.end < line.end]
    assert not [s for s in inside_a_line if s.duration > 1.0], inside_a_line
    gaps = first.start + (second.start - first.end) + (clip.seconds - second.end)
    assert result.dead_air_seconds == pytest.approx(gaps, abs=1.0)
    long_silences = sum(s.duration for s in result.silences if s.duration >= 0.4)
    assert result.dead_air_seconds == pytest.approx(long_silences, abs=0.01)


def test_loudness_is_measured_on_audible_tracks(features: dict[str, AudioFeatures]) -> None:
    for name in ("voice_over_92", "music_120", "speech_only"):
        result = features[name]
        assert result.loudness_lufs is not None and -40 < result.loudness_lufs < -5, (name, result.loudness_lufs)
        assert result.loudness_range_lu is not None and result.loudness_range_lu >= 0
        assert result.true_peak_dbfs is not None and result.true_peak_dbfs <= 3
        assert result.status == "ok" and result.note == ""
    assert features["music_120"].dead_air_seconds == 0.0


# --- files without audio, broken files ------------------------------------------------------------------------


def test_a_video_without_audio_stream_says_so(media: dict[str, Clip]) -> None:
    result = analyse_audio(media["no_audio"].path, has_audio=False)
    assert result == AudioFeatures(status="ok", has_audio=False, note="no audio stream")
    assert result.speech_ratio is None and result.music_ratio is None and result.bpm is None

    with pytest.raises(AudioDecodeError, match=r"no_audio\.mp4: no audio stream"):
        analyse_audio(media["no_audio"].path, has_audio=True)


def test_unreadable_files_raise_naming_the_file(media: dict[str, Clip], tmp_path: Path) -> None:
    cut = tmp_path / "cut_upload.mp4"  # moov atom at the end, so half a file has no index at all
    data = media["voice_over_92"].path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"this is not a video\n" * 200)
    work = tmp_path / "work"
    for path in (cut, garbage, tmp_path / "missing.mp4"):
        with pytest.raises(AudioDecodeError, match=path.name) as caught:
            analyse_audio(path, has_audio=True, work_dir=work)
        assert str(tmp_path) not in str(caught.value)  # the file's name, not where it sits
    assert not work.exists() or list(work.iterdir()) == []  # nothing half-written left behind


def test_a_file_cut_off_mid_stream_is_partial_not_invented(media: dict[str, Clip], tmp_path: Path) -> None:
    indexed = tmp_path / "faststart.mp4"  # index first: a cut file still decodes up to the cut
    _ffmpeg("-i", str(media["voice_over_92"].path), "-c", "copy", "-movflags", "+faststart", str(indexed))
    cut = tmp_path / "cut_faststart.mp4"
    data = indexed.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.7)])
    result = analyse_audio(cut, has_audio=True)
    assert result.status == "partial"
    assert "decode errors" in result.note
    assert result.analysed_seconds < media["voice_over_92"].seconds


# --- pieces of the API --------------------------------------------------------------------------------------------


def test_extract_wav_writes_mono_16k_pcm_whole(media: dict[str, Clip], tmp_path: Path) -> None:
    dest = tmp_path / "out" / "a.wav"
    dest.parent.mkdir()
    dest.write_bytes(b"an older, stale file")
    assert extract_wav(media["voice_over_92"].path, dest, max_seconds=5.0) == dest
    with wave.open(str(dest)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (1, 16000, 2)
        assert w.getnframes() / w.getframerate() == pytest.approx(5.0, abs=0.05)
    assert [p.name for p in dest.parent.iterdir()] == ["a.wav"]


def test_max_seconds_limits_what_is_analysed(media: dict[str, Clip], tmp_path: Path) -> None:
    result = analyse_audio(media["speech_only"].path, has_audio=True, max_seconds=8.0, work_dir=tmp_path)
    assert result.analysed_seconds == pytest.approx(8.0, abs=0.05)
    assert all(s.end <= 8.0 for s in (*result.silences, *result.speech))
    assert (tmp_path / audio.WAV_NAME).is_file()  # kept for the transcriber


def test_detect_speech_checks_its_input() -> None:
    with pytest.raises(ValueError, match="44100 Hz"):
        detect_speech(np.zeros(44100, dtype=np.float32), 44100)
    with pytest.raises(ValueError, match="mono"):
        detect_speech(np.zeros((2, 16000), dtype=np.float32))
    assert detect_speech(np.zeros(32000, dtype=np.int16)) == []


def test_results_survive_a_json_round_trip(features: dict[str, AudioFeatures]) -> None:
    for result in features.values():
        assert AudioFeatures.model_validate_json(result.model_dump_json()) == result


def test_silero_is_loaded_once_per_process(media: dict[str, Clip]) -> None:
    model = audio.speech_model()
    analyse_audio(media["speech_only"].path, has_audio=True, max_seconds=4.0)
    detect_speech(np.zeros(16000, dtype=np.float32))
    assert audio.speech_model() is model
    assert audio.speech_model.cache_info().misses == 1


def test_warm_up_is_free_the_second_time() -> None:
    audio.warm_up()
    started = time.perf_counter()
    audio.warm_up()
    assert time.perf_counter() - started < 0.01


def test_a_minute_of_voice_over_music_analyses_in_a_few_seconds(media: dict[str, Clip], tmp_path: Path) -> None:
    lines = sorted(media["voice_over_92"].path.parent.glob("line*.wav"))
    clip = _make_clip(tmp_path, "minute_110.mp4", lines, bpm=110, seconds=60.0, video=True)
    audio.warm_up()
    started = time.perf_counter()
    result = analyse_audio(clip.path, has_audio=True)
    elapsed = time.perf_counter() - started
    assert result.bpm is not None and abs(result.bpm - 110) <= BPM_TOLERANCE
    assert abs(result.speech_ratio - clip.speech_ratio) <= RATIO_TOLERANCE
    assert elapsed < 6.0, f"{elapsed:.1f} s for 60 s of audio (budget ~3 s on 2 cores)"
