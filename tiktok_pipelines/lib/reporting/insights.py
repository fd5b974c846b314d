"""Creative-vs-performance insights over this account's own videos.

Two views of the scored videos joined with their KPIs:
- rank correlations (Spearman) between every creative feature and each outcome, with a 95 % CI, the
  sample size and a p-value. The CI is Fisher's z with the Bonett-Wright (2000) standard error for
  Spearman's rho, sqrt((1 + rho^2 / 2) / (n - 3)): closed form, so it is deterministic and cheap, and
  better calibrated for rho than Pearson's 1 / sqrt(n - 3);
- archetypes: a seeded k-means (k-means++ with restarts, k by silhouette) on the standardized creative
  features, each cluster described by the features that set its centroid apart.

These are associations in one account's videos: never a forecast and never a cause. The Markdown says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.scoring.models import CORE_SCORES, PILLARS, VISUAL_SCORES
from tiktok_pipelines.lib.warehouse.schema import (
    creative_archetypes,
    insight_correlations,
    video_ai_analysis,
    video_archetypes,
    video_kpis,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

OUTCOMES: tuple[str, ...] = ("engagement_rate", "velocity_24h", "velocity_48h")
# Velocity is views per hour over the last 24/48 h, so it falls as a video ages: without a control,
# "which features go with velocity" mostly answers "which videos are newest". These outcomes are
# correlated with age held constant (partial Spearman).
AGE_CONTROL = "age_h"
AGE_CONTROLLED: tuple[str, ...] = ("velocity_24h", "velocity_48h")
SCORE_FEATURES: tuple[str, ...] = (*CORE_SCORES, "overall")
FLAG_FEATURES: tuple[str, ...] = ("silent_friendly", "high_severity_flags")
TAG_PREFIX = "tag:"
MIN_N = 10  # below this a pair is stored but never presented as a finding
MIN_GROUP = 3  # a 0/1 feature needs this many videos on each side to say anything
MIN_VIDEOS_TO_SPLIT = 8  # fewer videos than this: one archetype, no clustering
K_RANGE = range(2, 7)
WEAK_SILHOUETTE = 0.25
Z_95 = 1.959963984540054
FEATURE_NAME_MAX = 64  # insight_correlations.feature


def feature_kind(name: str) -> str:
    """score | pillar | visual | tag | flag for a feature column; ValueError for anything else."""
    if name in SCORE_FEATURES:
        return "score"
    if name in PILLARS:
        return "pillar"
    if name in VISUAL_SCORES:
        return "visual"
    if name in FLAG_FEATURES:
        return "flag"
    if name.startswith(TAG_PREFIX) and "=" in name:
        return "tag"
    raise ValueError(
        f"unknown creative feature {name!r}: expected a score ({', '.join(SCORE_FEATURES)}), pillar, visual score, "
        f"{' or '.join(FLAG_FEATURES)}, or a '{TAG_PREFIX}<key>=<value>' indicator"
    )


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The frame's feature columns in a fixed order: scores, pillars, visual, flags, then tags by name."""
    known = [c for c in (*SCORE_FEATURES, *PILLARS, *VISUAL_SCORES, *FLAG_FEATURES) if c in frame.columns]
    tags = sorted(c for c in frame.columns if c not in OUTCOMES and c != AGE_CONTROL and c not in known)
    for c in tags:
        feature_kind(c)  # a clear error for a stray column
    return known + tags


def _tag_names(tags: Any, angle: str | None, hook_type: str | None) -> set[str]:
    """Indicator names of one video's classification (`tags` JSON), e.g. 'tag:content_types=tutorial'."""
    names: set[str] = set()
    if not isinstance(tags, Mapping):
        tags = {"angle": angle, "hook_type": hook_type}
    for key, value in tags.items():
        if key == "evidence":
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v is None or v == "" or isinstance(v, (dict, list)):
                continue
            names.add(f"{TAG_PREFIX}{key}={v}"[:FEATURE_NAME_MAX])
    return names


def load_insight_frame(conn: Connection) -> pd.DataFrame:
    """One row per own video with a finished analysis and a KPI row (index video_id, sorted): every score,
    pillar and visual score, silent_friendly and high_severity_flags as numbers, classification tags as 0/1
    indicators, and the outcomes (NaN where the KPI is unknown)."""
    import numpy as np
    import pandas as pd

    a, k = video_ai_analysis.c, video_kpis.c
    cols = [a.video_id, *(a[c] for c in (*SCORE_FEATURES, *PILLARS, *VISUAL_SCORES)), a.silent_friendly,
            a.high_severity_flags, a.tags, a.angle, a.hook_type, *(k[c] for c in OUTCOMES), k.posted_at, k.as_of]
    rows = conn.execute(
        select(*cols).join(video_kpis, k.video_id == a.video_id).where(a.status == "done").order_by(a.video_id)
    ).mappings().all()
    numeric = [*SCORE_FEATURES, *PILLARS, *VISUAL_SCORES, *FLAG_FEATURES, *OUTCOMES]
    if not rows:
        return pd.DataFrame(columns=numeric, dtype=float).rename_axis("video_id")
    tag_sets = [_tag_names(r["tags"], r["angle"], r["hook_type"]) for r in rows]
    all_tags = sorted(set().union(*tag_sets))
    data: dict[str, list[float]] = {}
    for c in numeric:
        data[c] = [np.nan if r[c] is None else float(r[c]) for r in rows]
    for t in all_tags:
        data[t] = [1.0 if t in s else 0.0 for s in tag_sets]
    data[AGE_CONTROL] = [(r["as_of"] - r["posted_at"]).total_seconds() / 3600.0
                         if r["as_of"] is not None and r["posted_at"] is not None else np.nan for r in rows]
    frame = pd.DataFrame(data, index=pd.Index([r["video_id"] for r in rows], name="video_id"))
    return frame.replace([np.inf, -np.inf], np.nan)


# --- rank correlations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Correlation:
    """Spearman's rho between one feature and one outcome over the videos that have both."""

    feature: str
    feature_kind: str
    outcome: str
    n: int
    rho: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    strength: str | None = None
    reportable: bool = False
    note: str | None = None

    def as_row(self, computed_at: datetime) -> dict[str, Any]:
        return {**self.__dict__, "computed_at": computed_at}


def strength_label(rho: float) -> str:
    """Cohen's conventional words for |rho|."""
    r = abs(rho)
    return "negligible" if r < 0.1 else "weak" if r < 0.3 else "moderate" if r < 0.5 else "strong"


def spearman_ci(rho: float, n: int, z: float = Z_95) -> tuple[float, float] | tuple[None, None]:
    """Fisher-z interval with the Bonett-Wright standard error; (None, None) when n < 4. A sample rho of
    +-1 gives a zero-width interval (atanh is infinite there)."""
    if n < 4:
        return None, None
    if abs(rho) >= 1.0:
        return rho, rho
    half = z * math.sqrt((1.0 + rho * rho / 2.0) / (n - 3))
    center = math.atanh(rho)
    low, high = math.tanh(center - half), math.tanh(center + half)
    return min(low, rho), max(high, rho)


def _is_binary(values: np.ndarray) -> bool:
    import numpy as np

    return bool(np.isin(values, (0.0, 1.0)).all())


def correlate(feature: str, outcome: str, x: Sequence[float], y: Sequence[float]) -> Correlation:
    """One pair; NaNs dropped pairwise. No rho without variance on both sides or with fewer than 3 videos."""
    import numpy as np
    from scipy.stats import spearmanr

    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    n = int(keep.sum())
    base = {"feature": feature, "feature_kind": feature_kind(feature), "outcome": outcome, "n": n}
    if n < 3:
        return Correlation(**base, note=f"only {n} video(s) with both values: no correlation")
    if np.ptp(xs) == 0:
        return Correlation(**base, note=f"no variance: every video has {feature} = {xs[0]:g}")
    if np.ptp(ys) == 0:
        return Correlation(**base, note=f"no variance: every video has {outcome} = {ys[0]:g}")
    result = spearmanr(xs, ys)
    rho = float(min(1.0, max(-1.0, result.statistic)))
    p = float(min(1.0, max(0.0, result.pvalue)))
    low, high = spearman_ci(rho, n)
    notes, reportable = [], n >= MIN_N
    if n < MIN_N:
        notes.append(f"n < {MIN_N}: not shown as a finding")
    if _is_binary(xs):
        minority = int(min(xs.sum(), n - xs.sum()))
        if minority < MIN_GROUP:
            reportable = False
            notes.append(f"only {minority} video(s) on one side of this 0/1 feature: not shown as a finding")
    return Correlation(**base, rho=rho, ci_low=low, ci_high=high, p_value=p, strength=strength_label(rho),
                       reportable=reportable, note="; ".join(notes) or None)


def _without_rho(c: Correlation, note: str) -> Correlation:
    return Correlation(c.feature, c.feature_kind, c.outcome, c.n, note=note)


def partial_correlate(feature: str, outcome: str, x: Sequence[float], y: Sequence[float],
                      control: Sequence[float], control_name: str = "video age") -> Correlation:
    """Spearman's rho between x and y with `control` held constant (the partial correlation of the ranks),
    with a Fisher-z CI on n - 1 degrees of freedom and a t-test p-value on n - 3."""
    import numpy as np
    from scipy.stats import rankdata
    from scipy.stats import t as student_t

    xs, ys, zs = (np.asarray(v, dtype=float) for v in (x, y, control))
    keep = np.isfinite(xs) & np.isfinite(ys) & np.isfinite(zs)
    plain = correlate(feature, outcome, xs[keep], ys[keep])
    if plain.rho is None:
        return plain
    n = plain.n
    if n < 5 or np.ptp(zs[keep]) == 0:
        return _without_rho(plain, f"{control_name} could not be held constant (n = {n}): no rho")
    rx, ry, rz = (rankdata(v[keep]) for v in (xs, ys, zs))
    r = np.corrcoef(np.vstack([rx, ry, rz]))
    rxy, rxz, ryz = r[0, 1], r[0, 2], r[1, 2]
    denom = math.sqrt(max(0.0, (1 - rxz**2) * (1 - ryz**2)))
    if denom < 1e-9:
        return _without_rho(plain, f"{feature} or {outcome} is fully determined by {control_name}: no rho")
    rho = float(min(1.0, max(-1.0, (rxy - rxz * ryz) / denom)))
    low, high = spearman_ci(rho, n - 1)  # one variable held constant costs one degree of freedom
    df = n - 3
    p = 0.0 if abs(rho) >= 1.0 else float(2 * student_t.sf(abs(rho) * math.sqrt(df / (1 - rho * rho)), df))
    note = "; ".join(x for x in (f"{control_name} held constant (partial Spearman)", plain.note) if x)
    return Correlation(**{**plain.__dict__, "rho": rho, "ci_low": low, "ci_high": high, "p_value": min(1.0, p),
                          "strength": strength_label(rho), "note": note})


def rank_correlations(frame: pd.DataFrame, outcomes: Sequence[str] = OUTCOMES) -> list[Correlation]:
    """Every feature column against every outcome present, in a fixed order (outcome, then feature order).
    Velocity outcomes hold video age constant when the frame has it."""
    missing = [o for o in outcomes if o not in frame.columns]
    if missing:
        raise ValueError(f"insight frame lacks outcome column(s) {missing}; it has {sorted(map(str, frame.columns))}")
    features = feature_columns(frame)
    age = frame[AGE_CONTROL].to_numpy(dtype=float) if AGE_CONTROL in frame.columns else None
    out = []
    for o in outcomes:
        y = frame[o].to_numpy(dtype=float)
        for f in features:
            x = frame[f].to_numpy(dtype=float)
            out.append(partial_correlate(f, o, x, y, age) if age is not None and o in AGE_CONTROLLED
                       else correlate(f, o, x, y))
    return out


def strongest(correlations: Sequence[Correlation], top: int = 8) -> list[Correlation]:
    """The reportable pairs by |rho| (largest first; ties by outcome, then feature)."""
    shown = [c for c in correlations if c.reportable and c.rho is not None]
    return sorted(shown, key=lambda c: (-abs(c.rho or 0.0), c.outcome, c.feature))[:top]


# --- archetypes -----------------------------------------------------------------------------------

# Words for a centroid far above / below the account's average on a feature.
_HIGH = {
    "hook": "strong hooks", "depth": "substantive", "clarity": "clear message", "pacing": "fast-cut",
    "cta": "clear call to action", "brand_fit": "on-brand", "thumb_stop": "thumb-stopping",
    "first_frame": "strong first frame", "silent_comprehension": "understandable on mute",
    "aesthetics": "polished look", "composition": "well-composed", "motion_dynamics": "lots of motion",
    "camera_work": "dynamic camera", "pattern_interrupt": "pattern interrupts",
    "text_legibility": "legible on-screen text", "text_timing": "well-timed on-screen text",
    "emotion": "emotive", "save_share": "save-worthy", "loopability": "loopable", "trend_alignment": "on-trend",
    "cultural_resonance": "culturally resonant", "brand_safety": "brand-safe", "silent_friendly": "works on mute",
}
_LOW = {
    "hook": "weak hooks", "depth": "light on substance", "clarity": "unclear message", "pacing": "slow-paced",
    "cta": "no clear call to action", "brand_fit": "off-brand", "thumb_stop": "easy to scroll past",
    "first_frame": "weak first frame", "silent_comprehension": "needs sound", "aesthetics": "rough look",
    "motion_dynamics": "static", "camera_work": "static camera", "text_legibility": "little readable on-screen text",
    "text_timing": "poorly timed on-screen text", "emotion": "flat emotion", "silent_friendly": "needs sound",
}
LABEL_MIN_Z = 0.75  # a feature names an archetype only when its centroid is this many sd from the average


def creative_feature_columns(frame: pd.DataFrame) -> list[str]:
    """The features archetypes are built on: core and visual scores, silent_friendly and the tags, not the
    overall, the pillars (aggregates of the same scores) or compliance flags (not a creative choice)."""
    return [c for c in feature_columns(frame) if c not in ("overall", "high_severity_flags", *PILLARS)]


@dataclass(frozen=True)
class Archetype:
    archetype_id: int
    label: str
    size: int
    centroid: dict[str, float]  # feature -> mean in the feature's own units
    defining_features: list[dict[str, Any]]  # [{feature, z, value, average}] largest |z| first
    median_engagement_rate: float | None
    median_velocity_24h: float | None
    median_velocity_48h: float | None
    video_ids: tuple[str, ...]
    distances: tuple[float, ...]  # each video's distance to the centroid, standardized units


@dataclass(frozen=True)
class ArchetypeResult:
    k: int
    silhouette: float | None  # None when k = 1
    features: tuple[str, ...]  # the standardized features used
    clusters: tuple[Archetype, ...]
    note: str | None = None

    def assignments(self) -> dict[str, tuple[int, float]]:
        return {v: (a.archetype_id, d) for a in self.clusters for v, d in zip(a.video_ids, a.distances, strict=True)}


def _standardize(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """z-scores (population sd); missing values at the mean; constant columns and 0/1 features too rare
    to recur (a one-off tag would otherwise pull a video into a cluster of its own) dropped."""
    import numpy as np

    n = len(frame)
    rare = max(2, math.ceil(0.1 * n))
    keep, cols = [], []
    for c in columns:
        v = frame[c].to_numpy(dtype=float)
        finite = v[np.isfinite(v)]
        if finite.size == 0 or np.ptp(finite) == 0:
            continue
        if _is_binary(finite) and min(finite.sum(), finite.size - finite.sum()) < rare:
            continue
        v = np.where(np.isfinite(v), v, finite.mean())
        keep.append((v - v.mean()) / v.std())
        cols.append(c)
    return (np.column_stack(keep) if keep else np.zeros((n, 0))), cols


def _sq_dist(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    return ((x[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    import numpy as np

    n = len(x)
    centers = [x[int(rng.integers(n))]]
    for _ in range(1, k):
        d2 = _sq_dist(x, np.array(centers)).min(axis=1)
        total = d2.sum()
        idx = int(rng.integers(n)) if total <= 0 else int(rng.choice(n, p=d2 / total))
        centers.append(x[idx])
    return np.array(centers)


def _lloyd(x: np.ndarray, centers: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray, float]:
    import numpy as np

    labels = np.full(len(x), -1)
    for _ in range(max_iter):
        d2 = _sq_dist(x, centers)
        new = d2.argmin(axis=1)  # ties go to the lower index: deterministic
        if np.array_equal(new, labels):
            break
        labels = new
        for j in range(len(centers)):
            members = x[labels == j]
            if len(members):
                centers[j] = members.mean(axis=0)
            else:  # an emptied cluster restarts at the point worst served by its centre
                far = int(d2[np.arange(len(x)), labels].argmax())
                centers[j] = x[far]
                labels[far] = j
    inertia = float(_sq_dist(x, centers)[np.arange(len(x)), labels].sum())
    return labels, centers, inertia


def kmeans(x: np.ndarray, k: int, *, seed: int = 0, n_init: int = 10) -> tuple[np.ndarray, np.ndarray, float]:
    """Lowest-inertia result of n_init seeded k-means++ starts; clusters renumbered by size (largest first),
    then by their first row, so the same input always gives the same numbering."""
    import numpy as np

    rng = np.random.default_rng(seed)
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for _ in range(n_init):
        labels, centers, inertia = _lloyd(x, _kmeans_pp(x, k, rng))
        if best is None or inertia < best[2] - 1e-9:
            best = (labels, centers, inertia)
    assert best is not None
    labels, centers, inertia = best
    used = sorted(set(labels.tolist()), key=lambda j: (-int((labels == j).sum()), int(np.argmax(labels == j))))
    remap = {old: new for new, old in enumerate(used)}
    return np.array([remap[j] for j in labels]), centers[used], inertia


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette width (Euclidean); a point alone in its cluster counts 0."""
    import numpy as np

    sq = (x * x).sum(axis=1)  # |a|^2 + |b|^2 - 2ab: n x n memory, not n x n x features
    d = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * (x @ x.T), 0.0))
    np.fill_diagonal(d, 0.0)
    ids = sorted(set(labels.tolist()))
    if len(ids) < 2:
        raise ValueError("silhouette needs at least 2 clusters")
    means = np.column_stack([d[:, labels == j].sum(axis=1) for j in ids])
    sizes = np.array([(labels == j).sum() for j in ids], dtype=float)
    scores = np.zeros(len(x))
    for i in range(len(x)):
        own = ids.index(labels[i])
        if sizes[own] <= 1:
            continue
        a = means[i, own] / (sizes[own] - 1)
        b = min(means[i, j] / sizes[j] for j in range(len(ids)) if j != own)
        scores[i] = 0.0 if max(a, b) == 0 else (b - a) / max(a, b)
    return float(scores.mean())


def _phrase(feature: str, z: float, value: float | None = None) -> str:
    if feature.startswith(TAG_PREFIX):
        key, value = feature[len(TAG_PREFIX):].split("=", 1)
        words = {"hook_type": f"{value} hooks", "angle": f"{value} angle", "content_types": value,
                 "emotion": f"{value} mood", "composition": value.replace("_", " "),
                 "pattern_interrupt": value.replace("_", " "), "visual_subjects": f"shows {value}"}
        thing = words.get(key, f"{key.replace('_', ' ')} {value}").replace("_", " ")
        return thing if z > 0 else f"no {thing}" if value == 0 else f"rarely {thing}"
    table = _HIGH if z > 0 else _LOW
    return table.get(feature, f"{'high' if z > 0 else 'low'} {feature.replace('_', ' ')}")


def archetype_label(defining: Sequence[Mapping[str, Any]]) -> str:
    """'tutorial videos: fast-cut, strong hooks, legible on-screen text' from the defining features."""
    strong = [d for d in defining if abs(d["z"]) >= LABEL_MIN_Z]
    noun = next((d for d in strong if d["z"] > 0 and d["feature"].startswith(f"{TAG_PREFIX}content_types=")), None)
    head = f"{noun['feature'].split('=', 1)[1].replace('_', ' ')} videos" if noun else "videos"
    traits = [_phrase(d["feature"], d["z"], d.get("value")) for d in strong if d is not noun][:3]
    if not traits:
        return head if noun else "typical videos (close to the account average)"
    return f"{head}: {', '.join(traits)}"


def _median(values: pd.Series) -> float | None:
    v = values.dropna()
    return float(v.median()) if len(v) else None


def archetypes(
    frame: pd.DataFrame, k: int | None = None, *, seed: int = 0, n_init: int = 10, top_features: int = 5,
) -> ArchetypeResult:
    """Cluster the videos on their standardized creative features. k=None picks k in 2..6 by silhouette
    (k = 1 below MIN_VIDEOS_TO_SPLIT videos or without any varying feature)."""
    import numpy as np

    frame = frame.sort_index()
    n = len(frame)
    if k is not None and not 1 <= k <= max(n, 1):
        raise ValueError(f"archetypes: k={k} must be between 1 and the number of videos ({n})")
    if n == 0:
        return ArchetypeResult(k=0, silhouette=None, features=(), clusters=(), note="no scored videos")
    x, cols = _standardize(frame, creative_feature_columns(frame))
    note = None
    distinct = len(np.unique(x, axis=0)) if cols else 1
    if k is None:
        if n < MIN_VIDEOS_TO_SPLIT or distinct < 3:
            k = 1
            note = (f"only {n} videos: one archetype until there are {MIN_VIDEOS_TO_SPLIT}" if n < MIN_VIDEOS_TO_SPLIT
                    else "the videos barely differ in their creative features: one archetype")
        else:
            best_k, best_s = 1, -math.inf
            for cand in K_RANGE:
                if cand >= min(n, distinct):
                    break
                labels, _, _ = kmeans(x, cand, seed=seed, n_init=n_init)
                s = silhouette(x, labels)
                if s > best_s + 1e-12:
                    best_k, best_s = cand, s
            k = best_k
    k = min(k, distinct) if cols else 1
    if k == 1:
        labels, centers, sil = np.zeros(n, dtype=int), x.mean(axis=0, keepdims=True), None
    else:
        labels, centers, _ = kmeans(x, k, seed=seed, n_init=n_init)
        sil = silhouette(x, labels)
        k = len(centers)
        if sil < WEAK_SILHOUETTE:
            note = (f"silhouette {sil:.2f} < {WEAK_SILHOUETTE}: no substantial structure (Kaufman & Rousseeuw), "
                    "read these archetypes as loose groupings")
    raw = frame[cols]
    clusters = []
    for j in range(k):
        members = labels == j
        sub = frame[members]
        z = centers[j]
        order = sorted(range(len(cols)), key=lambda i: (-abs(float(z[i])), cols[i]))[:top_features]
        defining = [{"feature": cols[i], "z": round(float(z[i]), 3),
                     "value": round(float(raw[cols[i]][members].mean()), 3),
                     "average": round(float(raw[cols[i]].mean()), 3)} for i in order]
        dist = np.sqrt(((x[members] - z) ** 2).sum(axis=1)) if cols else np.zeros(int(members.sum()))
        label = "all videos" if k == 1 else archetype_label(defining)
        clusters.append(Archetype(
            archetype_id=j, label=label, size=int(members.sum()),
            centroid={c: round(float(raw[c][members].mean()), 4) for c in cols},
            defining_features=defining,
            median_engagement_rate=_median(sub["engagement_rate"]) if "engagement_rate" in sub else None,
            median_velocity_24h=_median(sub["velocity_24h"]) if "velocity_24h" in sub else None,
            median_velocity_48h=_median(sub["velocity_48h"]) if "velocity_48h" in sub else None,
            video_ids=tuple(str(v) for v in sub.index), distances=tuple(round(float(d), 6) for d in dist),
        ))
    seen: dict[str, int] = {}
    for i, c in enumerate(clusters):  # two clusters with the same words still need different labels
        seen[c.label] = seen.get(c.label, 0) + 1
        if seen[c.label] > 1:
            clusters[i] = Archetype(**{**c.__dict__, "label": f"{c.label} ({seen[c.label]})"})
    return ArchetypeResult(k=k, silhouette=None if sil is None else round(sil, 6), features=tuple(cols),
                           clusters=tuple(clusters), note=note)


# --- the whole result, storage, summary -----------------------------------------------------------


@dataclass(frozen=True)
class Insights:
    n_videos: int
    correlations: list[Correlation]
    archetypes: ArchetypeResult
    outcome_counts: dict[str, int] = field(default_factory=dict)  # videos with each outcome known


def compute_insights(frame: pd.DataFrame, *, seed: int = 0) -> Insights:
    return Insights(
        n_videos=len(frame),
        correlations=rank_correlations(frame),
        archetypes=archetypes(frame, seed=seed),
        outcome_counts={o: int(frame[o].notna().sum()) for o in OUTCOMES},
    )


def write_insights(conn: Connection, insights: Insights, computed_at: datetime) -> dict[str, int]:
    """Replace the previous results (call inside one transaction): the tables always hold exactly one
    computation. When the results are the same as those stored, nothing is written, so `computed_at`
    keeps saying when they were first computed and a re-run changes nothing."""
    arch = insights.archetypes
    rows = {
        insight_correlations: [c.as_row(computed_at) for c in insights.correlations],
        creative_archetypes: [{
            "archetype_id": a.archetype_id, "label": a.label, "size": a.size, "centroid": a.centroid,
            "defining_features": a.defining_features, "median_engagement_rate": a.median_engagement_rate,
            "median_velocity_24h": a.median_velocity_24h, "median_velocity_48h": a.median_velocity_48h,
            "silhouette": arch.silhouette, "computed_at": computed_at,
        } for a in arch.clusters],
        video_archetypes: [{"video_id": v, "archetype_id": aid, "distance": d, "computed_at": computed_at}
                           for v, (aid, d) in sorted(arch.assignments().items())],
    }
    counts = {table.name: len(new) for table, new in rows.items()}
    if all(_stored_without_time(conn, table) == _without_time(table, new) for table, new in rows.items()):
        return counts
    for table in (video_archetypes, creative_archetypes, insight_correlations):
        conn.execute(delete(table))
    for table, new in rows.items():
        if new:
            conn.execute(table.insert(), new)
    return counts


def _without_time(table: Any, rows: list[dict[str, Any]]) -> list[tuple]:
    keys = [c.name for c in table.primary_key.columns]
    cols = [c.name for c in table.columns if c.name != "computed_at"]
    return sorted((tuple(r.get(c) for c in cols) for r in rows), key=lambda t: tuple(str(t[cols.index(k)]) for k in keys))


def _stored_without_time(conn: Connection, table: Any) -> list[tuple]:
    return _without_time(table, [dict(r._mapping) for r in conn.execute(select(table))])


def insights_problems(conn: Connection) -> list[str]:
    """What is inconsistent in the stored insights: rho or p outside its range, a CI that misses its rho,
    a negative n, a finding below the minimum n, archetype sizes that do not match their members."""
    problems = []
    for r in conn.execute(select(insight_correlations).order_by(insight_correlations.c.outcome,
                                                                insight_correlations.c.feature)).mappings():
        name = f"{r['feature']} vs {r['outcome']}"
        rho, low, high = r["rho"], r["ci_low"], r["ci_high"]
        if r["n"] < 0:
            problems.append(f"{name}: n={r['n']} is negative")
        if rho is not None and not -1.0 <= rho <= 1.0:
            problems.append(f"{name}: rho={rho} outside [-1, 1]")
        if rho is not None and low is not None and high is not None and not low <= rho <= high:
            problems.append(f"{name}: CI [{low}, {high}] does not contain rho={rho}")
        if r["p_value"] is not None and not 0.0 <= r["p_value"] <= 1.0:
            problems.append(f"{name}: p={r['p_value']} outside [0, 1]")
        if r["reportable"] and (rho is None or r["n"] < MIN_N):
            problems.append(f"{name}: reported as a finding with n={r['n']}, rho={rho}")
    members = dict(conn.execute(select(video_archetypes.c.archetype_id, func.count())
                                .group_by(video_archetypes.c.archetype_id)).all())
    sizes = dict(conn.execute(select(creative_archetypes.c.archetype_id, creative_archetypes.c.size)).all())
    for aid in sorted(set(members) | set(sizes)):
        if members.get(aid, 0) != sizes.get(aid, 0):
            problems.append(f"archetype {aid}: size {sizes.get(aid)} but {members.get(aid, 0)} member video(s)")
    return problems


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.2f} %"


def _rate(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3g} views/h"


def _feature_words(name: str) -> str:
    if name.startswith(TAG_PREFIX):
        key, value = name[len(TAG_PREFIX):].split("=", 1)
        return f"{key} = {value}"
    return name


def insights_markdown(insights: Insights, *, top: int = 8) -> str:
    """A short summary for the Dagster UI and the dashboard."""
    n = insights.n_videos
    corr = insights.correlations
    tested = [c for c in corr if c.rho is not None]
    lines = [
        (f"**Creative insights over {n} scored video(s) of this account** "
         f"(with engagement rate: {insights.outcome_counts.get('engagement_rate', 0)}, "
         f"velocity 24 h: {insights.outcome_counts.get('velocity_24h', 0)}, "
         f"velocity 48 h: {insights.outcome_counts.get('velocity_48h', 0)})."),
        "",
        ("_These are associations in this account's own videos: not a forecast, and not causal. A feature that "
         "moves with velocity here may share a cause with it, and changing it need not change the outcome. "
         f"{len(tested)} pairs were tested: even with no real association, about {0.05 * len(tested):.1f} of them "
         "would reach p < 0.05 by chance._"),
        "",
        ("_Velocity is views per hour over the last 24/48 h, so it falls as a video ages: velocity associations "
         "are computed with video age held constant (partial Spearman). The archetypes' median velocities are "
         "not age-adjusted._"),
        "",
        f"### Strongest associations (Spearman rho, 95 % CI; pairs with n >= {MIN_N})",
    ]
    shown = strongest(corr, top)
    if shown:
        lines += ["| feature | outcome | rho | 95 % CI | n | p | strength |", "|---|---|---|---|---|---|---|"]
        for c in shown:
            ci = "n/a" if c.ci_low is None else f"[{c.ci_low:+.2f}, {c.ci_high:+.2f}]"
            crosses = " (CI includes 0)" if c.ci_low is not None and c.ci_low <= 0 <= c.ci_high else ""
            lines.append(f"| {_feature_words(c.feature)} | {c.outcome} | {c.rho:+.2f} | {ci} | {c.n} | "
                         f"{c.p_value:.3g} | {c.strength}{crosses} |")
    else:
        lines.append(f"_No pair has enough videos yet to be shown as a finding (needs n >= {MIN_N} with variance "
                     "on both sides)._")
    skipped = sum(1 for c in corr if c.rho is None)
    small = sum(1 for c in corr if c.rho is not None and not c.reportable)
    if skipped or small:
        lines += ["", (f"{skipped} pair(s) skipped (no variance or too few videos), {small} computed but not "
                       "shown (too few videos); see table `insight_correlations`.")]
    arch = insights.archetypes
    lines += ["", "### Archetypes"
              + (f" (k = {arch.k}, silhouette {arch.silhouette:.2f})" if arch.silhouette is not None else "")]
    if arch.note:
        lines.append(f"_{arch.note}._")
    if arch.k > 1:
        lines.append("_Labels are relative to this account's average video (\"fast-cut\" = faster than usual here)._")
    if arch.clusters:
        lines += ["| # | archetype | videos | median engagement rate | median velocity 24 h | median velocity 48 h |",
                  "|---|---|---|---|---|---|"]
        for a in arch.clusters:
            lines.append(f"| {a.archetype_id} | {a.label.replace('|', '/')} | {a.size} "
                         f"| {_pct(a.median_engagement_rate)} "
                         f"| {_rate(a.median_velocity_24h)} | {_rate(a.median_velocity_48h)} |")
    else:
        lines.append("_No scored videos with KPIs yet._")
    return "\n".join(lines)


# --- plots for the Dagster UI -----------------------------------------------------------------------


def score_distributions_markdown(frame: pd.DataFrame) -> str:
    """A small histogram per score (overall in ten-point bins), as Markdown images."""
    from tiktok_pipelines.lib.charts import bar_chart_svg, histogram_counts, svg_markdown

    images = []
    for name in SCORE_FEATURES:
        if name not in frame.columns:
            continue
        if name == "overall":  # 0..100: ten-point bins
            values = [min(int(v) // 10, 9) for v in frame[name].dropna()]
            labels, bins = [f"{10 * b}" for b in range(10)], list(range(10))
        else:
            values, bins = list(frame[name]), list(range(11))
            labels = [str(b) for b in bins]
        svg = bar_chart_svg(labels, histogram_counts(values, bins), title=f"{name} (n = {frame[name].notna().sum()})",
                            x_label="score", y_label="videos", width=300, height=170)
        images.append(svg_markdown(svg, f"{name} distribution"))
    return "\n".join(images) or "_no scored videos yet_"


def association_markdown(frame: pd.DataFrame, top: Correlation | None) -> str:
    """The strongest association as a scatter plot, as a Markdown image."""
    from tiktok_pipelines.lib.charts import Point, scatter_svg, svg_markdown

    if top is None:
        return "_no association has enough videos to plot yet_"
    pairs = frame[[top.feature, top.outcome]].dropna()
    svg = scatter_svg([Point(float(x), float(y)) for x, y in pairs.itertuples(index=False)],
                      title=f"{top.feature} vs {top.outcome}: rho {top.rho:+.2f} "
                      f"[{top.ci_low:+.2f}, {top.ci_high:+.2f}], n = {top.n}",
                      x_label=top.feature, y_label=top.outcome)
    return svg_markdown(svg, f"{top.feature} vs {top.outcome}") + \
        "\n\n_An association in this account's videos, not a forecast._"
