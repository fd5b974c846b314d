"""The brand profile: who the videos speak for and what they may and may not say.

A YAML file, so a brand team edits it without touching code; `load_brand_profile` names the file and
the field when something is wrong. The demo profile (`demo_brand.yaml` beside this module) is the
seed's peptide hair-serum brand.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tiktok_pipelines.lib.extraction.caption import BrandLexicon

DEMO_BRAND_PATH = Path(__file__).with_name("demo_brand.yaml")


class BrandProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)  # "Bloom"
    version: str = "1"
    product: str = ""  # "peptide hair serum"
    terms: tuple[str, ...] = ()  # other ways the brand/product is named: "Bloom serum", "peptide serum"
    value_props: tuple[str, ...] = ()  # "hormone-free", "peptides": what Brand Fit looks for
    hashtags: tuple[str, ...] = ()  # the brand's own tags, without '#'
    niche_terms: tuple[str, ...] = ()  # the category's words (hair growth, scalp): on-topic signals
    banned_claims: tuple[str, ...] = ()  # phrases the brand never says (regex, case-insensitive)
    off_brand: tuple[str, ...] = ()  # words that clash with the brand (competitor names, "hormones")
    cta_phrases: tuple[str, ...] = ()  # the brand's own CTAs, on top of the built-in list
    safe_ctas: tuple[str, ...] = ()  # comms-safe CTA wording to suggest when a claim is risky
    paid_partnership: bool = False  # creators are paid: a disclosure (#ad, paid partnership) is required

    @field_validator("hashtags")
    @classmethod
    def _no_hash(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(t.lstrip("#").lower() for t in tags if t.strip("# "))

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def lexicon(self) -> BrandLexicon:
        return BrandLexicon(name=self.name, hashtags=self.hashtags, terms=(*self.terms, *self.value_props))


class BrandProfileError(ValueError):
    pass


def load_brand_profile(path: str | Path | None = None) -> BrandProfile:
    """Read a brand profile YAML; None means the demo profile."""
    source = Path(path) if path else DEMO_BRAND_PATH
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BrandProfileError(f"brand profile {source}: file not found") from exc
    except yaml.YAMLError as exc:
        raise BrandProfileError(f"brand profile {source}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise BrandProfileError(f"brand profile {source}: expected a mapping at the top, got {type(raw).__name__}")
    try:
        return BrandProfile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise BrandProfileError(f"brand profile {source}: {problems}") from exc
