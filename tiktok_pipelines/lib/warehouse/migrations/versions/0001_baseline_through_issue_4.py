"""Baseline: the schema as it was through issue 4

Revision ID: 0001
Revises: (none)

Account, operations, cohorts, media and extraction tables, exactly as `create_all` made them before
migrations existed (a pre-migration database that has all of them is stamped here).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tiktok_pipelines.lib.warehouse.migrate import create_table, index

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The column types as this revision wrote them: aware timestamps, and JSON that is JSONB on PostgreSQL.
TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    create_table(
        "accounts",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=True),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("bio_description", sa.Text(), nullable=True),
        sa.Column("is_verified", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_accounts")),
    )
    create_table(
        "account_snapshots",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("collected_at", TS, nullable=False),
        sa.Column("follower_count", sa.BigInteger(), nullable=True),
        sa.Column("following_count", sa.BigInteger(), nullable=True),
        sa.Column("likes_count", sa.BigInteger(), nullable=True),
        sa.Column("video_count", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("follower_count IS NULL OR follower_count >= 0", name=op.f("ck_account_snapshots_follower_count_non_negative")),
        sa.CheckConstraint("following_count IS NULL OR following_count >= 0", name=op.f("ck_account_snapshots_following_count_non_negative")),
        sa.CheckConstraint("likes_count IS NULL OR likes_count >= 0", name=op.f("ck_account_snapshots_likes_count_non_negative")),
        sa.CheckConstraint("video_count IS NULL OR video_count >= 0", name=op.f("ck_account_snapshots_video_count_non_negative")),
        sa.PrimaryKeyConstraint("account_id", "collected_at", name=op.f("pk_account_snapshots")),
    )
    create_table(
        "videos",
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("create_time", TS, nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("hashtags", JSON, nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("share_url", sa.Text(), nullable=True),
        sa.Column("embed_link", sa.Text(), nullable=True),
        sa.Column("cover_image_url", sa.Text(), nullable=True),
        sa.Column("cover_url_fetched_at", TS, nullable=True),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("is_available", sa.Boolean(), nullable=False),
        sa.CheckConstraint("duration_s IS NULL OR duration_s >= 0", name=op.f("ck_videos_duration_s_non_negative")),
        sa.CheckConstraint("height IS NULL OR height >= 0", name=op.f("ck_videos_height_non_negative")),
        sa.CheckConstraint("width IS NULL OR width >= 0", name=op.f("ck_videos_width_non_negative")),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_videos")),
        indexes=(index("ix_videos_account_id", "account_id"),),
    )
    create_table(
        "video_snapshots",
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("collected_at", TS, nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("likes", sa.BigInteger(), nullable=False),
        sa.Column("comments", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("saves", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.CheckConstraint("comments IS NULL OR comments >= 0", name=op.f("ck_video_snapshots_comments_non_negative")),
        sa.CheckConstraint("likes IS NULL OR likes >= 0", name=op.f("ck_video_snapshots_likes_non_negative")),
        sa.CheckConstraint("saves IS NULL OR saves >= 0", name=op.f("ck_video_snapshots_saves_non_negative")),
        sa.CheckConstraint("shares IS NULL OR shares >= 0", name=op.f("ck_video_snapshots_shares_non_negative")),
        sa.CheckConstraint("views IS NULL OR views >= 0", name=op.f("ck_video_snapshots_views_non_negative")),
        sa.PrimaryKeyConstraint("video_id", "collected_at", name=op.f("pk_video_snapshots")),
        indexes=(index("ix_video_snapshots_collected_at", "collected_at"),),
    )
    create_table(
        "video_kpis",
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("as_of", TS, nullable=False),
        sa.Column("collected_at", TS, nullable=False),
        sa.Column("posted_at", TS, nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("duration_bucket", sa.String(length=8), nullable=True),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("likes", sa.BigInteger(), nullable=False),
        sa.Column("comments", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("engagement_rate", sa.Float(), nullable=True),
        sa.Column("like_rate", sa.Float(), nullable=True),
        sa.Column("comment_rate", sa.Float(), nullable=True),
        sa.Column("share_rate", sa.Float(), nullable=True),
        sa.Column("views_24h", sa.Float(), nullable=True),
        sa.Column("views_48h", sa.Float(), nullable=True),
        sa.Column("velocity_24h", sa.Float(), nullable=True),
        sa.Column("velocity_48h", sa.Float(), nullable=True),
        sa.Column("views_24h_basis", sa.String(length=24), nullable=True),
        sa.Column("views_48h_basis", sa.String(length=24), nullable=True),
        sa.Column("is_top_mover", sa.Boolean(), nullable=False),
        sa.Column("top_mover_rank", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_kpis")),
    )
    create_table(
        "hashtag_performance",
        sa.Column("hashtag", sa.String(length=150), nullable=False),
        sa.Column("as_of", TS, nullable=False),
        sa.Column("video_count", sa.Integer(), nullable=False),
        sa.Column("total_views", sa.BigInteger(), nullable=False),
        sa.Column("median_views", sa.Float(), nullable=True),
        sa.Column("median_engagement_rate", sa.Float(), nullable=True),
        sa.Column("median_velocity_24h", sa.Float(), nullable=True),
        sa.Column("mean_velocity_24h", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("hashtag", name=op.f("pk_hashtag_performance")),
    )
    create_table(
        "account_kpi_summary",
        sa.Column("as_of", TS, nullable=False),
        sa.Column("video_count", sa.Integer(), nullable=False),
        sa.Column("total_views", sa.BigInteger(), nullable=False),
        sa.Column("total_likes", sa.BigInteger(), nullable=False),
        sa.Column("total_comments", sa.BigInteger(), nullable=False),
        sa.Column("total_shares", sa.BigInteger(), nullable=False),
        sa.Column("median_views", sa.Float(), nullable=True),
        sa.Column("median_engagement_rate", sa.Float(), nullable=True),
        sa.Column("avg_velocity_24h", sa.Float(), nullable=True),
        sa.Column("median_velocity_24h", sa.Float(), nullable=True),
        sa.Column("posts_per_day_30d", sa.Float(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("as_of", name=op.f("pk_account_kpi_summary")),
    )
    create_table(
        "api_failures",
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("endpoint", sa.String(length=128), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("log_id", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("retried", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("occurred_at", "endpoint", "attempt", name=op.f("pk_api_failures")),
    )
    create_table(
        "cohorts",
        sa.Column("cohort_id", sa.String(length=64), nullable=False),
        sa.Column("program", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("selected_at", TS, nullable=True),
        sa.Column("tolerance_s", sa.Integer(), nullable=False),
        sa.Column("query", JSON, nullable=True),
        sa.Column("size_requested", sa.Integer(), nullable=True),
        sa.Column("freshness_min_h", sa.Float(), nullable=True),
        sa.Column("freshness_max_h", sa.Float(), nullable=True),
        sa.Column("performance_mix", JSON, nullable=True),
        sa.Column("mix_achieved", JSON, nullable=True),
        sa.Column("candidates_seen", sa.Integer(), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("cohort_id", name=op.f("pk_cohorts")),
    )
    create_table(
        "cohort_members",
        sa.Column("cohort_id", sa.String(length=64), nullable=False),
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("performance_band", sa.String(length=16), nullable=True),
        sa.Column("selection_views", sa.BigInteger(), nullable=True),
        sa.Column("username", sa.String(length=128), nullable=True),
        sa.Column("create_time", TS, nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("hashtags", JSON, nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=8), nullable=True),
        sa.Column("music_id", sa.String(length=32), nullable=True),
        sa.Column("sound_title", sa.Text(), nullable=True),
        sa.Column("sound_author", sa.Text(), nullable=True),
        sa.Column("sound_original", sa.Boolean(), nullable=True),
        sa.Column("video_url", sa.Text(), nullable=True),
        sa.Column("thumbnail_url", sa.Text(), nullable=True),
        sa.CheckConstraint("duration_s IS NULL OR duration_s >= 0", name=op.f("ck_cohort_members_duration_s_non_negative")),
        sa.CheckConstraint("selection_views IS NULL OR selection_views >= 0", name=op.f("ck_cohort_members_selection_views_non_negative")),
        sa.PrimaryKeyConstraint("cohort_id", "video_id", name=op.f("pk_cohort_members")),
        indexes=(index("ix_cohort_members_music_id", "music_id"),),
    )
    create_table(
        "cohort_tasks",
        sa.Column("cohort_id", sa.String(length=64), nullable=False),
        sa.Column("task", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", TS, nullable=False),
        sa.Column("window_ends_at", TS, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("timing", sa.String(length=8), nullable=True),
        sa.Column("first_attempt_at", TS, nullable=True),
        sa.Column("completed_at", TS, nullable=True),
        sa.Column("lateness_s", sa.Float(), nullable=True),
        sa.Column("items_total", sa.Integer(), nullable=False),
        sa.Column("items_done", sa.Integer(), nullable=False),
        sa.Column("items_missing", sa.Integer(), nullable=False),
        sa.Column("retry_after", TS, nullable=True),
        sa.Column("requests_used", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("status IN ('done', 'partial', 'missed')", name=op.f("ck_cohort_tasks_status_known")),
        sa.PrimaryKeyConstraint("cohort_id", "task", name=op.f("pk_cohort_tasks")),
    )
    create_table(
        "cohort_observations",
        sa.Column("cohort_id", sa.String(length=64), nullable=False),
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("timepoint", sa.String(length=4), nullable=False),
        sa.Column("scheduled_at", TS, nullable=False),
        sa.Column("collected_at", TS, nullable=True),
        sa.Column("hours_since_upload", sa.Float(), nullable=True),
        sa.Column("hours_since_cohort_start", sa.Float(), nullable=True),
        sa.Column("views", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("comments", sa.BigInteger(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("saves", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("timing", sa.String(length=8), nullable=True),
        sa.Column("lateness_s", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("counts_staleness", sa.String(length=16), nullable=False),
        sa.Column("max_staleness_h", sa.Float(), nullable=False),
        sa.Column("stats_exact", sa.Boolean(), nullable=True),
        sa.CheckConstraint("status IN ('observed', 'not_returned', 'missed')", name=op.f("ck_cohort_observations_status_known")),
        sa.CheckConstraint("comments IS NULL OR comments >= 0", name=op.f("ck_cohort_observations_comments_non_negative")),
        sa.CheckConstraint("likes IS NULL OR likes >= 0", name=op.f("ck_cohort_observations_likes_non_negative")),
        sa.CheckConstraint("saves IS NULL OR saves >= 0", name=op.f("ck_cohort_observations_saves_non_negative")),
        sa.CheckConstraint("shares IS NULL OR shares >= 0", name=op.f("ck_cohort_observations_shares_non_negative")),
        sa.CheckConstraint("views IS NULL OR views >= 0", name=op.f("ck_cohort_observations_views_non_negative")),
        sa.PrimaryKeyConstraint("cohort_id", "video_id", "timepoint", name=op.f("pk_cohort_observations")),
    )
    create_table(
        "creators",
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("bio_description", sa.Text(), nullable=True),
        sa.Column("bio_url", sa.Text(), nullable=True),
        sa.Column("avatar_url", sa.Text(), nullable=True),
        sa.Column("is_verified", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_creators")),
    )
    create_table(
        "creator_snapshots",
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("collected_at", TS, nullable=False),
        sa.Column("cohort_id", sa.String(length=64), nullable=True),
        sa.Column("follower_count", sa.BigInteger(), nullable=True),
        sa.Column("following_count", sa.BigInteger(), nullable=True),
        sa.Column("likes_count", sa.BigInteger(), nullable=True),
        sa.Column("video_count", sa.BigInteger(), nullable=True),
        sa.Column("is_verified", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.CheckConstraint("follower_count IS NULL OR follower_count >= 0", name=op.f("ck_creator_snapshots_follower_count_non_negative")),
        sa.CheckConstraint("following_count IS NULL OR following_count >= 0", name=op.f("ck_creator_snapshots_following_count_non_negative")),
        sa.CheckConstraint("likes_count IS NULL OR likes_count >= 0", name=op.f("ck_creator_snapshots_likes_count_non_negative")),
        sa.CheckConstraint("video_count IS NULL OR video_count >= 0", name=op.f("ck_creator_snapshots_video_count_non_negative")),
        sa.PrimaryKeyConstraint("username", "collected_at", name=op.f("pk_creator_snapshots")),
        indexes=(index("ix_creator_snapshots_cohort_id", "cohort_id"),),
    )
    create_table(
        "video_comments",
        sa.Column("comment_id", sa.String(length=32), nullable=False),
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("cohort_id", sa.String(length=64), nullable=True),
        sa.Column("like_rank", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("pii_redactions", sa.Integer(), nullable=False),
        sa.Column("like_count", sa.BigInteger(), nullable=False),
        sa.Column("reply_count", sa.BigInteger(), nullable=False),
        sa.Column("parent_comment_id", sa.String(length=32), nullable=True),
        sa.Column("username", sa.String(length=128), nullable=True),
        sa.Column("create_time", TS, nullable=True),
        sa.Column("collected_at", TS, nullable=False),
        sa.Column("comments_scanned", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.CheckConstraint("like_count IS NULL OR like_count >= 0", name=op.f("ck_video_comments_like_count_non_negative")),
        sa.CheckConstraint("reply_count IS NULL OR reply_count >= 0", name=op.f("ck_video_comments_reply_count_non_negative")),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_video_comments")),
        indexes=(index("ix_video_comments_cohort_id", "cohort_id"), index("ix_video_comments_video_id", "video_id"),),
    )
    create_table(
        "cohort_timeseries",
        sa.Column("cohort_id", sa.String(length=64), nullable=False),
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("timepoint", sa.String(length=4), nullable=False),
        sa.Column("row", JSON, nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=True),
        sa.Column("views_velocity", sa.Float(), nullable=True),
        sa.Column("likes_velocity", sa.Float(), nullable=True),
        sa.Column("views_growth_pct", sa.Float(), nullable=True),
        sa.Column("views_at_mark", sa.Float(), nullable=True),
        sa.Column("likes_at_mark", sa.Float(), nullable=True),
        sa.Column("views_monotonic", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("cohort_id", "video_id", "timepoint", name=op.f("pk_cohort_timeseries")),
    )
    create_table(
        "sound_trends",
        sa.Column("music_id", sa.String(length=32), nullable=False),
        sa.Column("as_of_date", sa.String(length=10), nullable=False),
        sa.Column("videos_tracked", sa.Integer(), nullable=False),
        sa.Column("new_videos", sa.Integer(), nullable=False),
        sa.Column("cohorts", sa.Integer(), nullable=False),
        sa.Column("sound_title", sa.Text(), nullable=True),
        sa.Column("latest_total_views", sa.BigInteger(), nullable=True),
        sa.Column("likely_trending", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("music_id", "as_of_date", name=op.f("pk_sound_trends")),
    )
    create_table(
        "api_quota_usage",
        sa.Column("api", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("requests_used", sa.Integer(), nullable=False),
        sa.Column("exhausted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("api", "day", name=op.f("pk_api_quota_usage")),
    )
    create_table(
        "media_sources",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("requested_fingerprint", sa.String(length=128), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("is_draft", sa.Boolean(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("discovered_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_media_sources")),
    )
    create_table(
        "media_assets",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=True),
        sa.Column("storage_key", sa.Text(), nullable=True),
        sa.Column("storage_uri", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("fingerprint", sa.String(length=128), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("container", sa.String(length=64), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("video_codec", sa.String(length=32), nullable=True),
        sa.Column("audio_codec", sa.String(length=32), nullable=True),
        sa.Column("has_audio", sa.Boolean(), nullable=True),
        sa.Column("probe", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("stored_at", TS, nullable=True),
        sa.Column("pruned_at", TS, nullable=True),
        sa.CheckConstraint("duration_s IS NULL OR duration_s >= 0", name=op.f("ck_media_assets_duration_s_non_negative")),
        sa.CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name=op.f("ck_media_assets_size_bytes_non_negative")),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_media_assets")),
    )
    create_table(
        "video_keyframes",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("keyframe_count", sa.Integer(), nullable=True),
        sa.Column("hook_strip_key", sa.Text(), nullable=True),
        sa.Column("thumbnail_key", sa.Text(), nullable=True),
        sa.Column("analysed_s", sa.Float(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("extracted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_keyframes")),
    )
    create_table(
        "video_scene_cuts",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("cut_count", sa.Integer(), nullable=True),
        sa.Column("first_cut_s", sa.Float(), nullable=True),
        sa.Column("mean_shot_s", sa.Float(), nullable=True),
        sa.Column("cuts_per_10s", sa.Float(), nullable=True),
        sa.Column("motion_mean", sa.Float(), nullable=True),
        sa.Column("analysed_s", sa.Float(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("extracted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_scene_cuts")),
    )
    create_table(
        "video_transcripts",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("confidence", sa.String(length=8), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("word_count", sa.Integer(), nullable=True),
        sa.Column("speech_s", sa.Float(), nullable=True),
        sa.Column("first_word_s", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("redactions", sa.Integer(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("extracted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_transcripts")),
    )
    create_table(
        "video_onscreen_text",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("frames_with_text", sa.Integer(), nullable=True),
        sa.Column("line_count", sa.Integer(), nullable=True),
        sa.Column("lines_outside_safe_zone", sa.Integer(), nullable=True),
        sa.Column("first_text_s", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("redactions", sa.Integer(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("extracted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_onscreen_text")),
    )
    create_table(
        "video_audio_features",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("has_audio", sa.Boolean(), nullable=True),
        sa.Column("speech_ratio", sa.Float(), nullable=True),
        sa.Column("music_ratio", sa.Float(), nullable=True),
        sa.Column("music_present", sa.Boolean(), nullable=True),
        sa.Column("bpm", sa.Float(), nullable=True),
        sa.Column("loudness_lufs", sa.Float(), nullable=True),
        sa.Column("dead_air_s", sa.Float(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("extracted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_audio_features")),
    )
    create_table(
        "video_visual_tags",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("clip_status", sa.String(length=16), nullable=True),
        sa.Column("brightness_mean", sa.Float(), nullable=True),
        sa.Column("sharpness_mean", sa.Float(), nullable=True),
        sa.Column("face_frames", sa.Integer(), nullable=True),
        sa.Column("max_face_area", sa.Float(), nullable=True),
        sa.Column("tags", JSON, nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("extracted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_visual_tags")),
    )
    create_table(
        "video_caption_analysis",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("hashtag_count", sa.Integer(), nullable=True),
        sa.Column("hashtag_spam", sa.Boolean(), nullable=True),
        sa.Column("cta_count", sa.Integer(), nullable=True),
        sa.Column("claim_count", sa.Integer(), nullable=True),
        sa.Column("hook_reinforced", sa.Boolean(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("extracted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_caption_analysis")),
    )


def downgrade() -> None:
    op.drop_table("video_caption_analysis")
    op.drop_table("video_visual_tags")
    op.drop_table("video_audio_features")
    op.drop_table("video_onscreen_text")
    op.drop_table("video_transcripts")
    op.drop_table("video_scene_cuts")
    op.drop_table("video_keyframes")
    op.drop_table("media_assets")
    op.drop_table("media_sources")
    op.drop_table("api_quota_usage")
    op.drop_table("sound_trends")
    op.drop_table("cohort_timeseries")
    op.drop_table("video_comments")
    op.drop_table("creator_snapshots")
    op.drop_table("creators")
    op.drop_table("cohort_observations")
    op.drop_table("cohort_tasks")
    op.drop_table("cohort_members")
    op.drop_table("cohorts")
    op.drop_table("api_failures")
    op.drop_table("account_kpi_summary")
    op.drop_table("hashtag_performance")
    op.drop_table("video_kpis")
    op.drop_table("video_snapshots")
    op.drop_table("videos")
    op.drop_table("account_snapshots")
    op.drop_table("accounts")

