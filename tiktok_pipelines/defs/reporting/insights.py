"""creative_insights: rank correlations between creative features and performance, and creative archetypes,
over this account's scored videos (tables insight_correlations, creative_archetypes, video_archetypes)."""

import dagster as dg

from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.lib.markdown import md_table

GROUP = "reporting"


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
        "score_distributions": dg.MetadataValue.md(ins.score_distributions_markdown(frame)),
        "strongest_association": dg.MetadataValue.md(ins.association_markdown(frame, top)),
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
