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
    )
