"""The seed's exports: tiktok_video_metrics.csv (its columns, its order) and the dashboard's JSON."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tiktok_pipelines.lib.files import write_atomic

# Seed 000, "Data Export": exactly these columns, in this order.
CSV_COLUMNS = [
    "id", "posted_at_iso", "duration_s", "caption", "hashtags",
    "views", "likes", "comments", "shares",
    "engagement_rate", "like_rate", "comment_rate", "share_rate",
    "views_24h", "views_48h", "velocity_24h", "velocity_48h",
]
CSV_NAME = "tiktok_video_metrics.csv"
JSON_NAME = "data.json"
JSON_SCHEMA_VERSION = 1


def _iso(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


def metrics_frame(kpis: pd.DataFrame, videos: pd.DataFrame) -> pd.DataFrame:
    """The CSV rows: newest video first, as the seed's dashboard lists them."""
    df = kpis.merge(videos[["video_id", "caption"]], on="video_id", how="left", suffixes=("", "_v"))
    if "caption_v" in df:
        df["caption"] = df["caption"].fillna(df["caption_v"])
    out = pd.DataFrame(
        {
            "id": df["video_id"],
            "posted_at_iso": [_iso(t) for t in df["posted_at"]],
            "duration_s": df["duration_s"].astype("Int64"),
            "caption": df["caption"].fillna(""),
            "hashtags": [" ".join(f"#{h}" for h in tags) for tags in df["hashtags"]],
            "views": df["views"],
            "likes": df["likes"],
            "comments": df["comments"],
            "shares": df["shares"],
        }
    )
    for c in ("engagement_rate", "like_rate", "comment_rate", "share_rate"):
        out[c] = pd.to_numeric(df[c], errors="coerce").round(6)
    for c in ("views_24h", "views_48h", "velocity_24h", "velocity_48h"):
        out[c] = pd.to_numeric(df[c], errors="coerce").round(2)
    order = pd.to_datetime(df["posted_at"], utc=True)
    out = out.assign(_order=list(order)).sort_values(["_order", "id"], ascending=[False, True]).drop(columns="_order")
    return out[CSV_COLUMNS].reset_index(drop=True)


def write_csv(frame: pd.DataFrame, directory: Path) -> Path:
    path = Path(directory) / CSV_NAME
    write_atomic(path, frame.to_csv(index=False, lineterminator="\n"))
    return path


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return _iso(value)
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        return _clean(value.item())
    if value is pd.NA:
        return None
    return value


def write_dashboard_json(
    directory: Path,
    *,
    account: dict,
    summary: dict,
    metrics: pd.DataFrame,
    kpis: pd.DataFrame,
    hashtags: pd.DataFrame,
    is_demo: bool,
    generated_at: datetime,
) -> Path:
    """data.json: everything the dashboard shows about the account, demo-labelled when it is demo."""
    extra = kpis.set_index("video_id")[
        ["duration_bucket", "is_top_mover", "top_mover_rank", "views_24h_basis", "views_48h_basis", "collected_at"]
    ]
    videos_out = []
    for row in metrics.to_dict("records"):
        e = extra.loc[row["id"]]
        videos_out.append(
            {k: _clean(v) for k, v in row.items()}
            | {
                "hashtags": [t.lstrip("#") for t in str(row["hashtags"]).split()],
                "duration_bucket": e["duration_bucket"],
                "is_top_mover": bool(e["is_top_mover"]),
                "top_mover_rank": None if pd.isna(e["top_mover_rank"]) else int(e["top_mover_rank"]),
                "views_24h_basis": e["views_24h_basis"],
                "views_48h_basis": e["views_48h_basis"],
                "collected_at": _iso(e["collected_at"]),
            }
        )
    doc = {
        "schema_version": JSON_SCHEMA_VERSION,
        "generated_at": _iso(generated_at),
        "is_demo": is_demo,
        "data_label": "DEMO DATA — synthetic account, not real TikTok data" if is_demo else "TikTok Display API",
        "account": {k: _clean(v) for k, v in account.items()},
        "summary": {k: _clean(v) for k, v in summary.items()},
        "top_movers": [v["id"] for v in sorted(
            (v for v in videos_out if v["is_top_mover"]), key=lambda v: v["top_mover_rank"])],
        "hashtags": [{k: _clean(v) for k, v in r.items()} for r in hashtags.to_dict("records")],
        "videos": videos_out,
    }
    path = Path(directory) / JSON_NAME
    write_atomic(path, json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False))
    return path
