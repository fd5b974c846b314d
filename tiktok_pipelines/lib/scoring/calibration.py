"""How far the scoring engine is from human labels: per-score MAE with bootstrap confidence
intervals, bias, band agreement (share and Cohen's kappa) and the items it gets most wrong.

Plain statistics over plain values: `bench/calibrate.py` pairs the golden set's labels with the
engine's scores and hands them here as `ItemComparison`s. The figures are reported, not asserted:
the issue's bar is Hook and Depth MAE <= 1.0 (required); the aim is <= 0.5 on those two and <= 1.0
on all six core scores.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from tiktok_pipelines.lib.scoring.models import CORE_SCORES

BAND_ORDER: tuple[str, ...] = ("pass", "revise", "reshoot")


@dataclass(frozen=True)
class Target:
    score: str
    max_mae: float
    required: bool  # the bar (a --strict run fails without it); otherwise an aim


# The prototype's bar (required) and the aims.
TARGETS: tuple[Target, ...] = (
    Target("hook", 1.0, True),
    Target("depth", 1.0, True),
    Target("hook", 0.5, False),
    Target("depth", 0.5, False),
    *(Target(name, 1.0, False) for name in CORE_SCORES if name not in ("hook", "depth")),
)


# --- statistics --------------------------------------------------------------------------------------


def _paired(pred: Sequence[float], truth: Sequence[float], what: str) -> tuple[np.ndarray, np.ndarray]:
    p, t = np.asarray(list(pred), dtype=float), np.asarray(list(truth), dtype=float)
    if p.ndim != 1 or t.ndim != 1 or len(p) != len(t):
        raise ValueError(f"{what}: predictions and labels must be two flat sequences of the same length "
                         f"(got {len(p)} and {len(t)})")
    if len(p) == 0:
        raise ValueError(f"{what}: no items to compare")
    if not (np.isfinite(p).all() and np.isfinite(t).all()):
        raise ValueError(f"{what}: predictions and labels must be finite numbers")
    return p, t


def mae(pred: Sequence[float], truth: Sequence[float]) -> float:
    """Mean absolute error between predictions and labels."""
    p, t = _paired(pred, truth, "mae")
    return float(np.mean(np.abs(p - t)))


def bias(pred: Sequence[float], truth: Sequence[float]) -> float:
    """Mean signed error (prediction - label): positive means the engine scores too high."""
    p, t = _paired(pred, truth, "bias")
    return float(np.mean(p - t))


def bootstrap_ci(errors: Sequence[float], *, n: int = 2000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean absolute error: resample the items with
    replacement `n` times, take the (1-level)/2 and (1+level)/2 quantiles of the resampled MAEs.
    `errors` may be signed; their absolute values are used. The same seed gives the same interval."""
    if n < 1:
        raise ValueError(f"bootstrap_ci: n must be >= 1, got {n}")
    if not 0 < level < 1:
        raise ValueError(f"bootstrap_ci: level must be in (0, 1), got {level}")
    e = np.abs(np.asarray(list(errors), dtype=float))
    if e.ndim != 1 or len(e) == 0:
        raise ValueError("bootstrap_ci: errors must be a non-empty flat sequence")
    if not np.isfinite(e).all():
        raise ValueError("bootstrap_ci: errors must be finite numbers")
    rng = np.random.default_rng(seed)
    means = e[rng.integers(0, len(e), size=(n, len(e)))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def cohen_kappa(pred: Sequence[str], truth: Sequence[str]) -> float | None:
    """Cohen's kappa for two raters over the same items: (observed - chance) / (1 - chance). None
    when chance agreement is 1 (both used a single, identical category): kappa is undefined there."""
    if len(pred) != len(truth):
        raise ValueError(f"cohen_kappa: {len(pred)} predictions for {len(truth)} labels")
    if not truth:
        raise ValueError("cohen_kappa: no items to compare")
    k = len(truth)
    categories = sorted(set(pred) | set(truth))
    observed = sum(a == b for a, b in zip(pred, truth, strict=True)) / k
    chance = sum((list(pred).count(c) / k) * (list(truth).count(c) / k) for c in categories)
    if math.isclose(chance, 1.0):
        return None
    return (observed - chance) / (1 - chance)


@dataclass(frozen=True)
class BandAgreement:
    n: int
    agree: int
    share: float  # agree / n
    kappa: float | None  # Cohen's kappa; None when undefined (one category only)
    confusion: Mapping[str, Mapping[str, int]]  # label band -> engine band -> count


def band_agreement(pred_bands: Sequence[str], true_bands: Sequence[str]) -> BandAgreement:
    """How often the engine's band is the label's band, with Cohen's kappa (chance-corrected)."""
    pred, truth = list(pred_bands), list(true_bands)
    kappa = cohen_kappa(pred, truth)  # checks lengths and emptiness
    agree = sum(a == b for a, b in zip(pred, truth, strict=True))
    order = [b for b in BAND_ORDER if b in set(pred) | set(truth)] + sorted(set(pred) | set(truth) - set(BAND_ORDER))
    confusion = {t: {p: sum(1 for a, b in zip(pred, truth, strict=True) if b == t and a == p) for p in order}
                 for t in order}
    return BandAgreement(n=len(truth), agree=agree, share=agree / len(truth), kappa=kappa, confusion=confusion)


# --- the report ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemComparison:
    """One golden item: the rater's labels beside the engine's output."""

    id: str
    tier: str
    truth: Mapping[str, int]  # core score -> label
    predicted: Mapping[str, int]  # core score -> engine value
    why: Mapping[str, str]  # core score -> the rater's one-line justification
    true_band: str
    predicted_band: str
    true_silent_friendly: bool | None = None
    predicted_silent_friendly: bool | None = None
    true_capped: bool | None = None  # the rater saw a high-severity risk
    predicted_capped: bool | None = None  # the engine's compliance caps the band
    true_overall: int | None = None
    predicted_overall: int | None = None

    def error(self, score: str) -> int:
        return self.predicted[score] - self.truth[score]


@dataclass(frozen=True)
class ScoreStats:
    score: str
    n: int
    mae: float
    ci_low: float
    ci_high: float
    bias: float
    exact: float  # share of items where engine == label
    within_1: float  # share within one point


@dataclass(frozen=True)
class TargetResult:
    score: str
    max_mae: float
    required: bool
    mae: float | None  # None: no item had this score
    met: bool


@dataclass(frozen=True)
class WorstItem:
    id: str
    label: int
    predicted: int
    error: int  # predicted - label
    why: str  # the rater's justification for the label


@dataclass
class CalibrationReport:
    n_items: int
    scores: tuple[ScoreStats, ...]
    bands: BandAgreement
    targets: tuple[TargetResult, ...]
    worst: Mapping[str, tuple[WorstItem, ...]]
    silent_friendly_agreement: float | None = None
    compliance_cap_agreement: float | None = None
    overall_mae: float | None = None
    tier_mae: Mapping[str, float] = field(default_factory=dict)  # mean |error| over the six scores, per tier
    items: tuple[ItemComparison, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)  # rubric, rater, engine version, timings, failures
    level: float = 0.95

    @property
    def required_met(self) -> bool:
        return all(t.met for t in self.targets if t.required)

    def stats(self, score: str) -> ScoreStats:
        for s in self.scores:
            if s.score == score:
                return s
        raise KeyError(score)

    def to_dict(self) -> dict[str, Any]:
        def rounded(value: Any) -> Any:
            if isinstance(value, float):
                return round(value, 4)
            if isinstance(value, dict):
                return {k: rounded(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [rounded(v) for v in value]
            return value

        body = {
            "n_items": self.n_items,
            "level": self.level,
            "required_met": self.required_met,
            "scores": [asdict(s) for s in self.scores],
            "bands": asdict(self.bands),
            "silent_friendly_agreement": self.silent_friendly_agreement,
            "compliance_cap_agreement": self.compliance_cap_agreement,
            "overall_mae": self.overall_mae,
            "tier_mae": dict(self.tier_mae),
            "targets": [asdict(t) for t in self.targets],
            "worst": {score: [asdict(w) for w in items] for score, items in self.worst.items()},
            "items": [asdict(i) for i in self.items],
            "meta": self.meta,
        }
        return rounded(json.loads(json.dumps(body, default=str)))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, ensure_ascii=False)

    def render(self) -> str:
        """A text table for a terminal: per score MAE [CI], bias, n; bands; targets; worst items."""
        pct = f"{round(self.level * 100)}% CI"
        lines = []
        meta = self.meta
        names = (("rubric", "rubric"), ("scoring_version", "engine"), ("brand", "brand"), ("asr_backend", "ASR"))
        extras = [f"{label} {meta[key]}" for key, label in names if meta.get(key)]
        lines.append(" · ".join([f"Golden-set calibration: {self.n_items} items", *extras]))
        if meta.get("rater"):
            lines.append(f"labels: {meta['rater']}" + (f", {meta['labelled_on']}" if meta.get("labelled_on") else ""))
        lines.append("")
        lines.append(f"{'score':<10} {'MAE':>5}  {pct:<14} {'bias':>6}  {'exact':>5}  {'±1':>4}  {'n':>3}")
        for s in self.scores:
            ci = f"[{s.ci_low:.2f}, {s.ci_high:.2f}]"
            lines.append(f"{s.score:<10} {s.mae:>5.2f}  {ci:<14} {s.bias:>+6.2f}  {s.exact:>5.0%}  {s.within_1:>4.0%}  {s.n:>3}")
        if self.overall_mae is not None:
            lines.append(f"{'overall':<10} {self.overall_mae:>5.1f}  (0-100 scale)")
        lines.append("")
        b = self.bands
        kappa = "undefined (one band only)" if b.kappa is None else f"{b.kappa:.2f}"
        lines.append(f"bands: {b.agree}/{b.n} agree ({b.share:.0%}), Cohen's kappa {kappa}")
        order = list(b.confusion)
        lines.append("  label \\ engine " + " ".join(f"{p:>8}" for p in order))
        for t in order:
            lines.append(f"  {t:<15} " + " ".join(f"{b.confusion[t][p]:>8}" for p in order))
        if self.silent_friendly_agreement is not None:
            lines.append(f"silent-friendly agreement: {self.silent_friendly_agreement:.0%}")
        if self.compliance_cap_agreement is not None:
            lines.append(f"compliance cap agreement: {self.compliance_cap_agreement:.0%}")
        if self.tier_mae:
            lines.append("MAE by tier (six scores): " + ", ".join(f"{t} {v:.2f}" for t, v in self.tier_mae.items()))
        lines.append("")
        lines.append("targets:")
        for t in self.targets:
            status = "met" if t.met else "NOT MET"
            got = "no items" if t.mae is None else f"MAE {t.mae:.2f}"
            kind = "required" if t.required else "aim"
            lines.append(f"  [{status:^7}] {t.score} MAE <= {t.max_mae:.1f} ({kind}): {got}")
        lines.append("")
        lines.append("worst items per score (label vs engine; the rater's reason for the label):")
        for score, worst in self.worst.items():
            if not worst:
                lines.append(f"  {score}: every item matches its label")
                continue
            lines.append(f"  {score}:")
            for w in worst:
                lines.append(f"    {w.id:<28} label {w.label:>2}  engine {w.predicted:>2}  ({w.error:+d})  {w.why}")
        failed = meta.get("failed") or {}
        if failed:
            lines.append("")
            lines.append(f"not scored ({len(failed)}):")
            for item_id, reason in sorted(failed.items()):
                lines.append(f"  {item_id}: {reason}")
        return "\n".join(lines)


def _share(pairs: Sequence[tuple[Any, Any]]) -> float | None:
    known = [(a, b) for a, b in pairs if a is not None and b is not None]
    return sum(a == b for a, b in known) / len(known) if known else None


def build_report(
    items: Sequence[ItemComparison], *, scores: Sequence[str] = CORE_SCORES, targets: Sequence[Target] = TARGETS,
    worst_per_score: int = 3, n_boot: int = 2000, seed: int = 0, level: float = 0.95,
    meta: Mapping[str, Any] | None = None,
) -> CalibrationReport:
    """The calibration figures over `items` (each must carry every score in `scores`)."""
    items = sorted(items, key=lambda i: i.id)
    if not items:
        raise ValueError("build_report: no items to compare")
    for item in items:
        missing = [s for s in scores if s not in item.truth or s not in item.predicted]
        if missing:
            raise ValueError(f"build_report: item {item.id} lacks {', '.join(missing)} (label or prediction)")
    stats: list[ScoreStats] = []
    worst: dict[str, tuple[WorstItem, ...]] = {}
    for s in scores:
        pred = [i.predicted[s] for i in items]
        truth = [i.truth[s] for i in items]
        errors = [p - t for p, t in zip(pred, truth, strict=True)]
        low, high = bootstrap_ci(errors, n=n_boot, seed=seed, level=level)
        stats.append(ScoreStats(
            score=s, n=len(items), mae=mae(pred, truth), ci_low=low, ci_high=high, bias=bias(pred, truth),
            exact=sum(e == 0 for e in errors) / len(errors), within_1=sum(abs(e) <= 1 for e in errors) / len(errors),
        ))
        ranked = sorted((i for i in items if i.error(s) != 0), key=lambda i: (-abs(i.error(s)), i.id))
        worst[s] = tuple(WorstItem(i.id, i.truth[s], i.predicted[s], i.error(s), i.why.get(s, ""))
                         for i in ranked[:worst_per_score])
    by_score = {st.score: st.mae for st in stats}
    results = tuple(
        TargetResult(t.score, t.max_mae, t.required, by_score.get(t.score),
                     t.score in by_score and by_score[t.score] <= t.max_mae + 1e-9)
        for t in targets
    )
    overall = [(i.predicted_overall, i.true_overall) for i in items
               if i.predicted_overall is not None and i.true_overall is not None]
    tiers: dict[str, list[float]] = {}
    for i in items:
        tiers.setdefault(i.tier, []).extend(abs(i.error(s)) for s in scores)
    return CalibrationReport(
        n_items=len(items),
        scores=tuple(stats),
        bands=band_agreement([i.predicted_band for i in items], [i.true_band for i in items]),
        targets=results,
        worst=worst,
        silent_friendly_agreement=_share([(i.predicted_silent_friendly, i.true_silent_friendly) for i in items]),
        compliance_cap_agreement=_share([(i.predicted_capped, i.true_capped) for i in items]),
        overall_mae=mae(*zip(*overall, strict=True)) if overall else None,
        tier_mae={t: sum(v) / len(v) for t, v in sorted(tiers.items())},
        items=tuple(items),
        meta=dict(meta or {}),
        level=level,
    )


__all__ = [
    "BAND_ORDER",
    "TARGETS",
    "BandAgreement",
    "CalibrationReport",
    "ItemComparison",
    "ScoreStats",
    "Target",
    "TargetResult",
    "WorstItem",
    "band_agreement",
    "bias",
    "bootstrap_ci",
    "build_report",
    "cohen_kappa",
    "mae",
]
