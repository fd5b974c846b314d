"""Media retention reaches the covers made from a video's own frames, never the covers TikTok published."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tiktok_pipelines.demo.world import DEMO_NOW
from tiktok_pipelines.lib.media.store import LocalMediaStore
from tiktok_pipelines.lib.reporting.covers import cover_keys, forget_keyframe_cover, plan_covers
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import media_assets, video_covers, video_keyframes


def _cover(conn, store: LocalMediaStore, tmp: Path, vid: str, source: str) -> None:  # noqa: ANN001
    cover_key, thumb_key = cover_keys(vid)
    for key in (cover_key, thumb_key):
        (tmp / "f").write_bytes(b"jpeg")
        store.put_file(key, tmp / "f")
    upsert(conn, video_covers, [{"video_id": vid, "status": "cached", "source": source, "source_host": None,
                                 "source_fingerprint": "x", "storage_key": cover_key, "thumb_key": thumb_key,
                                 "sha256": "0" * 64, "width": 72, "height": 128, "size_bytes": 4, "error": None,
                                 "fetched_at": DEMO_NOW}])


def test_a_pruned_drafts_frame_thumbnail_is_deleted_and_not_made_again(sqlite_url: str, tmp_path: Path) -> None:
    wh = Warehouse(sqlite_url)
    wh.ensure_schema()
    store = LocalMediaStore(tmp_path / "media")
    with wh.begin() as conn:
        _cover(conn, store, tmp_path, "draft-a", "keyframe")
        _cover(conn, store, tmp_path, "7300000000000000001", "cover_url")
        for vid in ("draft-a", "7300000000000000001"):
            upsert(conn, media_assets, [{"video_id": vid, "status": "pruned", "pruned_at": DEMO_NOW}])
        upsert(conn, video_keyframes, [{"video_id": "draft-a", "extractor": "ffmpeg", "extractor_version": "1",
                                        "status": "ok", "source_sha256": "a" * 64, "payload": {"keyframes": []},
                                        "thumbnail_key": "videos/draft-a/thumbnail.jpg", "extracted_at": DEMO_NOW}])

        assert forget_keyframe_cover(conn, store, "draft-a") == 2
        assert forget_keyframe_cover(conn, store, "7300000000000000001") == 0  # TikTok's published cover stays

        left = {r.video_id for r in conn.execute(sa.select(video_covers.c.video_id))}
        assert left == {"7300000000000000001"}
        assert not any(o.key.startswith("covers/draft-a/") for o in store.list("covers/"))
        # Its keyframes are gone with its media: the next plan derives no thumbnail from them.
        tasks, _ = plan_covers(conn, DEMO_NOW)
        assert all(t.keyframe_thumb_key is None for t in tasks) and "draft-a" not in {t.video_id for t in tasks}
