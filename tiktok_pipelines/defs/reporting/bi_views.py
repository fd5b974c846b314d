"""The SQL views BI tools read (sql/views), recreated from their files, and a check that each still selects.

Views read live data: rematerialize `bi_views` when a view's SQL changes (its code_version is the files'
fingerprint) or the warehouse schema does, not after every data refresh. The deps draw the lineage.
"""

import dagster as dg
from sqlalchemy.engine import Connection

from tiktok_pipelines.defs.resources import WarehouseResource
from tiktok_pipelines.lib.reporting import sql_views

PREVIEW_COLUMNS = ("video_id", "title", "overall", "band", "hook_type", "angle", "silent_friendly", "views",
                   "engagement_rate", "velocity_48h")
PREVIEW_ROWS = 10
DEMO_LABEL = "DEMO world (synthetic account, not real TikTok data)"


def _preview_md(conn: Connection) -> str:
    from tiktok_pipelines.lib.markdown import md_table

    rows = sql_views.fetch_rows(
        conn,
        f"SELECT {', '.join(PREVIEW_COLUMNS)}, is_demo FROM bi_creative_performance "
        f"ORDER BY overall DESC, video_id LIMIT {PREVIEW_ROWS}",
    )
    demo = any(r.pop("is_demo") for r in rows)
    for r in rows:
        if r["silent_friendly"] is not None:  # 0/1 on SQLite, a bool on PostgreSQL
            r["silent_friendly"] = "yes" if r["silent_friendly"] else "no"
        if r["title"] and len(r["title"]) > 40:
            r["title"] = r["title"][:39] + "…"
    return (f"**{DEMO_LABEL}**\n\n" if demo else "") + md_table(rows, PREVIEW_COLUMNS)


def _views_version() -> str:
    try:
        return sql_views.views_fingerprint()
    except sql_views.SqlFileError:
        # A missing or malformed sql/views must not stop the whole code location from loading: the
        # asset fails with the file's name when it runs.
        return "unreadable"


@dg.asset(
    group_name="reporting",
    kinds={"sql"},
    deps=["video_kpis", "video_ai_analysis", "cohort_timeseries"],
    code_version=_views_version(),
    description="The bi_ views of sql/views for BI tools (Metabase, Superset): latest KPIs per video, top movers, "
    "hashtag performance, cohort time series, creative scores next to performance, score and band distributions. "
    "Dropped and recreated in one transaction, on SQLite and PostgreSQL.",
)
def bi_views(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    try:
        with wh.begin() as conn:
            names = sql_views.apply_views(conn)
    except sql_views.SqlFileError as exc:
        raise dg.Failure(str(exc), allow_retries=False) from None
    with wh.begin() as conn:
        checks = sql_views.check_views(conn)
        preview = _preview_md(conn)
    row_counts = {c.name: c.rows for c in checks}
    return dg.MaterializeResult(metadata={
        "views": dg.MetadataValue.json(names),
        "backend": wh.dialect,
        **{f"rows_{name}": dg.MetadataValue.int(row_counts[name] or 0) for name in names},
        "creative_performance_preview": dg.MetadataValue.md(preview),
    })


@dg.asset_check(
    asset=bi_views,
    blocking=True,
    description="Every bi_ view selects without error and returns exactly the columns its file's '-- columns:' "
    "header promises (what BI dashboards are built on).",
)
def bi_views_select_with_expected_columns(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from tiktok_pipelines.lib.markdown import md_table

    with warehouse.get().begin() as conn:
        checks = sql_views.check_views(conn)
    problems = [c.problem() for c in checks if not c.ok]
    table = [{"view": c.name, "rows": c.rows, "ok": c.ok, "problem": c.problem()} for c in checks]
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "views_checked": dg.MetadataValue.int(len(checks)),
            "failing_views": dg.MetadataValue.int(len(problems)),
            "problems": dg.MetadataValue.text("; ".join(problems) or "none"),
            "views": dg.MetadataValue.md(md_table(table)),
        },
    )
