"""Everything the dashboard shows, read from the warehouse in a few queries and shaped as JSON.

The page is generated, not served: this module decides what a person can see, `dashboard.py` turns it
into one self-contained HTML file. Numbers are copied from the warehouse as stored (the browser tests
compare them back), never recomputed here, so the dashboard and a SQL query always agree.

Three parts with different costs, kept apart so the page paints fast at 1,000 videos:
- `table`: one small record per video, parsed on load (tiles, filters, the video table);
- `details`: per-video analysis (tabs), parsed when a detail view first opens;
- `images`: thumbnails and keyframes as data URIs, within a byte budget.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.account.kpis import duration_bucket
from tiktok_pipelines.lib.scoring.models import CORE_SCORES, PILLARS, VISUAL_SCORES
from tiktok_pipelines.lib.warehouse.schema import (
    account_kpi_summary,
    account_snapshots,
    accounts,
    cohort_members,
    cohort_observations,
    cohorts,
    media_assets,
    media_sources,
    video_ai_analysis,
    video_audio_features,
    video_caption_analysis,
    video_covers,
    video_creative_scores,
    video_keyframes,
    video_kpis,
    video_onscreen_text,
    video_scene_cuts,
    video_transcripts,
    video_visual_tags,
    videos,
)

HOOK_SECONDS = 3.0
TIMEPOINT_HOURS = {"h0": 0, "h1": 1, "h6": 6, "h24": 24, "h48": 48}
# Which keyframes the detail view shows: the hook (0-3 s) first, then the arc of the video.
HOOK_FRAMES = ("t0", "t1", "t2", "t3")
# Every own upload becomes a cohort: the page shows the newest ones; all of them are in bi_cohort_timeseries.
MAX_COHORTS = 12

ImageReader = Callable[[str, str, "str | None"], "str | None"]  # (kind, media key, version) -> data URI or None


@dataclass
class ImageBudget:
    """Data URIs embedded so far; keyframes stop at `max_bytes` (thumbnails always fit: they are small)."""

    max_bytes: int
    used: int = 0
    images: dict[str, str] = field(default_factory=dict)
    skipped_videos: int = 0

    def add(self, ref: str, uri: str | None, *, essential: bool = False) -> str | None:
        if uri is None:
            return None
        if ref not in self.images:
            if not essential and self.used + len(uri) > self.max_bytes:
                return None
            self.images[ref] = uri
            self.used += len(uri)
        return ref


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat().replace("+00:00", "Z") if ts else None


def _round(v: float | None, digits: int = 4) -> float | None:
    return None if v is None else round(float(v), digits)


def _by_video(conn: Connection, table: Any, *cols: Any, where: Any = None) -> dict[str, Any]:
    stmt = select(*cols) if cols else select(table)
    if where is not None:
        stmt = stmt.where(where)
    return {r.video_id: r for r in conn.execute(stmt)}


def collect_dashboard(
    conn: Connection,
    *,
    generated_at: datetime,
    is_demo: bool,
    read_image: ImageReader,
    dagster_url: str = "http://127.0.0.1:3000",
    image_budget_bytes: int = 24 * 2**20,
    charts: Mapping[str, str] | None = None,
    insights: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The dashboard's data. `read_image(kind, key, version)` returns a data URI for a stored image
    (kind "thumb" or "keyframe"), or None when it is gone (retention) or unreadable."""
    budget = ImageBudget(image_budget_bytes)
    kpis = _by_video(conn, video_kpis)
    vids = _by_video(conn, videos)
    analysis = _by_video(conn, video_ai_analysis)
    covers = _by_video(conn, video_covers, video_covers.c.video_id, video_covers.c.status, video_covers.c.thumb_key,
                       video_covers.c.sha256, video_covers.c.source)
    drafts = _by_video(conn, media_sources, media_sources.c.video_id, media_sources.c.is_draft, media_sources.c.name,
                       media_sources.c.caption, media_sources.c.discovered_at)
    media = _by_video(conn, media_assets, media_assets.c.video_id, media_assets.c.status, media_assets.c.duration_s,
                      media_assets.c.error)

    ids = sorted(set(vids) | set(analysis) | {v for v, d in drafts.items() if d.is_draft})
    rows = [_table_row(v, vids.get(v), kpis.get(v), analysis.get(v), media.get(v), drafts.get(v)) for v in ids]
    # Newest first: the order a creator looks at their videos in; drafts (no posting time) on top.
    rows.sort(key=lambda r: r["posted"] or "9999", reverse=True)
    # Media past the retention window is gone from the dashboard too: its keyframes, and a thumbnail made
    # from them (a draft's); a cover TikTok published stays.
    pruned = {v for v, m in media.items() if m.status == "pruned"}
    for row in rows:
        cover = covers.get(row["id"])
        if cover is not None and cover.source == "keyframe" and row["id"] in pruned:
            continue
        if cover is not None and cover.status == "cached" and cover.thumb_key:
            row["thumb"] = budget.add(f"th:{row['id']}", read_image("thumb", cover.thumb_key, cover.sha256), essential=True)

    details = _details(conn, [r["id"] for r in rows], analysis, budget, read_image, pruned)
    return {
        "meta": _meta(conn, generated_at, is_demo, dagster_url, rows, kpis),
        "overview": _overview(conn, rows),
        "table": rows,
        "details": details,
        "cohorts": _cohorts(conn),
        "cohorts_total": conn.execute(select(func.count()).select_from(cohorts)).scalar_one(),
        "charts": dict(charts or {}),
        "insights": dict(insights or {}),
        "images": budget.images,
        "image_stats": {"bytes": budget.used, "count": len(budget.images), "videos_without_keyframes": budget.skipped_videos},
    }


def _meta(conn: Connection, generated_at: datetime, is_demo: bool, dagster_url: str, rows: list[dict],
          kpis: Mapping[str, Any]) -> dict[str, Any]:
    account = conn.execute(select(accounts).order_by(accounts.c.updated_at.desc()).limit(1)).first()
    snap = None
    if account is not None:
        snap = conn.execute(
            select(account_snapshots).where(account_snapshots.c.account_id == account.account_id)
            .order_by(account_snapshots.c.collected_at.desc()).limit(1)
        ).first()
    as_of = max((k.as_of for k in kpis.values()), default=None)
    return {
        "generated_at": _iso(generated_at),
        "as_of": _iso(as_of),
        "is_demo": bool(is_demo or (account is not None and account.is_demo)),
        "dagster_url": dagster_url.rstrip("/"),
        "account": None if account is None else {
            "username": account.username, "display_name": account.display_name, "is_demo": account.is_demo,
            "followers": snap.follower_count if snap else None, "likes": snap.likes_count if snap else None,
            "video_count": snap.video_count if snap else None,
        },
        "videos": len(rows),
        "scored": sum(1 for r in rows if r["status"] == "done"),
    }


def _table_row(vid: str, video: Any, kpi: Any, ai: Any, media: Any, source: Any) -> dict[str, Any]:
    is_draft = video is None and source is not None and bool(source.is_draft)
    caption = (video.caption or video.title or "") if video is not None else (source.caption or "" if source else "")
    status = ai.status if ai is not None else ("error" if media is not None and media.status == "error" else "none")
    row: dict[str, Any] = {
        "id": vid,
        "draft": is_draft,
        "name": source.name if is_draft else None,
        "caption": caption,
        "hashtags": list(video.hashtags or []) if video is not None else [],
        "posted": _iso(video.create_time) if video is not None else None,
        "duration_s": (video.duration_s if video is not None and video.duration_s is not None
                       else (round(media.duration_s) if media is not None and media.duration_s else None)),
        "duration_bucket": kpi.duration_bucket if kpi is not None else duration_bucket(
            video.duration_s if video is not None and video.duration_s is not None else (media.duration_s if media else None)),
        "share_url": video.share_url if video is not None else None,
        "status": status,
        "error": (ai.error if ai is not None and ai.error else (media.error if media is not None and status == "error" else None)),
        "thumb": None,
    }
    for col in ("views", "likes", "comments", "shares"):
        row[col] = getattr(kpi, col) if kpi is not None else None
    row["er"] = _round(kpi.engagement_rate, 6) if kpi is not None else None
    row["v24"] = _round(kpi.velocity_24h, 3) if kpi is not None else None
    row["v48"] = _round(kpi.velocity_48h, 3) if kpi is not None else None
    row["mover"] = bool(kpi.is_top_mover) if kpi is not None else False
    row["mover_rank"] = kpi.top_mover_rank if kpi is not None else None
    done = ai is not None and ai.status == "done"
    for col in ("hook", "depth", "overall", "band"):
        row[col] = getattr(ai, col) if done else None
    return row


def _overview(conn: Connection, rows: list[dict]) -> dict[str, Any]:
    summary = conn.execute(select(account_kpi_summary).order_by(account_kpi_summary.c.as_of.desc()).limit(1)).first()
    bands = {b: sum(1 for r in rows if r["band"] == b) for b in ("pass", "revise", "reshoot")}
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    out: dict[str, Any] = {"bands": bands, "statuses": dict(sorted(statuses.items()))}
    if summary is not None:
        out.update({
            "as_of": _iso(summary.as_of), "videos": summary.video_count, "views": summary.total_views,
            "likes": summary.total_likes, "comments": summary.total_comments, "shares": summary.total_shares,
            "median_er": _round(summary.median_engagement_rate, 6), "avg_v24": _round(summary.avg_velocity_24h, 3),
            "posts_per_day_30d": _round(summary.posts_per_day_30d, 3),
        })
    return out


# --- per-video details ----------------------------------------------------------------------------


def _details(conn: Connection, ids: list[str], analysis: Mapping[str, Any], budget: ImageBudget,
             read_image: ImageReader, pruned: set[str]) -> dict[str, Any]:
    wanted = set(ids)
    scores = _by_video(conn, video_creative_scores, video_creative_scores.c.video_id, video_creative_scores.c.payload)
    stages = {
        "transcript": _by_video(conn, video_transcripts),
        "onscreen_text": _by_video(conn, video_onscreen_text),
        "scene_cuts": _by_video(conn, video_scene_cuts),
        "audio_features": _by_video(conn, video_audio_features),
        "visual_tags": _by_video(conn, video_visual_tags),
        "caption_analysis": _by_video(conn, video_caption_analysis),
        "keyframes": _by_video(conn, video_keyframes),
    }
    out: dict[str, Any] = {}
    # Keyframes of the newest videos first, so a budget cut drops the oldest galleries.
    for vid in ids:
        if vid not in wanted:
            continue
        have_any = vid in analysis or any(vid in s for s in stages.values())
        if not have_any:
            continue
        out[vid] = _detail(vid, analysis.get(vid), scores.get(vid), {k: s.get(vid) for k, s in stages.items()},
                           budget, read_image, vid in pruned)
    return out


def _detail(vid: str, ai: Any, scored: Any, stage: Mapping[str, Any], budget: ImageBudget,
            read_image: ImageReader, pruned: bool) -> dict[str, Any]:
    payload = scored.payload if scored is not None else None
    d: dict[str, Any] = {
        "stages": {k: ({"status": r.status, "extractor": f"{r.extractor}@{r.extractor_version}", "note": r.note,
                        "seconds": _round(r.seconds, 2)} if r is not None else None) for k, r in stage.items()},
    }
    if ai is not None:
        d["analysis"] = _analysis(ai, payload)
    d["keyframes"] = _keyframes(vid, stage["keyframes"], budget, read_image, pruned)
    d["transcript"] = _transcript(stage["transcript"])
    d["ocr"] = _ocr(stage["onscreen_text"])
    d["caption"] = _caption(stage["caption_analysis"])
    d["audio"] = _audio(stage["audio_features"])
    d["cuts"] = _cuts(stage["scene_cuts"])
    d["visual"] = _visual(stage["visual_tags"])
    d["hook"] = _hook(d)
    return d


def _score_view(s: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": s.get("name"), "value": s.get("value"), "confidence": s.get("confidence"), "note": s.get("note") or "",
        "evidence": [e.get("detail") for e in (s.get("evidence") or [])[:4] if isinstance(e, Mapping) and e.get("detail")],
    }


def _analysis(ai: Any, payload: Mapping[str, Any] | None) -> dict[str, Any]:
    evidence = {s.get("name"): _score_view(s) for s in ((payload or {}).get("core") or []) if isinstance(s, Mapping)}
    visual_ev = {s.get("name"): _score_view(s) for s in ((payload or {}).get("visual") or []) if isinstance(s, Mapping)}
    pillar_ev = {s.get("name"): _score_view(s) for s in ((payload or {}).get("pillars") or []) if isinstance(s, Mapping)}

    def scored(names: Iterable[str], ev: Mapping[str, Any]) -> list[dict[str, Any]]:
        # The values come from video_ai_analysis (after LLM adjustments); the evidence from the engine.
        return [{**ev.get(n, {"name": n, "evidence": [], "note": "", "confidence": None}), "name": n, "value": getattr(ai, n)}
                for n in names]

    flags = ai.flags or {}
    return {
        "status": ai.status, "error": ai.error, "overall": ai.overall, "band": ai.band, "band_uncapped": ai.band_uncapped,
        "deterministic_overall": ai.deterministic_overall, "scoring_version": ai.scoring_version, "brand": ai.brand,
        "core": scored(CORE_SCORES, evidence), "pillars": scored(PILLARS, pillar_ev), "visual": scored(VISUAL_SCORES, visual_ev),
        "silent_friendly": ai.silent_friendly, "angle": ai.angle, "hook_type": ai.hook_type,
        "tags": ai.tags or {}, "findings": ai.findings or [],
        "fixes": sorted(ai.fixes or [], key=lambda f: {"high": 0, "medium": 1, "low": 2}.get(str(f.get("priority")), 3)),
        "flags": flags.get("policy", []) if isinstance(flags, Mapping) else [],
        "blockers": flags.get("blockers", []) if isinstance(flags, Mapping) else [],
        "safe_ctas": flags.get("safe_ctas", []) if isinstance(flags, Mapping) else [],
        "adjustments": ai.adjustments or [],
        "llm": {"status": ai.llm_status, "model": ai.llm_model, "cost_usd": ai.llm_cost_usd},
        "updated_at": _iso(ai.updated_at),
    }


def _keyframes(vid: str, row: Any, budget: ImageBudget, read_image: ImageReader, pruned: bool) -> list[dict[str, Any]]:
    if row is None or not isinstance(row.payload, Mapping):
        return []
    frames = row.payload.get("keyframes") or []
    out, cut = [], False
    for f in frames:
        if not isinstance(f, Mapping) or not f.get("key"):
            continue
        ref = None
        if not cut and not pruned:
            # None: pruned by retention or unreadable. The version changes whenever the frame can.
            uri = read_image("keyframe", str(f["key"]), f"{row.source_sha256}:{row.extractor_version}")
            ref = budget.add(f"kf:{f['key']}", uri)
            cut = uri is not None and ref is None
        out.append({"label": f.get("label"), "t": _round(f.get("t"), 2), "img": ref, "aliases": list(f.get("aliases") or [])})
    if cut:
        budget.skipped_videos += 1
    return out


def _transcript(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    p = row.payload if isinstance(row.payload, Mapping) else {}
    segs = [{"start": _round(s.get("start"), 2), "end": _round(s.get("end"), 2), "text": s.get("text", ""),
             "confidence": _round(s.get("confidence"), 2)} for s in p.get("segments") or [] if isinstance(s, Mapping)]
    words = [{"t": _round(w.get("start"), 2), "w": w.get("text", "")}
             for s in p.get("segments") or [] if isinstance(s, Mapping) for w in s.get("words") or []
             if isinstance(w, Mapping) and (w.get("start") or 0) < HOOK_SECONDS]
    return {"status": row.status, "model": row.model, "confidence": row.confidence, "segments": segs,
            "hook_words": words, "note": row.note or p.get("note") or ""}


def _ocr(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    p = row.payload if isinstance(row.payload, Mapping) else {}
    frames = []
    for r in p.get("frames") or []:
        if not isinstance(r, Mapping):
            continue
        lines = [{"text": ln.get("text", ""), "safe": ln.get("in_safe_zone"), "height": _round(ln.get("text_height"), 3),
                  "conf": _round(ln.get("confidence"), 2)} for ln in r.get("lines") or [] if isinstance(ln, Mapping)]
        frames.append({"frame": r.get("frame"), "t": _round(r.get("t"), 2), "lines": lines})
    return {"status": row.status, "frames": frames, "outside_safe_zone": row.lines_outside_safe_zone}


def _caption(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    p = row.payload if isinstance(row.payload, Mapping) else {}
    return {"status": row.status, "hook": p.get("hook", ""), "reinforced": p.get("hook_reinforced"),
            "overlap": _round(p.get("hook_overlap"), 2), "ctas": list(p.get("ctas") or []),
            "claims": list(p.get("claims") or []), "hashtags": list(p.get("hashtags") or []),
            "spam": p.get("hashtag_spam")}


def _audio(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    p = row.payload if isinstance(row.payload, Mapping) else {}
    keep = ("has_audio", "speech_ratio", "music_ratio", "music_present", "bpm", "bpm_confidence", "loudness_lufs",
            "loudness_range_lu", "true_peak_dbfs", "dead_air_seconds")
    out = {k: (_round(p.get(k), 3) if isinstance(p.get(k), float) else p.get(k)) for k in keep}
    out["silences"] = [[_round(s.get("start"), 2), _round(s.get("end"), 2)] for s in p.get("silences") or [] if isinstance(s, Mapping)]
    out["status"], out["note"] = row.status, row.note or p.get("note") or ""
    return out


def _cuts(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    p = row.payload if isinstance(row.payload, Mapping) else {}
    return {"status": row.status, "cuts": [_round(c.get("t"), 2) for c in p.get("cuts") or [] if isinstance(c, Mapping)],
            "shots": [_round(s, 2) for s in p.get("shot_lengths") or []], "cuts_per_10s": _round(row.cuts_per_10s, 2),
            "first_cut_s": _round(row.first_cut_s, 2), "mean_shot_s": _round(row.mean_shot_s, 2),
            "duration": _round(p.get("analysed_seconds"), 2)}


def _visual(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    p = row.payload if isinstance(row.payload, Mapping) else {}
    frames = [{"frame": f.get("frame"), "t": _round(f.get("t"), 2), "brightness": _round(f.get("brightness"), 3),
               "contrast": _round(f.get("contrast"), 3), "colourfulness": _round(f.get("colourfulness"), 1),
               "sharpness": _round(f.get("sharpness"), 1), "faces": len(f.get("faces") or []),
               "face_area": _round(f.get("face_area"), 3), "thirds": _round(f.get("thirds"), 2)}
              for f in p.get("frames") or [] if isinstance(f, Mapping)]
    tags = [{"family": t.get("family"), "label": t.get("label"), "score": _round(t.get("score"), 2)}
            for t in p.get("tags") or [] if isinstance(t, Mapping)]
    return {"status": row.status, "clip_status": row.clip_status, "frames": frames, "tags": tags, "note": row.note or ""}


def _hook(d: Mapping[str, Any]) -> dict[str, Any]:
    """The first 3 seconds from every channel, side by side."""
    ocr = d.get("ocr") or {}
    onscreen = [ln["text"] for f in ocr.get("frames", []) if (f.get("t") or 0) <= HOOK_SECONDS for ln in f["lines"]]
    seen: set[str] = set()
    onscreen = [t for t in onscreen if not (t.lower() in seen or seen.add(t.lower()))]
    words = (d.get("transcript") or {}).get("hook_words") or []
    findings = ((d.get("analysis") or {}).get("findings") or [])
    verdict = next((f for f in findings if isinstance(f, Mapping) and f.get("kind") == "hook_verdict"), None)
    caption = d.get("caption") or {}
    return {
        "frames": [k for k in d.get("keyframes", []) if k["label"] in HOOK_FRAMES or set(k["aliases"]) & set(HOOK_FRAMES)],
        "onscreen": onscreen, "spoken": " ".join(w["w"] for w in words),
        "caption_hook": caption.get("hook"), "reinforced": caption.get("reinforced"), "overlap": caption.get("overlap"),
        "verdict": verdict,
    }


# --- cohorts ---------------------------------------------------------------------------------------


def _cohorts(conn: Connection) -> list[dict[str, Any]]:
    out = []
    members: dict[str, int] = {}
    for r in conn.execute(select(cohort_members.c.cohort_id)):
        members[r.cohort_id] = members.get(r.cohort_id, 0) + 1
    obs: dict[str, list[Any]] = {}
    for r in conn.execute(select(cohort_observations).order_by(cohort_observations.c.cohort_id,
                                                                cohort_observations.c.video_id)):
        obs.setdefault(r.cohort_id, []).append(r)
    for c in conn.execute(select(cohorts).order_by(cohorts.c.started_at.desc(), cohorts.c.cohort_id).limit(MAX_COHORTS)):
        rows = obs.get(c.cohort_id, [])
        curves: dict[str, list[list[float]]] = {}
        summary = []
        for tp, hours in TIMEPOINT_HOURS.items():
            at = [r for r in rows if r.timepoint == tp]
            seen = [r for r in at if r.status == "observed" and r.views is not None]
            for r in seen:
                curves.setdefault(r.video_id, []).append([_round(r.hours_since_cohort_start, 2) if r.hours_since_cohort_start is not None else hours, r.views])
            views = [r.views for r in seen]
            hours_seen = [r.hours_since_cohort_start for r in seen if r.hours_since_cohort_start is not None]
            summary.append({
                "timepoint": tp, "planned": len(at), "observed": len(seen),
                "median_hours": _round(statistics.median(hours_seen), 2) if hours_seen else hours,
                "missed": sum(1 for r in at if r.status == "missed"),
                "not_returned": sum(1 for r in at if r.status == "not_returned"),
                "late": sum(1 for r in at if r.timing == "late"),
                "median_views": statistics.median(views) if views else None,
                "total_views": sum(views) if views else None,
            })
        out.append({
            "id": c.cohort_id, "kind": c.kind, "program": c.program, "status": c.status, "source": c.source,
            "started_at": _iso(c.started_at), "members": members.get(c.cohort_id, 0), "is_demo": c.is_demo,
            "summary": summary,
            "curves": [{"video": v, "points": sorted(p)} for v, p in sorted(curves.items())],
        })
    return out
