"""Where things live and which source is used, read from the environment with safe defaults.

Only non-secret settings are read here. Secrets (client secret, tokens) are read where they are
used so that they never end up in a settings object that might be logged or shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEMO = "demo"
LIVE = "live"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse_url: str
    source: str  # "demo" (embedded demo world) or "live" (real TikTok APIs)
    api_base_url: str
    token_file: Path
    demo_video_count: int
    cohort_programs_file: Path | None = None  # None: the built-in default program
    page_json_enabled: bool = False  # the unofficial public-page source; off unless asked for
    own_cohorts: bool = True  # each new upload of the connected account becomes a cohort
    warehouse_auto_migrate: bool = True  # production turns it off: the init step migrates, runs only check

    @property
    def is_demo(self) -> bool:
        return self.source == DEMO

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def demo_clock_file(self) -> Path:
        return self.data_dir / "demo" / "clock.json"


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


def _int_env(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def _bool_env(name: str, default: bool) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true/false (1/0, yes/no, on/off), got {raw!r}")


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("TIKTOK_DATA_DIR") or Path.cwd() / "data").expanduser().resolve()
    source = (os.environ.get("TIKTOK_SOURCE") or DEMO).strip().lower()
    if source not in (DEMO, LIVE):
        raise ConfigError(f"TIKTOK_SOURCE must be 'demo' or 'live', got {source!r}")
    warehouse_url = os.environ.get("TIKTOK_WAREHOUSE_URL") or f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    default_token_file = Path.home() / ".config" / "tiktok_pipelines" / "tokens.json"
    token_file = Path(os.environ.get("TIKTOK_TOKEN_FILE") or default_token_file).expanduser()
    return Settings(
        data_dir=data_dir,
        warehouse_url=warehouse_url,
        source=source,
        api_base_url=(os.environ.get("TIKTOK_API_BASE_URL") or "https://open.tiktokapis.com").rstrip("/"),
        token_file=token_file,
        demo_video_count=_int_env("TIKTOK_DEMO_VIDEOS", 36),
        cohort_programs_file=Path(programs).expanduser() if (programs := os.environ.get("TIKTOK_COHORT_PROGRAMS")) else None,
        page_json_enabled=_bool_env("TIKTOK_PAGE_JSON", False),
        own_cohorts=_bool_env("TIKTOK_OWN_COHORTS", True),
        warehouse_auto_migrate=_bool_env("TIKTOK_WAREHOUSE_AUTO_MIGRATE", True),
    )


@dataclass(frozen=True)
class MediaSettings:
    """Media acquisition, storage and extraction backends (issue 4). Secrets (AWS keys, the OpenAI key)
    are read by the libraries that use them from their standard variables, never stored here."""

    drop_folder: Path  # the creator's upload folder (drafts included)
    drop_s3: str | None  # s3://bucket/prefix: the same, in a bucket
    settle_seconds: float  # a file modified more recently than this is still being uploaded
    media_store: str  # "local" (a folder under the data dir) or s3://bucket/prefix
    local_media_root: Path
    s3_endpoint_url: str | None  # any S3-compatible endpoint (MinIO, R2, moto in tests)
    retention_days: int
    max_seconds: int  # longer videos are analysed for their first max_seconds and marked partial
    runs_per_tick: int  # sensor fan-out cap
    max_download_bytes: int
    allow_private_urls: bool  # direct-URL downloads to private/loopback addresses (tests, intranets)
    ca_bundle: Path | None  # extra CA certificates for direct-URL downloads (a corporate TLS proxy)
    ytdlp: bool  # the yt-dlp adapter: outside TikTok's terms, opt-in only
    asr_backend: str  # pocketsphinx | faster-whisper | openai
    asr_model: str
    openai_base_url: str | None
    clip_model: str
    clip_checkpoint: Path | None
    clip_model_config: Path | None
    ocr_engine: str = "auto"  # auto | library | command (see lib/extraction/tesseract.py)

    @property
    def cache_dir(self) -> Path:
        return self.local_media_root.parent / "cache"


ASR_BACKENDS = ("pocketsphinx", "faster-whisper", "openai")
OCR_ENGINES = ("auto", "library", "command")


def _s3_url(name: str) -> str | None:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return None
    if not raw.startswith("s3://") or len(raw) <= 5:
        raise ConfigError(f"{name} must look like s3://bucket/prefix, got {raw!r}")
    return raw


def load_media_settings() -> MediaSettings:
    data_dir = load_settings().data_dir
    store = (os.environ.get("TIKTOK_MEDIA_STORE") or "local").strip()
    if store != "local":
        store = _s3_url("TIKTOK_MEDIA_STORE") or "local"
    backend = (os.environ.get("TIKTOK_ASR_BACKEND") or "pocketsphinx").strip().lower()
    if backend not in ASR_BACKENDS:
        raise ConfigError(f"TIKTOK_ASR_BACKEND must be one of {', '.join(ASR_BACKENDS)}, got {backend!r}")
    ocr_engine = (os.environ.get("TIKTOK_OCR_ENGINE") or "auto").strip().lower()
    if ocr_engine not in OCR_ENGINES:
        raise ConfigError(f"TIKTOK_OCR_ENGINE must be one of {', '.join(OCR_ENGINES)}, got {ocr_engine!r}")
    default_asr_model = {"pocketsphinx": "en-us", "openai": "whisper-1", "faster-whisper": ""}[backend]
    path = lambda name: Path(v).expanduser() if (v := (os.environ.get(name) or "").strip()) else None  # noqa: E731
    return MediaSettings(
        drop_folder=path("TIKTOK_DROP_FOLDER") or data_dir / "drop",
        drop_s3=_s3_url("TIKTOK_DROP_S3"),
        settle_seconds=float(_int_env("TIKTOK_DROP_SETTLE_SECONDS", 5, minimum=0)),
        media_store=store,
        local_media_root=data_dir / "media",
        s3_endpoint_url=(os.environ.get("TIKTOK_S3_ENDPOINT_URL") or "").strip() or None,
        retention_days=_int_env("TIKTOK_MEDIA_RETENTION_DAYS", 90),
        max_seconds=_int_env("TIKTOK_MEDIA_MAX_SECONDS", 180, minimum=5),
        runs_per_tick=_int_env("TIKTOK_MEDIA_RUNS_PER_TICK", 10),
        max_download_bytes=_int_env("TIKTOK_MEDIA_MAX_MB", 512) * 2**20,
        allow_private_urls=_bool_env("TIKTOK_MEDIA_ALLOW_PRIVATE_URLS", False),
        ca_bundle=path("TIKTOK_MEDIA_CA_BUNDLE"),
        ytdlp=_bool_env("TIKTOK_MEDIA_YTDLP", False),
        asr_backend=backend,
        asr_model=(os.environ.get("TIKTOK_ASR_MODEL") or default_asr_model).strip(),
        openai_base_url=(os.environ.get("TIKTOK_OPENAI_BASE_URL") or "").strip() or None,
        clip_model=(os.environ.get("TIKTOK_CLIP_MODEL") or "ViT-B-32").strip(),
        clip_checkpoint=path("TIKTOK_CLIP_CHECKPOINT"),
        clip_model_config=path("TIKTOK_CLIP_MODEL_CONFIG"),
        ocr_engine=ocr_engine,
    )


# --- scoring ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringSettings:
    brand_profile: Path | None  # None: the demo brand (lib/scoring/demo_brand.yaml)
    weights: dict[str, float] | None  # None: the rubric's defaults
    # The LLM critique's settings (TIKTOK_LLM_*) are read by lib/scoring/critique.LLMConfig.from_env.



def _weights_env(name: str) -> dict[str, float] | None:
    """`hook=0.3,depth=0.25,...`: all six core scores; checked again by the rubric."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return None
    out: dict[str, float] = {}
    for item in raw.split(","):
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"{name} must look like 'hook=0.3,depth=0.25,...', got item {item.strip()!r}")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"{name}: {key.strip()} must be a number, got {value.strip()!r}") from None
    from tiktok_pipelines.lib.scoring.rubric import check_weights

    try:
        return check_weights(out)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def load_scoring_settings() -> ScoringSettings:
    brand = (os.environ.get("TIKTOK_BRAND_PROFILE") or "").strip()
    return ScoringSettings(
        brand_profile=Path(brand).expanduser() if brand else None,
        weights=_weights_env("TIKTOK_SCORING_WEIGHTS"),
    )
