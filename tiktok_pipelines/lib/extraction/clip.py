"""Zero-shot visual tags with open_clip: which subject, shot type, setting, emotion, look, before/after
and brand-safety risk the keyframes show.

Each tag family is a small classifier: its labels are written as prompts (templates x synonyms),
encoded once and averaged per label (prompt ensembling), and a frame's label is the softmax over the
family's labels at CLIP's logit scale (100). Families that need a way to say "none of these" have a
"none"/"other" label, which is never reported as a tag.

Weights are never downloaded: `checkpoint` must be a local open_clip state dict (.safetensors, .bin,
.pt). Without one, `clip_availability` says why and callers carry on without CLIP. The model loads
once per process; prompt embeddings are cached in memory and as a .npy in `cache_dir`, because
encoding the prompts costs seconds on CPU while tagging nine frames costs well under one.

torch and open_clip are imported only when a model is loaded, so importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tiktok_pipelines.lib.extraction.artifacts import Tag

log = logging.getLogger(__name__)

# Bump when any template, label or synonym changes: cached prompt embeddings are keyed by it.
PROMPT_SET_VERSION = "tags-v1"

TEMPLATES: tuple[str, ...] = (
    "a photo of {}.",
    "a TikTok video frame of {}.",
    "a screenshot of {}.",
)

# The label CLIP picks when nothing else in the family fits; it is never reported.
NONE_LABELS = frozenset({"none", "other"})

TAG_FAMILIES: dict[str, tuple[str, ...]] = {
    "subject": (
        "person talking to camera",
        "group of people",
        "hands demonstrating",
        "product",
        "food or drink",
        "animal",
        "text on screen",
        "app or website",
        "other",
    ),
    "shot_type": (
        "face close-up",
        "medium shot",
        "wide shot",
        "product close-up",
        "overhead shot",
        "screen recording",
        "text card",
    ),
    "setting": (
        "home interior",
        "kitchen",
        "bathroom",
        "bedroom",
        "office",
        "studio backdrop",
        "store",
        "gym",
        "city street",
        "nature",
        "car",
        "other",
    ),
    "emotion": (
        "happy",
        "surprised",
        "sad",
        "angry",
        "neutral",
        "none",
    ),
    "aesthetics": (
        "professional studio production",
        "casual phone footage",
        "blurry low quality",
        "dark and poorly lit",
    ),
    "before_after": (
        "before and after comparison",
        "split screen",
        "none",
    ),
    "brand_safety": (
        "weapons",
        "alcohol",
        "smoking",
        "drugs",
        "violence or gore",
        "nudity",
        "gambling",
        "none",
    ),
}

# What each label is written as inside the templates; a label without an entry is used as written.
LABEL_PHRASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("subject", "person talking to camera"): ("a person talking to the camera", "a creator talking into a phone"),
    ("subject", "group of people"): ("a group of people", "several friends together"),
    ("subject", "hands demonstrating"): ("hands demonstrating a product", "hands holding and using an item"),
    ("subject", "product"): ("a product", "a packaged consumer product"),
    ("subject", "food or drink"): ("food", "a drink"),
    ("subject", "animal"): ("a pet", "an animal"),
    ("subject", "text on screen"): ("large text on a plain background", "a title card with words"),
    ("subject", "app or website"): ("a phone app screen", "a website on a screen"),
    ("subject", "other"): ("something else", "an abstract pattern"),
    ("shot_type", "face close-up"): ("a close-up of a face", "a selfie close-up"),
    ("shot_type", "medium shot"): ("a medium shot of a person from the waist up",),
    ("shot_type", "wide shot"): ("a wide shot showing a whole scene", "a person seen from far away"),
    ("shot_type", "product close-up"): ("a close-up of a product", "a macro shot of an object"),
    ("shot_type", "overhead shot"): ("an overhead shot looking down at a table", "a top-down view"),
    ("shot_type", "screen recording"): ("a screen recording of a phone", "a screen capture of an app"),
    ("shot_type", "text card"): ("a text card", "a slide with text"),
    ("setting", "home interior"): ("a living room", "the inside of a home"),
    ("setting", "kitchen"): ("a kitchen",),
    ("setting", "bathroom"): ("a bathroom",),
    ("setting", "bedroom"): ("a bedroom",),
    ("setting", "office"): ("an office", "a desk with a computer"),
    ("setting", "studio backdrop"): ("a photo studio with a plain backdrop",),
    ("setting", "store"): ("a shop", "a supermarket aisle"),
    ("setting", "gym"): ("a gym",),
    ("setting", "city street"): ("a city street", "an urban outdoor scene"),
    ("setting", "nature"): ("nature outdoors", "a beach", "a forest"),
    ("setting", "car"): ("the inside of a car",),
    ("setting", "other"): ("an unknown place", "a graphic with no real location"),
    ("emotion", "happy"): ("a smiling happy person", "a person laughing"),
    ("emotion", "surprised"): ("a surprised person", "a shocked face"),
    ("emotion", "sad"): ("a sad person", "a person crying"),
    ("emotion", "angry"): ("an angry person",),
    ("emotion", "neutral"): ("a person with a neutral expression",),
    ("emotion", "none"): ("a scene with no person", "an object with no face"),
    ("aesthetics", "professional studio production"): ("a professional studio shot", "a polished commercial ad"),
    ("aesthetics", "casual phone footage"): ("an amateur phone video", "authentic user-generated content"),
    ("aesthetics", "blurry low quality"): ("a blurry low quality photo", "a pixelated image"),
    ("aesthetics", "dark and poorly lit"): ("a dark poorly lit photo", "an underexposed image"),
    ("before_after", "before and after comparison"): ("a before and after comparison", "a before/after transformation"),
    ("before_after", "split screen"): ("a split screen with two images side by side",),
    ("before_after", "none"): ("a single ordinary scene",),
    ("brand_safety", "weapons"): ("a gun", "a knife used as a weapon"),
    ("brand_safety", "alcohol"): ("alcoholic drinks", "a bottle of beer or wine"),
    ("brand_safety", "smoking"): ("a person smoking a cigarette", "a vape"),
    ("brand_safety", "drugs"): ("illegal drugs", "pills and drug paraphernalia"),
    ("brand_safety", "violence or gore"): ("violence and blood", "a gory injury"),
    ("brand_safety", "nudity"): ("nudity", "explicit sexual content"),
    ("brand_safety", "gambling"): ("gambling in a casino", "betting and slot machines"),
    ("brand_safety", "none"): ("an ordinary safe everyday scene",),
}

LOGIT_SCALE = 100.0
_TEXT_BATCH = 64


class ClipUnavailable(RuntimeError):
    """CLIP cannot run here (no weights configured, weights or open_clip missing); the message says which."""


class ClipError(RuntimeError):
    """CLIP is configured but failed (the checkpoint does not load, a frame cannot be read, inference
    failed); the message names the file or model."""


@dataclass(frozen=True)
class ClipConfig:
    model: str = "ViT-B-32"
    checkpoint: Path | None = None  # a local open_clip state dict; never downloaded
    model_config: Path | None = None  # custom open_clip JSON; its file name (stem) is the model name
    cache_dir: Path | None = None  # prompt-embedding cache (.npy per model + checkpoint + prompt-set version)
    threads: int = 2
    min_score: float = 0.35  # a family's best label is reported only at or above this softmax score

    def __post_init__(self) -> None:
        for name in ("checkpoint", "model_config", "cache_dir"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                object.__setattr__(self, name, Path(value))
        if not self.model or not isinstance(self.model, str):
            raise ValueError(f"ClipConfig.model must be an open_clip model name, got {self.model!r}")
        if self.threads < 1:
            raise ValueError(f"ClipConfig.threads must be >= 1, got {self.threads}")
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError(f"ClipConfig.min_score must be within 0..1, got {self.min_score}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClipConfig:
        """TIKTOK_CLIP_CHECKPOINT (the weights file; unset = CLIP unavailable), TIKTOK_CLIP_MODEL,
        TIKTOK_CLIP_MODEL_CONFIG, TIKTOK_CLIP_CACHE_DIR, TIKTOK_CLIP_THREADS."""
        env = os.environ if environ is None else environ

        def path(name: str) -> Path | None:
            raw = (env.get(name) or "").strip()
            return Path(raw).expanduser() if raw else None

        raw_threads = (env.get("TIKTOK_CLIP_THREADS") or "").strip()
        try:
            threads = int(raw_threads) if raw_threads else 2
        except ValueError:
            raise ValueError(f"TIKTOK_CLIP_THREADS must be an integer, got {raw_threads!r}") from None
        return cls(
            model=(env.get("TIKTOK_CLIP_MODEL") or "").strip() or "ViT-B-32",
            checkpoint=path("TIKTOK_CLIP_CHECKPOINT"),
            model_config=path("TIKTOK_CLIP_MODEL_CONFIG"),
            cache_dir=path("TIKTOK_CLIP_CACHE_DIR"),
            threads=threads,
        )

    @property
    def description(self) -> str:
        """What produced the tags, for the artifact: model name and weights file."""
        return f"{self.model}:{self.checkpoint.name}" if self.checkpoint else self.model


# --- availability -----------------------------------------------------------------------------------------


def clip_availability(config: ClipConfig | None) -> tuple[bool, str]:
    """Whether CLIP can run with this config, and if not, why (without importing torch)."""
    if config is None or config.checkpoint is None:
        return False, "no CLIP weights configured (set TIKTOK_CLIP_CHECKPOINT)"
    if not config.checkpoint.is_file():
        return False, f"checkpoint not found: {config.checkpoint}"
    if config.model_config is not None:
        if not config.model_config.is_file():
            return False, f"model config not found: {config.model_config}"
        if config.model_config.stem != config.model:
            return False, (
                f"model config {config.model_config} defines model {config.model_config.stem!r}, "
                f"but the configured model is {config.model!r} (name the file <model>.json)"
            )
    if importlib.util.find_spec("open_clip") is None:
        return False, "open_clip is not installed (pip install open_clip_torch)"
    return True, f"{config.description} from {config.checkpoint}"


def _require_available(config: ClipConfig) -> None:
    available, reason = clip_availability(config)
    if not available:
        raise ClipUnavailable(reason)


# --- model loading (once per process per config) ------------------------------------------------------------


@dataclass
class LoadedClip:
    model: Any  # open_clip.CLIP, eval mode
    preprocess: Any  # PIL image -> tensor
    tokenizer: Any
    image_size: int
    key: str  # identifies model + weights + model config: the prompt cache is keyed by it


_lock = threading.RLock()
_models: dict[str, LoadedClip | ClipError] = {}
_prompt_embeddings: dict[str, np.ndarray] = {}
_stats: Counter[str] = Counter()


def clip_stats() -> dict[str, int]:
    """How often this process loaded a model, encoded the prompt set, or read it from the disk cache."""
    with _lock:
        return {name: _stats[name] for name in ("models_loaded", "prompt_sets_encoded", "prompt_sets_read")}


def clear_prompt_cache() -> None:
    """Forget the in-memory prompt embeddings (the disk cache stays); the next call reads the .npy."""
    with _lock:
        _prompt_embeddings.clear()


def _weights_key(config: ClipConfig) -> str:
    assert config.checkpoint is not None
    checkpoint = config.checkpoint.resolve()
    try:
        stat = checkpoint.stat()
    except OSError as e:  # removed since clip_availability looked
        raise ClipUnavailable(f"checkpoint not found: {config.checkpoint}") from e
    parts: dict[str, Any] = {
        "model": config.model,
        "checkpoint": str(checkpoint),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }
    if config.model_config is not None:
        parts["model_config_sha256"] = hashlib.sha256(config.model_config.read_bytes()).hexdigest()
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def load_clip(config: ClipConfig) -> LoadedClip:
    """The model for this config, created on the first call and reused afterwards (a failed load is
    remembered too, until the checkpoint file changes). Raises ClipUnavailable or ClipError."""
    _require_available(config)
    key = _weights_key(config)
    with _lock:
        cached = _models.get(key)
        if cached is None:
            try:
                cached = _create(config, key)
            except ClipError as e:
                cached = e
            _models[key] = cached
            if isinstance(cached, LoadedClip):
                _stats["models_loaded"] += 1
    if isinstance(cached, ClipError):
        raise ClipError(str(cached)) from cached.__cause__
    return cached


def _import_open_clip() -> Any:
    # huggingface_hub reads this when imported: no hub lookups, ever (weights are local files).
    os.environ["HF_HUB_OFFLINE"] = "1"
    from tiktok_pipelines.lib.extraction.torch_shim import ensure_torchvision_importable

    ensure_torchvision_importable()
    try:
        import open_clip
    except ImportError as e:
        raise ClipUnavailable(f"open_clip cannot be imported: {e}") from e
    return open_clip


def _create(config: ClipConfig, key: str) -> LoadedClip:
    import torch

    open_clip = _import_open_clip()
    torch.set_num_threads(config.threads)
    if config.model_config is not None:
        _register_model_config(open_clip, config.model_config)
    if config.model not in open_clip.list_models():
        raise ClipError(
            f"unknown open_clip model {config.model!r} (give its JSON as model_config, or one of "
            f"{', '.join(open_clip.list_models()[:8])}, ...)"
        )
    assert config.checkpoint is not None
    checkpoint = str(config.checkpoint.resolve())
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(config.model, pretrained=checkpoint)
        tokenizer = open_clip.get_tokenizer(config.model)
    except Exception as e:  # open_clip raises RuntimeError/KeyError/OSError for a bad or mismatched file
        raise ClipError(f"cannot load {config.model} weights from {checkpoint}: {type(e).__name__}: {e}") from e
    model.eval()
    size = getattr(model.visual, "image_size", 224)
    image_size = int(max(size) if isinstance(size, (tuple, list)) else size)
    return LoadedClip(model=model, preprocess=preprocess, tokenizer=tokenizer, image_size=image_size, key=key)


def _register_model_config(open_clip: Any, path: Path) -> None:
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ClipError(f"model config {path} is not readable JSON: {e}") from e
    missing = [k for k in ("embed_dim", "vision_cfg", "text_cfg") if k not in config]
    if missing:
        raise ClipError(f"model config {path} lacks {', '.join(missing)} (not an open_clip model config)")
    open_clip.add_model_config(path)


# --- prompt embeddings ----------------------------------------------------------------------------------------


def family_prompts() -> list[tuple[str, str, list[str]]]:
    """(family, label, prompts) in TAG_FAMILIES order: the rows of the prompt-embedding matrix."""
    rows = []
    for family, labels in TAG_FAMILIES.items():
        for label in labels:
            phrases = LABEL_PHRASES.get((family, label), (label,))
            rows.append((family, label, [t.format(p) for t in TEMPLATES for p in phrases]))
    return rows


def _prompt_set_digest() -> str:
    return hashlib.sha256(json.dumps(family_prompts()).encode()).hexdigest()


def _cache_file(config: ClipConfig, loaded: LoadedClip) -> Path | None:
    if config.cache_dir is None:
        return None
    model = re.sub(r"[^A-Za-z0-9._-]+", "_", config.model)
    digest = hashlib.sha256(f"{loaded.key}:{_prompt_set_digest()}".encode()).hexdigest()[:16]
    return config.cache_dir / f"clip-prompts-{model}-{PROMPT_SET_VERSION}-{digest}.npy"


def prompt_embeddings(config: ClipConfig, loaded: LoadedClip) -> np.ndarray:
    """One L2-normalised row per (family, label) in `family_prompts()` order: from memory, else from
    the .npy in cache_dir, else encoded now (and written there)."""
    rows = family_prompts()
    memory_key = f"{loaded.key}:{PROMPT_SET_VERSION}"
    with _lock:
        cached = _prompt_embeddings.get(memory_key)
        if cached is not None:
            return cached
        path = _cache_file(config, loaded)
        embeddings = _read_cached(path, len(rows))
        if embeddings is not None:
            _stats["prompt_sets_read"] += 1
        else:
            embeddings = _encode_prompts(config, loaded, rows)
            _stats["prompt_sets_encoded"] += 1
            _write_cached(path, embeddings)
        _prompt_embeddings[memory_key] = embeddings
        return embeddings


def _read_cached(path: Path | None, n_rows: int) -> np.ndarray | None:
    if path is None or not path.is_file():
        return None
    try:
        embeddings = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        log.warning("ignoring unreadable prompt-embedding cache %s: %s", path, e)
        return None
    if embeddings.ndim != 2 or embeddings.shape[0] != n_rows or not np.isfinite(embeddings).all():
        log.warning("ignoring prompt-embedding cache %s with shape %s", path, embeddings.shape)
        return None
    return embeddings.astype(np.float32, copy=False)


def _write_cached(path: Path | None, embeddings: np.ndarray) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as f:
            np.save(f, embeddings, allow_pickle=False)
        os.replace(partial, path)  # a reader in another process never sees half a file
    except OSError as e:
        log.warning("could not write the prompt-embedding cache %s: %s", path, e)


def _encode_prompts(config: ClipConfig, loaded: LoadedClip, rows: list[tuple[str, str, list[str]]]) -> np.ndarray:
    import torch

    torch.set_num_threads(config.threads)
    prompts = [p for _, _, label_prompts in rows for p in label_prompts]
    chunks = []
    with torch.inference_mode():
        for start in range(0, len(prompts), _TEXT_BATCH):
            tokens = loaded.tokenizer(prompts[start : start + _TEXT_BATCH])
            chunks.append(loaded.model.encode_text(tokens).float().numpy())
    encoded = _normalise(np.concatenate(chunks))
    out = np.empty((len(rows), encoded.shape[1]), dtype=np.float32)
    offset = 0
    for i, (_, _, label_prompts) in enumerate(rows):
        out[i] = encoded[offset : offset + len(label_prompts)].mean(axis=0)
        offset += len(label_prompts)
    return _normalise(out)


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


# --- tagging ---------------------------------------------------------------------------------------------------


def clip_tags(frames: Sequence[tuple[str, Path]], config: ClipConfig) -> list[Tag]:
    """For each tag family, the label that wins the most confident frame, with the frames it wins
    (at or above config.min_score). No tag for a family whose winner is its "none"/"other" label or
    scores below min_score. All frames go through the image tower in one batch.

    Raises ClipUnavailable (not configured / weights missing) or ClipError (load or inference failed)."""
    if not frames:
        _require_available(config)
        return []
    loaded = load_clip(config)
    text = prompt_embeddings(config, loaded)
    images = _encode_images(config, loaded, frames)
    return _best_tags(images, text, [label for label, _ in frames], config.min_score)


def _encode_images(config: ClipConfig, loaded: LoadedClip, frames: Sequence[tuple[str, Path]]) -> np.ndarray:
    import torch

    batch = torch.stack([loaded.preprocess(_open_frame(Path(path), loaded.image_size)) for _, path in frames])
    torch.set_num_threads(config.threads)
    try:
        with torch.inference_mode():
            features = loaded.model.encode_image(batch).float().numpy()
    except RuntimeError as e:
        raise ClipError(f"{config.description} image encoding failed: {e}") from e
    return _normalise(features)


def _open_frame(path: Path, image_size: int) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            # JPEG decoders can downscale by 1/2..1/8 while decoding; CLIP only needs image_size pixels.
            image.draft("RGB", (image_size, image_size))
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError) as e:
        raise ClipError(f"keyframe {path} cannot be read as an image: {e}") from e


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def _best_tags(images: np.ndarray, text: np.ndarray, frame_labels: list[str], min_score: float) -> list[Tag]:
    tags = []
    row = 0
    for family, labels in TAG_FAMILIES.items():
        probs = _softmax(LOGIT_SCALE * images @ text[row : row + len(labels)].T)  # frames x labels
        row += len(labels)
        tag = _family_tag(family, labels, probs, frame_labels, min_score)
        if tag is not None:
            tags.append(tag)
    return tags


def _family_tag(
    family: str, labels: tuple[str, ...], probs: np.ndarray, frame_labels: list[str], min_score: float
) -> Tag | None:
    winners = probs.argmax(axis=1)
    best: Tag | None = None
    for index, label in enumerate(labels):
        if label in NONE_LABELS:
            continue
        won = [f for f in range(len(frame_labels)) if winners[f] == index and probs[f, index] >= min_score]
        if not won:
            continue
        score = float(probs[won, index].max())
        if best is None or score > best.score:
            best = Tag(
                family=family,
                label=label,
                score=round(min(1.0, max(0.0, score)), 4),
                frames=tuple(frame_labels[f] for f in won),
            )
    return best
