"""Scoring configuration: the brand profile and weights (ScoringResource) and the optional LLM
critique (CritiqueResource). Both are read from the environment when definitions load; the LLM key
is never part of the resource config: it is read from the environment only when a call is made."""

import os

import dagster as dg

from tiktok_pipelines.lib.settings import load_scoring_settings


class ScoringResource(dg.ConfigurableResource):
    """Which brand the videos speak for and how the six core scores weigh into the overall."""

    brand_profile: str = ""  # YAML path; empty: the demo brand
    weights: dict[str, float] = {}  # empty: the rubric's defaults

    def brand(self):
        from tiktok_pipelines.lib.scoring.brand import load_brand_profile

        return load_brand_profile(self.brand_profile or None)

    def weight_map(self) -> dict[str, float]:
        from tiktok_pipelines.lib.scoring.rubric import DEFAULT_WEIGHTS, check_weights

        return check_weights(self.weights or DEFAULT_WEIGHTS)


class CritiqueResource(dg.ConfigurableResource):
    """The LLM critique's endpoint and model (off by default). Any OpenAI-compatible endpoint works."""

    enabled: bool = False
    base_url: str = ""
    model: str = "gpt-4o-mini"
    timeout_s: float = 30.0
    max_chars: int = 6000
    price_prompt_per_1m: float | None = None
    price_completion_per_1m: float | None = None

    def config(self):
        from tiktok_pipelines.lib.scoring.critique import LLMConfig

        key = (os.environ.get("TIKTOK_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY") or "").strip() or None
        return LLMConfig(enabled=self.enabled, base_url=self.base_url or None, model=self.model, api_key=key,
                         timeout_s=self.timeout_s, max_chars=self.max_chars,
                         price_prompt_per_1m=self.price_prompt_per_1m,
                         price_completion_per_1m=self.price_completion_per_1m)

    def fingerprint(self) -> str:
        from tiktok_pipelines.lib.scoring.critique import PROMPT_VERSION
        from tiktok_pipelines.lib.scoring.store import fingerprint

        return fingerprint(PROMPT_VERSION, self.enabled, self.base_url, self.model, self.max_chars)


@dg.definitions
def resources() -> dg.Definitions:
    from tiktok_pipelines.lib.scoring.critique import LLMConfig

    s = load_scoring_settings()
    llm = LLMConfig.from_env()
    return dg.Definitions(resources={
        "scoring": ScoringResource(brand_profile=str(s.brand_profile or ""), weights=s.weights or {}),
        "critique": CritiqueResource(
            enabled=llm.enabled, base_url=llm.base_url or "", model=llm.model, timeout_s=llm.timeout_s,
            max_chars=llm.max_chars, price_prompt_per_1m=llm.price_prompt_per_1m,
            price_completion_per_1m=llm.price_completion_per_1m,
        ),
    })
