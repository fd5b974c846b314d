"""CLIP zero-shot tags through the real open_clip path: a tiny open_clip architecture (its own JSON
config), randomly initialised, saved as a safetensors checkpoint, then loaded the way production loads
ViT-B-32 weights and run on JPEG keyframes that ffmpeg draws. Random weights make the labels
meaningless, so the tests check what must hold for any weights: valid families/labels/scores,
determinism, one model per process, prompt embeddings cached on disk, and clear messages when
weights are missing or broken."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tiktok_pipelines.lib.extraction.artifacts import Tag, VisualTags
from tiktok_pipelines.lib.extraction.clip import (
    NONE_LABELS,
    PROMPT_SET_VERSION,
    TAG_FAMILIES,
    ClipConfig,
    ClipError,
    ClipUnavailable,
    clear_prompt_cache,
    clip_availability,
    clip_stats,
    clip_tags,
    load_clip,
)
from tiktok_pipelines.lib.extraction.visual import describe_frames

MODEL = "TinyTestCLIP"
TINY_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "head_width": 32, "patch_size": 16},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(model config JSON, safetensors checkpoint) of a freshly initialised tiny open_clip model."""
    from tiktok_pipelines.lib.extraction.torch_shim import ensure_torchvision_importable

    ensure_torchvision_importable()
    import open_clip
    import torch
    from safetensors.torch import save_file

    d = tmp_path_factory.mktemp("tiny-clip")
    config = d / f"{MODEL}.json"
    config.write_text(json.dumps(TINY_CONFIG))
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    model = open_clip.create_model(MODEL)
    checkpoint = d / "tiny.safetensors"
    save_file(model.state_dict(), str(checkpoint))
    return config, checkpoint


@pytest.fixture(scope="module")
def keyframes(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Path]]:
    d = tmp_path_factory.mktemp("clip-frames")
    out = []
    for label, source in (("t0", "testsrc2"), ("p50", "smptebars"), ("end", "mandelbrot")):
        path = d / f"{label}.jpg"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"{source}=s=1080x1920",
             "-frames:v", "1", "-q:v", "2", str(path)],
            check=True,
            timeout=60,
        )
        out.append((label, path))
    return out


def _config(tiny_model: tuple[Path, Path], tmp_path: Path, **overrides: object) -> ClipConfig:
    """A config on a private copy of the checkpoint: a new file is a new model-cache entry, so each
    test sees its own first load."""
    model_config, checkpoint = tiny_model
    copy = tmp_path / "weights" / checkpoint.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(checkpoint, copy)
    settings: dict[str, object] = {
        "model": MODEL,
        "checkpoint": copy,
        "model_config": model_config,
        "cache_dir": tmp_path / "clip-cache",
        "min_score": 0.0,  # random weights: keep every family's winner so there is something to check
    }
    settings.update(overrides)
    return ClipConfig(**settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def shared_config(tiny_model: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> ClipConfig:
    """One config (and so one loaded model) for the tests that do not count loads."""
    return _config(tiny_model, tmp_path_factory.mktemp("shared-clip"))


def _assert_valid(tags: list[Tag], frame_labels: set[str], min_score: float) -> None:
    assert tags, "with min_score 0 at least one family has a winner that is not its 'none' label"
    families = [tag.family for tag in tags]
    assert len(families) == len(set(families)), "one tag per family"
    assert families == [f for f in TAG_FAMILIES if f in families], "in TAG_FAMILIES order"
    for tag in tags:
        assert tag.label in TAG_FAMILIES[tag.family] and tag.label not in NONE_LABELS
        assert min_score <= tag.score <= 1.0
        assert tag.frames and set(tag.frames) <= frame_labels


def test_tags_from_a_real_checkpoint_are_valid_and_deterministic(
    shared_config: ClipConfig, keyframes: list[tuple[str, Path]]
) -> None:
    first = clip_tags(keyframes, shared_config)
    _assert_valid(first, {label for label, _ in keyframes}, 0.0)
    assert clip_tags(keyframes, shared_config) == first
    # the threshold only removes tags, it never changes a family's winner
    strict = clip_tags(keyframes, dataclasses.replace(shared_config, min_score=0.9))
    assert all(t.score >= 0.9 for t in strict)
    assert {(t.family, t.label) for t in strict} <= {(t.family, t.label) for t in first}


def test_the_model_loads_once_per_process(
    tiny_model: tuple[Path, Path], keyframes: list[tuple[str, Path]], tmp_path: Path
) -> None:
    config = _config(tiny_model, tmp_path)
    before = clip_stats()["models_loaded"]
    clip_tags(keyframes, config)
    clip_tags(keyframes[:1], config)
    assert load_clip(config) is load_clip(config)
    assert clip_stats()["models_loaded"] == before + 1


def test_prompt_embeddings_are_cached_on_disk_and_reused(
    tiny_model: tuple[Path, Path], keyframes: list[tuple[str, Path]], tmp_path: Path
) -> None:
    config = _config(tiny_model, tmp_path)
    before = clip_stats()
    tags = clip_tags(keyframes, config)
    assert clip_stats()["prompt_sets_encoded"] == before["prompt_sets_encoded"] + 1
    [cache_file] = (tmp_path / "clip-cache").glob("*.npy")
    assert MODEL in cache_file.name and PROMPT_SET_VERSION in cache_file.name
    written = cache_file.stat().st_mtime_ns

    clear_prompt_cache()  # as in a new worker process: only the .npy is left
    assert clip_tags(keyframes, config) == tags
    after = clip_stats()
    assert after["prompt_sets_encoded"] == before["prompt_sets_encoded"] + 1, "no text encoding the second time"
    assert after["prompt_sets_read"] == before["prompt_sets_read"] + 1
    assert cache_file.stat().st_mtime_ns == written

    cache_file.write_bytes(b"not an npy file")  # a damaged cache is re-encoded, not trusted
    clear_prompt_cache()
    assert clip_tags(keyframes, config) == tags
    assert clip_stats()["prompt_sets_encoded"] == before["prompt_sets_encoded"] + 2


def test_a_second_process_reads_the_prompt_cache_instead_of_encoding(
    shared_config: ClipConfig, keyframes: list[tuple[str, Path]]
) -> None:
    config = shared_config
    tags = clip_tags(keyframes, config)
    script = textwrap.dedent(
        f"""
        import json
        from pathlib import Path
        from tiktok_pipelines.lib.extraction.clip import ClipConfig, clip_stats, clip_tags
        config = ClipConfig(model={MODEL!r}, checkpoint=Path({str(config.checkpoint)!r}),
                            model_config=Path({str(config.model_config)!r}),
                            cache_dir=Path({str(config.cache_dir)!r}), min_score=0.0)
        tags = clip_tags([(l, Path(p)) for l, p in {[(label, str(path)) for label, path in keyframes]!r}], config)
        print(json.dumps({{"stats": clip_stats(), "tags": [t.model_dump(mode="json") for t in tags]}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120, env=os.environ
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["stats"] == {"models_loaded": 1, "prompt_sets_encoded": 0, "prompt_sets_read": 1}
    assert [Tag.model_validate(t) for t in result["tags"]] == tags


def test_no_or_missing_weights_are_unavailable_with_a_reason(tmp_path: Path, keyframes: list[tuple[str, Path]]) -> None:
    assert clip_availability(None) == (False, "no CLIP weights configured (set TIKTOK_CLIP_CHECKPOINT)")
    with pytest.raises(ClipUnavailable, match=r"no CLIP weights configured \(set TIKTOK_CLIP_CHECKPOINT\)"):
        clip_tags(keyframes, ClipConfig())
    missing = tmp_path / "ViT-B-32.safetensors"
    with pytest.raises(ClipUnavailable, match=f"checkpoint not found: {missing}"):
        clip_tags(keyframes, ClipConfig(checkpoint=missing))


def test_a_model_config_must_name_the_model(tiny_model: tuple[Path, Path], tmp_path: Path) -> None:
    config = _config(tiny_model, tmp_path, model="ViT-B-32")
    available, reason = clip_availability(config)
    assert not available
    assert f"defines model {MODEL!r}, but the configured model is 'ViT-B-32'" in reason


def test_a_broken_checkpoint_is_an_error_naming_the_file(
    tiny_model: tuple[Path, Path], keyframes: list[tuple[str, Path]], tmp_path: Path
) -> None:
    config = _config(tiny_model, tmp_path)
    assert config.checkpoint is not None
    config.checkpoint.write_bytes(b"truncated download")
    with pytest.raises(ClipError, match=f"cannot load {MODEL} weights from .*{config.checkpoint.name}"):
        clip_tags(keyframes, config)

    # the statistics survive a failing CLIP; the result says what failed
    result = describe_frames([(label, 1.0, path) for label, path in keyframes], clip=config)
    assert result.status == "partial" and result.clip_status == "error"
    assert len(result.frames) == len(keyframes) and result.tags == ()
    assert "CLIP tagging failed" in result.note and config.checkpoint.name in result.note


def test_describe_frames_adds_clip_tags_when_weights_are_present(
    shared_config: ClipConfig, keyframes: list[tuple[str, Path]]
) -> None:
    config = shared_config
    result = describe_frames([(label, float(i), path) for i, (label, path) in enumerate(keyframes)], clip=config)
    assert result.status == "ok" and result.clip_status == "ok" and result.note == ""
    assert result.clip_model == f"{MODEL}:tiny.safetensors"
    assert list(result.tags) == clip_tags(keyframes, config)
    assert [f.frame for f in result.frames] == [label for label, _ in keyframes]
    assert VisualTags.model_validate_json(result.model_dump_json()) == result


def test_config_from_the_environment(tmp_path: Path) -> None:
    config = ClipConfig.from_env(
        {"TIKTOK_CLIP_CHECKPOINT": str(tmp_path / "w.safetensors"), "TIKTOK_CLIP_THREADS": "1"}
    )
    assert config.model == "ViT-B-32" and config.checkpoint == tmp_path / "w.safetensors" and config.threads == 1
    assert ClipConfig.from_env({}).checkpoint is None
    with pytest.raises(ValueError, match="TIKTOK_CLIP_THREADS must be an integer"):
        ClipConfig.from_env({"TIKTOK_CLIP_THREADS": "two"})


def test_importing_the_extractors_does_not_import_torch() -> None:
    script = (
        "import sys\n"
        "import tiktok_pipelines.lib.extraction.clip, tiktok_pipelines.lib.extraction.visual\n"
        "import tiktok_pipelines.lib.extraction.torch_shim\n"
        "heavy = [m for m in ('torch', 'open_clip', 'torchvision', 'cv2') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
