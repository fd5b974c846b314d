"""Cohort programs: what a cohort is made of and how often one starts (seed 004's "init" step).

A program is read from a YAML file (`TIKTOK_COHORT_PROGRAMS`) or is the built-in default. Every
value is checked here, so a bad file fails at load with the file, program and key in the message
instead of at 3 a.m. inside a run.

```yaml
programs:
  - name: public            # cohort ids are <name>-<YYYYMMDDTHHMM>
    cron: "0 12 * * *"       # UTC
    source: research_api     # or page_json (unofficial, off unless enabled)
    size: 100
    freshness_min_h: 48      # the Research API indexes new videos after up to 48 h
    freshness_max_h: 96
    performance_mix: {"<10K": 0.25, "10K-100K": 0.35, "100K-1M": 0.25, "1M+": 0.15}
    query: {"and": [{"operation": "IN", "field_name": "region_code", "field_values": ["US", "GB"]}]}
```
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tiktok_pipelines.lib.settings import ConfigError

# Views at selection, lower bound inclusive. The prototype asked for "1K, 100K, 1M+" mixes.
PERFORMANCE_BANDS: tuple[tuple[str, int], ...] = (("<10K", 0), ("10K-100K", 10_000), ("100K-1M", 100_000), ("1M+", 1_000_000))
DEFAULT_MIX: dict[str, float] = {"<10K": 0.25, "10K-100K": 0.35, "100K-1M": 0.25, "1M+": 0.15}
DEFAULT_QUERY: dict[str, Any] = {
    "and": [{"operation": "IN", "field_name": "region_code", "field_values": ["US", "GB", "CA", "AU"]}]
}
SOURCES = ("research_api", "page_json")
QUERY_FIELDS = frozenset(
    {"create_date", "region_code", "hashtag_name", "keyword", "username", "music_id", "video_id", "video_length",
     "effect_id", "view_count", "comment_count"}
)
QUERY_OPERATIONS = frozenset({"EQ", "IN", "GT", "GTE", "LT", "LTE"})
_NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
_CRON_NAMES = {
    3: {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())},
    4: {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())},
}
_CRON_PART = re.compile(r"^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?$")
OWN_PROGRAM = "own"


def performance_band(views: int | None) -> str | None:
    if views is None:
        return None
    band = PERFORMANCE_BANDS[0][0]
    for name, low in PERFORMANCE_BANDS:
        if views >= low:
            band = name
    return band


@dataclass(frozen=True)
class CohortProgram:
    name: str = "public"
    cron: str = "0 12 * * *"
    source: str = "research_api"
    size: int = 100
    freshness_min_h: float = 48.0
    freshness_max_h: float = 96.0
    performance_mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    query: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_QUERY))
    tolerance_minutes: float = 15.0
    top_comments: int = 50
    comment_pages: int = 1  # 100 comments scanned per page; TikTok does not sort them by likes
    quota_reserve: int = 50  # requests left for the rest of the research organisation
    max_selection_pages: int = 30

    def cohort_id(self, start: Any) -> str:
        return f"{self.name}-{start:%Y%m%dT%H%M}"

    def as_config(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def cron_problem(cron: str) -> str | None:
    """Why a 5-field cron expression is invalid (None when it is valid)."""
    fields = cron.split()
    if len(fields) != 5:
        return f"expected 5 fields, got {len(fields)}"
    for i, (field_, (name, low, high)) in enumerate(zip(fields, _CRON_FIELDS, strict=True)):
        for part in field_.lower().split(","):
            m = _CRON_PART.match(part)
            if not m or (m.group(2) is not None and int(m.group(2)) == 0):
                return f"{name} field {field_!r} is not valid"
            if m.group(1) == "*":
                continue
            for bound in m.group(1).split("-"):
                value = _CRON_NAMES.get(i, {}).get(bound) if not bound.isdigit() else int(bound)
                if value is None or not low <= value <= high:
                    return f"{name} {bound!r} is outside {low}-{high}"
    return None


def validate_query(query: Any, where: str = "query") -> dict[str, Any]:
    """TikTok's and/or/not condition format, checked before it costs a request."""
    if not isinstance(query, dict) or not query or set(query) - {"and", "or", "not"}:
        raise ConfigError(f"{where} must be an object with and/or/not lists, got {query!r}")
    for key, conditions in query.items():
        if not isinstance(conditions, list) or not conditions:
            raise ConfigError(f"{where}.{key} must be a non-empty list of conditions")
        for i, cond in enumerate(conditions):
            at = f"{where}.{key}[{i}]"
            if not isinstance(cond, dict):
                raise ConfigError(f"{at} must be an object")
            if cond.get("field_name") not in QUERY_FIELDS:
                raise ConfigError(f"{at}.field_name {cond.get('field_name')!r} is not one of {sorted(QUERY_FIELDS)}")
            if cond.get("operation") not in QUERY_OPERATIONS:
                raise ConfigError(f"{at}.operation {cond.get('operation')!r} is not one of {sorted(QUERY_OPERATIONS)}")
            values = cond.get("field_values")
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                raise ConfigError(f"{at}.field_values must be a non-empty list of strings")
    return query


def _number(raw: dict, key: str, default: float, where: str, *, minimum: float, integer: bool = False) -> Any:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not float(value).is_integer()):
        raise ConfigError(f"{where}.{key} must be {'an integer' if integer else 'a number'}, got {value!r}")
    if not math.isfinite(value) or value < minimum:
        raise ConfigError(f"{where}.{key} must be >= {minimum}, got {value!r}")
    return int(value) if integer else float(value)


def parse_program(raw: Any, where: str) -> CohortProgram:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping")
    known = set(CohortProgram.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{where} has unknown keys {sorted(unknown)}; known: {sorted(known)}")
    d = CohortProgram()
    name = raw.get("name", d.name)
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or name == OWN_PROGRAM:
        raise ConfigError(f"{where}.name must match [a-z][a-z0-9_]{{0,31}} and not be {OWN_PROGRAM!r}, got {name!r}")
    cron = raw.get("cron", d.cron)
    problem = cron_problem(cron) if isinstance(cron, str) else "not a string"
    if problem:
        raise ConfigError(f"{where}.cron must be a 5-field cron expression (UTC), got {cron!r}: {problem}")
    source = raw.get("source", d.source)
    if source not in SOURCES:
        raise ConfigError(f"{where}.source must be one of {SOURCES}, got {source!r}")
    mix = raw.get("performance_mix", d.performance_mix)
    bands = {b for b, _ in PERFORMANCE_BANDS}
    if (
        not isinstance(mix, dict) or not mix or set(mix) - bands
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in mix.values())
        or sum(mix.values()) <= 0
    ):
        raise ConfigError(f"{where}.performance_mix must map bands {sorted(bands)} to non-negative weights, got {mix!r}")
    fmin = _number(raw, "freshness_min_h", d.freshness_min_h, where, minimum=0)
    fmax = _number(raw, "freshness_max_h", d.freshness_max_h, where, minimum=0)
    if fmax <= fmin:
        raise ConfigError(f"{where}: freshness_max_h ({fmax}) must be greater than freshness_min_h ({fmin})")
    total = sum(mix.values())
    return CohortProgram(
        name=name,
        cron=cron.strip(),
        source=source,
        size=_number(raw, "size", d.size, where, minimum=1, integer=True),
        freshness_min_h=fmin,
        freshness_max_h=fmax,
        performance_mix={k: float(v) / total for k, v in mix.items()},
        query=validate_query(raw.get("query", d.query), f"{where}.query"),
        tolerance_minutes=_number(raw, "tolerance_minutes", d.tolerance_minutes, where, minimum=0),
        top_comments=_number(raw, "top_comments", d.top_comments, where, minimum=0, integer=True),
        comment_pages=_number(raw, "comment_pages", d.comment_pages, where, minimum=0, integer=True),
        quota_reserve=_number(raw, "quota_reserve", d.quota_reserve, where, minimum=0, integer=True),
        max_selection_pages=_number(raw, "max_selection_pages", d.max_selection_pages, where, minimum=1, integer=True),
    )


def load_programs(path: Path | None) -> list[CohortProgram]:
    """The programs in `path`, or the built-in default program when no file is configured."""
    if path is None:
        return [CohortProgram()]
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"TIKTOK_COHORT_PROGRAMS={path}: cannot read it ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"TIKTOK_COHORT_PROGRAMS={path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("programs"), list) or not raw["programs"]:
        raise ConfigError(f"TIKTOK_COHORT_PROGRAMS={path}: expected a top-level 'programs:' list")
    programs = [parse_program(p, f"{path}: programs[{i}]") for i, p in enumerate(raw["programs"])]
    names = [p.name for p in programs]
    if len(set(names)) != len(names):
        raise ConfigError(f"TIKTOK_COHORT_PROGRAMS={path}: program names repeat: {names}")
    return programs
