"""Asset checks of the account domain."""

import dagster as dg

from tiktok_pipelines.defs.account.assets import account_video_snapshots, video_kpis
from tiktok_pipelines.defs.resources import WarehouseResource
from tiktok_pipelines.lib.account import quality
from tiktok_pipelines.lib.markdown import md_table


def _result(total: int, rows: list[dict], severity: dg.AssetCheckSeverity, what: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=total == 0,
        severity=severity,
        metadata={
            f"{what}_rows": dg.MetadataValue.int(total),
            "offending_rows": dg.MetadataValue.md(md_table(rows) if rows else "_none_"),
        },
    )


@dg.asset_check(asset=account_video_snapshots, blocking=True, description="No snapshot has a negative count.")
def snapshot_counts_non_negative(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get().begin() as conn:
        total, rows = quality.negative_count_rows(conn)
    return _result(total, rows, dg.AssetCheckSeverity.ERROR, "negative")


@dg.asset_check(
    asset=account_video_snapshots,
    description="Views never go down between a video's snapshots (warns: TikTok sometimes removes invalid views).",
)
def snapshot_views_monotonic(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get().begin() as conn:
        total, rows = quality.views_decreases(conn)
    return _result(total, rows, dg.AssetCheckSeverity.WARN, "decreasing")


@dg.asset_check(asset=video_kpis, blocking=True, description="Every KPI is finite or NULL (unknown), never NaN or inf.")
def kpis_finite(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get().begin() as conn:
        total, rows = quality.non_finite_kpis(conn)
    return _result(total, rows, dg.AssetCheckSeverity.ERROR, "non_finite")
