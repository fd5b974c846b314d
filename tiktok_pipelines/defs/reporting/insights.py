"""creative_insights: rank correlations between creative features and performance, and creative archetypes,
over this account's scored videos (tables insight_correlations, creative_archetypes, video_archetypes)."""

from typing import TYPE_CHECKING

import dagster as dg

from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.lib.markdown import md_table

if TYPE_CHECKING:
    import pandas as pd

    from tiktok_pipelines.lib.reporting.insights import Correlation

GROUP = "reporting"


def _score_distributions(frame: "pd.DataFrame") -> str:
    from tiktok_pipelines.lib.charts import svg_markdown
    from tiktok_pipelines.lib.reporting.insights import SCORE_FEATURES
    from tiktok_pipelines.lib.reporting.plots import bar_chart_svg, histogram_counts

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


def _strongest_plot(frame: "pd.DataFrame", top: "Correlation | None") -> str:
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


@dg.asset(
    group_name=GROUP,
    kinds={"python", "sql"},
    deps=[dg.AssetKey("video_ai_analysis"), dg.AssetKey("video_kpis")],
    description="Spearman rank correlations (95 % CI, n, p) between every creative score, pillar, visual score, "
    "tag and flag and engagement rate / velocity 24 h / 48 h, plus a deterministic k-means of the videos into "
    "creative archetypes with their median performance. Associations in this account's own videos: never a "
    "forecast, never causal.",
)
def creative_insights(warehouse: WarehouseResource, clock: ClockResource) -> dg.MaterializeResult:
    from tiktok_pipelines.lib.reporting import insights as ins

    wh = warehouse.get()
    with wh.begin() as conn:
        frame = ins.load_insight_frame(conn)
    result = ins.compute_insights(frame)
    with wh.begin() as conn:
        counts = ins.write_insights(conn, result, clock.get().now())
    top = next(iter(ins.strongest(result.correlations, 1)), None)
    arch = result.archetypes
    summary = ins.insights_markdown(result)
    # Beside the CSV/JSON exports, for readers without the UI; written whole or not at all.
    from tiktok_pipelines.lib.files import write_atomic
    from tiktok_pipelines.lib.settings import load_settings

    summary_path = load_settings().exports_dir / "creative_insights.md"
    write_atomic(summary_path, summary + "\n")
    return dg.MaterializeResult(metadata={
        "videos": dg.MetadataValue.int(result.n_videos),
        **{f"{table}_rows": dg.MetadataValue.int(n) for table, n in counts.items()},
        "reportable_pairs": dg.MetadataValue.int(sum(c.reportable for c in result.correlations)),
        "archetypes_k": dg.MetadataValue.int(arch.k),
        "silhouette": dg.MetadataValue.float(arch.silhouette) if arch.silhouette is not None
        else dg.MetadataValue.null(),
        "summary": dg.MetadataValue.md(summary),
        "summary_file": dg.MetadataValue.path(str(summary_path)),
        "score_distributions": dg.MetadataValue.md(_score_distributions(frame)),
        "strongest_association": dg.MetadataValue.md(_strongest_plot(frame, top)),
        "archetypes": dg.MetadataValue.md(md_table(
            [{"archetype": a.archetype_id, "label": a.label, "videos": a.size,
              "defining": ", ".join(f"{d['feature']} (z {d['z']:+.1f})" for d in a.defining_features[:3])}
             for a in arch.clusters])),
    })


@dg.asset_check(asset=creative_insights, blocking=True,
                description="Every rho in [-1, 1] and inside its CI, p in [0, 1], n >= 0, no finding below the "
                "minimum n, archetype sizes equal to their member counts.")
def insights_consistent(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from tiktok_pipelines.lib.reporting.insights import insights_problems

    with warehouse.get().begin() as conn:
        problems = insights_problems(conn)
    return dg.AssetCheckResult(
        passed=not problems, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems[:50]) or "_none_")},
    )
