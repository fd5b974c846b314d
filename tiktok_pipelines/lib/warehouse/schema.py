"""The warehouse data model (DESIGN.md "Data model").

Rules that every table follows:
- a natural key as primary key, so every write is an upsert and re-running a step changes nothing;
- metric snapshots are append-only, keyed by (video_id, collected_at);
- timestamps are timezone-aware UTC;
- JSON columns are JSONB on PostgreSQL (through `JSONType`).

Later domains (cohorts, media, extraction, scoring) add their tables to this same `metadata`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import JSON, TypeDecorator

from tiktok_pipelines.lib.clock import utc
from tiktok_pipelines.lib.scoring.models import CORE_SCORES, PILLARS, VISUAL_SCORES

# Named constraints make migrations (Alembic) and error messages readable on both backends.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        if value is None:
            return None
        value = utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        return None if value is None else utc(value)


TS = UTCDateTime()


def _non_negative(*cols: str) -> list[CheckConstraint]:
    return [CheckConstraint(f"{c} IS NULL OR {c} >= 0", name=f"{c}_non_negative") for c in cols]


# --- account (own videos through the Display API) -------------------------------------------------

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(128), primary_key=True),  # TikTok open_id
    Column("username", String(128)),
    Column("display_name", Text),
    Column("bio_description", Text),
    Column("is_verified", Boolean),
    Column("source", String(32), nullable=False),  # "demo" or "display_api"
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("updated_at", TS, nullable=False),
)

account_snapshots = Table(
    "account_snapshots",
    metadata,
    Column("account_id", String(128), primary_key=True),
    Column("collected_at", TS, primary_key=True),
    Column("follower_count", BigInteger),
    Column("following_count", BigInteger),
    Column("likes_count", BigInteger),
    Column("video_count", BigInteger),
    *_non_negative("follower_count", "following_count", "likes_count", "video_count"),
)

videos = Table(
    "videos",
    metadata,
    Column("video_id", String(32), primary_key=True),
    Column("account_id", String(128), index=True),
    Column("source", String(32), nullable=False),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("create_time", TS, nullable=False),
    Column("title", Text),
    Column("caption", Text),
    Column("hashtags", JSONType, nullable=False),
    Column("duration_s", Integer),
    Column("width", Integer),
    Column("height", Integer),
    Column("share_url", Text),
    Column("embed_link", Text),
    Column("cover_image_url", Text),
    Column("cover_url_fetched_at", TS),  # TikTok cover URLs expire about 6 h after this
    Column("first_seen_at", TS, nullable=False),
    Column("last_seen_at", TS, nullable=False),
    Column("is_available", Boolean, nullable=False, default=True),  # false once the API stops returning it
    *_non_negative("duration_s", "width", "height"),
)

video_snapshots = Table(
    "video_snapshots",
    metadata,
    Column("video_id", String(32), primary_key=True),
    Column("collected_at", TS, primary_key=True),
    Column("views", BigInteger, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Column("comments", BigInteger, nullable=False),
    Column("shares", BigInteger, nullable=False),
    Column("saves", BigInteger),  # not exposed by the Display API; NULL, never 0
    Column("source", String(32), nullable=False),
    *_non_negative("views", "likes", "comments", "shares", "saves"),
    Index("ix_video_snapshots_collected_at", "collected_at"),
)

video_kpis = Table(
    "video_kpis",
    metadata,
    Column("video_id", String(32), primary_key=True),
    Column("as_of", TS, nullable=False),
    Column("collected_at", TS, nullable=False),  # the snapshot the current counts come from
    Column("posted_at", TS, nullable=False),
    Column("duration_s", Integer),
    Column("duration_bucket", String(8)),  # "<10", "10-20", ">20"
    Column("views", BigInteger, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Column("comments", BigInteger, nullable=False),
    Column("shares", BigInteger, nullable=False),
    Column("engagement_rate", Float),
    Column("like_rate", Float),
    Column("comment_rate", Float),
    Column("share_rate", Float),
    Column("views_24h", Float),  # views 24 h before as_of (see views_24h_basis)
    Column("views_48h", Float),
    Column("velocity_24h", Float),  # views per hour over the last 24 h
    Column("velocity_48h", Float),
    Column("views_24h_basis", String(24)),  # snapshot | interpolated | posted_in_window | unknown
    Column("views_48h_basis", String(24)),
    Column("is_top_mover", Boolean, nullable=False, default=False),
    Column("top_mover_rank", Integer),
)

hashtag_performance = Table(
    "hashtag_performance",
    metadata,
    Column("hashtag", String(150), primary_key=True),
    Column("as_of", TS, nullable=False),
    Column("video_count", Integer, nullable=False),
    Column("total_views", BigInteger, nullable=False),
    Column("median_views", Float),
    Column("median_engagement_rate", Float),
    Column("median_velocity_24h", Float),
    Column("mean_velocity_24h", Float),
)

account_kpi_summary = Table(
    "account_kpi_summary",
    metadata,
    Column("as_of", TS, primary_key=True),
    Column("video_count", Integer, nullable=False),
    Column("total_views", BigInteger, nullable=False),
    Column("total_likes", BigInteger, nullable=False),
    Column("total_comments", BigInteger, nullable=False),
    Column("total_shares", BigInteger, nullable=False),
    Column("median_views", Float),
    Column("median_engagement_rate", Float),
    Column("avg_velocity_24h", Float),
    Column("median_velocity_24h", Float),
    Column("posts_per_day_30d", Float),
    Column("is_demo", Boolean, nullable=False, default=False),
)

# --- operations -----------------------------------------------------------------------------------

api_failures = Table(
    "api_failures",
    metadata,
    # TikTok's log_id is what their support asks for; keep it with every failure we saw.
    Column("occurred_at", TS, primary_key=True),
    Column("endpoint", String(128), primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("error_code", String(64), nullable=False),
    Column("http_status", Integer),
    Column("log_id", String(64)),
    Column("message", Text),
    Column("retried", Boolean, nullable=False),
)

# --- cohorts (48-hour tracking of public and own new videos) ---------------------------------------

cohorts = Table(
    "cohorts",
    metadata,
    Column("cohort_id", String(64), primary_key=True),
    Column("program", String(64), nullable=False),  # the configured cohort program that started it
    Column("kind", String(8), nullable=False),  # "public" (Research API query) or "own" (a new upload)
    Column("source", String(32), nullable=False),  # where its counts come from: research_api | display_api | page_json
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("started_at", TS, nullable=False),  # the h0 mark: cohort start, or the upload time of an own video
    Column("selected_at", TS),
    Column("tolerance_s", Integer, nullable=False),
    Column("query", JSONType),
    Column("size_requested", Integer),
    Column("freshness_min_h", Float),
    Column("freshness_max_h", Float),
    Column("performance_mix", JSONType),
    Column("mix_achieved", JSONType),
    Column("candidates_seen", Integer),
    Column("member_count", Integer),
    Column("status", String(16), nullable=False),  # selecting | open | complete | empty
    Column("notes", Text),
)

cohort_members = Table(
    "cohort_members",
    metadata,
    Column("cohort_id", String(64), primary_key=True),
    Column("video_id", String(32), primary_key=True),
    Column("priority", Integer, nullable=False),  # 1 = collected first when the quota runs low
    Column("performance_band", String(16)),
    Column("selection_views", BigInteger),  # views when selected (archived for the Research API)
    Column("username", String(128)),
    Column("create_time", TS, nullable=False),
    Column("caption", Text),
    Column("hashtags", JSONType, nullable=False),
    Column("duration_s", Integer),
    Column("region_code", String(8)),
    Column("music_id", String(32), index=True),
    Column("sound_title", Text),
    Column("sound_author", Text),
    Column("sound_original", Boolean),
    Column("video_url", Text),
    Column("thumbnail_url", Text),
    *_non_negative("selection_views", "duration_s"),
)

# One row per (cohort, task): the five timepoints plus "creators" and "comments" at h48. The sensor
# plans from it; a missed timepoint is a row here (with how late), never a silent gap.
cohort_tasks = Table(
    "cohort_tasks",
    metadata,
    Column("cohort_id", String(64), primary_key=True),
    Column("task", String(16), primary_key=True),
    Column("scheduled_at", TS, nullable=False),
    Column("window_ends_at", TS, nullable=False),  # after this, a collection would be mislabelled
    Column("status", String(16), nullable=False),  # done | partial | missed
    Column("timing", String(8)),  # on_time | late | missed
    Column("first_attempt_at", TS),
    Column("completed_at", TS),
    Column("lateness_s", Float),
    Column("items_total", Integer, nullable=False),
    Column("items_done", Integer, nullable=False),
    Column("items_missing", Integer, nullable=False),  # not returned by the source (deleted, private)
    Column("retry_after", TS),  # partial because of the daily quota: resume from here
    Column("requests_used", Integer, nullable=False, default=0),
    Column("detail", Text),
    Column("run_id", String(64)),
    CheckConstraint("status IN ('done', 'partial', 'missed')", name="status_known"),
)

cohort_observations = Table(
    "cohort_observations",
    metadata,
    Column("cohort_id", String(64), primary_key=True),
    Column("video_id", String(32), primary_key=True),
    Column("timepoint", String(4), primary_key=True),
    Column("scheduled_at", TS, nullable=False),
    Column("collected_at", TS),  # NULL when missed or not returned
    Column("hours_since_upload", Float),
    Column("hours_since_cohort_start", Float),
    Column("views", BigInteger),
    Column("likes", BigInteger),
    Column("comments", BigInteger),
    Column("shares", BigInteger),
    Column("saves", BigInteger),  # only the page-JSON source has it; NULL, never 0
    Column("status", String(16), nullable=False),  # observed | not_returned | missed
    Column("timing", String(8)),  # on_time | late | missed
    Column("lateness_s", Float),
    Column("source", String(32), nullable=False),
    Column("counts_staleness", String(16), nullable=False),  # live | archived
    Column("max_staleness_h", Float, nullable=False),  # documented worst-case lag of these counts
    Column("stats_exact", Boolean),
    *_non_negative("views", "likes", "comments", "shares", "saves"),
    CheckConstraint("status IN ('observed', 'not_returned', 'missed')", name="status_known"),
)

creators = Table(
    "creators",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("display_name", Text),
    Column("bio_description", Text),  # PII-redacted
    Column("bio_url", Text),
    Column("avatar_url", Text),
    Column("is_verified", Boolean),
    Column("source", String(32), nullable=False),
    Column("first_seen_at", TS, nullable=False),
    Column("last_seen_at", TS, nullable=False),
)

creator_snapshots = Table(
    "creator_snapshots",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("collected_at", TS, primary_key=True),
    Column("cohort_id", String(64), index=True),  # the cohort whose h48 asked for it
    Column("follower_count", BigInteger),
    Column("following_count", BigInteger),
    Column("likes_count", BigInteger),
    Column("video_count", BigInteger),
    Column("is_verified", Boolean),
    Column("source", String(32), nullable=False),
    *_non_negative("follower_count", "following_count", "likes_count", "video_count"),
)

video_comments = Table(
    "video_comments",
    metadata,
    Column("comment_id", String(32), primary_key=True),
    Column("video_id", String(32), nullable=False, index=True),
    Column("cohort_id", String(64), index=True),
    Column("like_rank", Integer),  # 1 = most liked of the comments scanned
    Column("text", Text, nullable=False),  # PII-redacted
    Column("pii_redactions", Integer, nullable=False, default=0),
    Column("like_count", BigInteger, nullable=False),
    Column("reply_count", BigInteger, nullable=False),
    Column("parent_comment_id", String(32)),
    Column("username", String(128)),  # the Research API does not return it: NULL
    Column("create_time", TS),
    Column("collected_at", TS, nullable=False),
    Column("comments_scanned", Integer),  # how many comments the top list was chosen from
    Column("source", String(32), nullable=False),
    *_non_negative("like_count", "reply_count"),
)

cohort_timeseries = Table(
    "cohort_timeseries",
    metadata,
    Column("cohort_id", String(64), primary_key=True),
    Column("video_id", String(32), primary_key=True),
    Column("timepoint", String(4), primary_key=True),
    Column("row", JSONType, nullable=False),  # the CSV row (seed 004 columns + extras), for BI
    Column("views", BigInteger),
    Column("views_velocity", Float),
    Column("likes_velocity", Float),
    Column("views_growth_pct", Float),
    Column("views_at_mark", Float),
    Column("likes_at_mark", Float),
    Column("views_monotonic", Boolean),
)

sound_trends = Table(
    "sound_trends",
    metadata,
    Column("music_id", String(32), primary_key=True),
    Column("as_of_date", String(10), primary_key=True),  # YYYY-MM-DD (UTC) of the uploads counted
    Column("videos_tracked", Integer, nullable=False),  # distinct tracked videos using it, uploaded up to that day
    Column("new_videos", Integer, nullable=False),  # uploaded that day
    Column("cohorts", Integer, nullable=False),
    Column("sound_title", Text),
    Column("latest_total_views", BigInteger),
    Column("likely_trending", Boolean, nullable=False),
    Column("basis", Text, nullable=False),
)

api_quota_usage = Table(
    "api_quota_usage",
    metadata,
    # Research API requests spent per UTC day, shared by every run (TikTok counts them org-wide).
    Column("api", String(32), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("requests_used", Integer, nullable=False),
    Column("exhausted", Boolean, nullable=False, default=False),
    Column("updated_at", TS, nullable=False),
)

# --- media (one row per video partition; the files live in the media store) ----------------------

media_sources = Table(
    "media_sources",
    metadata,
    # Where a video's file comes from. A drop-folder file named after a TikTok video id links to the
    # account's video; anything else is a draft scored before posting.
    Column("video_id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # file | s3 | url | yt_dlp
    Column("name", Text, nullable=False),
    Column("location", Text, nullable=False),  # path, s3 key or URL (shown without its query string)
    Column("fingerprint", String(128), nullable=False),  # size + mtime (or ETag): a replaced file is new work
    Column("requested_fingerprint", String(128)),  # what the sensor last launched a run for
    Column("caption", Text),  # a draft's sidecar caption, PII-redacted
    Column("is_draft", Boolean, nullable=False),
    Column("size_bytes", BigInteger),
    Column("discovered_at", TS, nullable=False),
)

media_assets = Table(
    "media_assets",
    metadata,
    Column("video_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),  # stored | error | pruned
    Column("source_kind", String(16)),
    Column("storage_key", Text),
    Column("storage_uri", Text),
    Column("sha256", String(64)),
    Column("fingerprint", String(128)),
    Column("size_bytes", BigInteger),
    Column("container", String(64)),
    Column("duration_s", Float),
    Column("width", Integer),
    Column("height", Integer),
    Column("fps", Float),
    Column("video_codec", String(32)),
    Column("audio_codec", String(32)),
    Column("has_audio", Boolean),
    Column("probe", JSONType),
    Column("error", Text),
    Column("stored_at", TS),
    Column("pruned_at", TS),
    *_non_negative("size_bytes", "duration_s"),
)


def _extraction_table(name: str, *scalars: Column) -> Table:
    """One table per extraction: the artifact as JSON, the scalars BI needs as columns, and who made it
    (extractor name and version) from which file (sha256), so a stale result is visible in SQL too."""
    return Table(
        name,
        metadata,
        Column("video_id", String(64), primary_key=True),
        Column("extractor", String(64), nullable=False),
        Column("extractor_version", String(32), nullable=False),
        Column("status", String(16), nullable=False),  # ok | partial | unavailable | error
        Column("source_sha256", String(64)),
        *scalars,
        Column("payload", JSONType, nullable=False),
        Column("note", Text),
        Column("seconds", Float),  # extraction wall time
        Column("extracted_at", TS, nullable=False),
    )


video_keyframes = _extraction_table(
    "video_keyframes",
    Column("keyframe_count", Integer),
    Column("hook_strip_key", Text),
    Column("thumbnail_key", Text),
    Column("analysed_s", Float),
)
video_scene_cuts = _extraction_table(
    "video_scene_cuts",
    Column("cut_count", Integer),
    Column("first_cut_s", Float),
    Column("mean_shot_s", Float),
    Column("cuts_per_10s", Float),
    Column("motion_mean", Float),
    Column("analysed_s", Float),
)
video_transcripts = _extraction_table(
    "video_transcripts",
    Column("model", String(128)),
    Column("confidence", String(8)),
    Column("language", String(16)),
    Column("word_count", Integer),
    Column("speech_s", Float),
    Column("first_word_s", Float),
    Column("text", Text),  # PII-redacted
    Column("redactions", Integer),
)
video_onscreen_text = _extraction_table(
    "video_onscreen_text",
    Column("frames_with_text", Integer),
    Column("line_count", Integer),
    Column("lines_outside_safe_zone", Integer),
    Column("first_text_s", Float),
    Column("text", Text),  # PII-redacted
    Column("redactions", Integer),
)
video_audio_features = _extraction_table(
    "video_audio_features",
    Column("has_audio", Boolean),
    Column("speech_ratio", Float),
    Column("music_ratio", Float),
    Column("music_present", Boolean),
    Column("bpm", Float),
    Column("loudness_lufs", Float),
    Column("dead_air_s", Float),
)
video_visual_tags = _extraction_table(
    "video_visual_tags",
    Column("clip_status", String(16)),
    Column("brightness_mean", Float),
    Column("sharpness_mean", Float),
    Column("face_frames", Integer),
    Column("max_face_area", Float),
    Column("tags", JSONType),  # [{family, label, score}] for BI filters
)
video_caption_analysis = _extraction_table(
    "video_caption_analysis",
    Column("hashtag_count", Integer),
    Column("hashtag_spam", Boolean),
    Column("cta_count", Integer),
    Column("claim_count", Integer),
    Column("hook_reinforced", Boolean),
)

EXTRACTION_TABLES = {
    "keyframes": video_keyframes,
    "scene_cuts": video_scene_cuts,
    "transcript": video_transcripts,
    "onscreen_text": video_onscreen_text,
    "audio_features": video_audio_features,
    "visual_tags": video_visual_tags,
    "caption_analysis": video_caption_analysis,
}


# --- scoring (issue 5) ----------------------------------------------------------------------------

# One column per score, named as the scoring models name them.
SCORE_COLUMNS, PILLAR_COLUMNS, VISUAL_COLUMNS = CORE_SCORES, PILLARS, VISUAL_SCORES


def _integer_between(col: str, low: int, high: int) -> CheckConstraint:
    # `col = CAST(col AS INTEGER)` rejects 7.5 on SQLite, whose INTEGER columns would otherwise store it.
    return CheckConstraint(f"{col} IS NULL OR ({col} BETWEEN {low} AND {high} AND {col} = CAST({col} AS INTEGER))",
                           name=f"{col}_integer_{low}_{high}")


def _gin(table: str, *cols: str) -> list[Index]:
    # GIN indexes answer "which videos have tag X / flag Y" on JSONB; SQLite has no equivalent.
    return [Index(f"ix_{table}_{c}_gin", c, postgresql_using="gin").ddl_if(dialect="postgresql") for c in cols]


# The deterministic engine's result per video: skipped when inputs, rubric, brand and weights are unchanged.
video_creative_scores = Table(
    "video_creative_scores",
    metadata,
    Column("video_id", String(64), primary_key=True),
    Column("scoring_version", String(32), nullable=False),
    Column("brand", String(128), nullable=False),
    Column("config_fingerprint", String(64), nullable=False),  # weights + brand profile content
    Column("input_fingerprint", String(64), nullable=False),
    Column("overall", Integer, nullable=False),
    Column("band", String(8), nullable=False),
    Column("payload", JSONType, nullable=False),  # CreativeScores
    Column("seconds", Float),
    Column("scored_at", TS, nullable=False),
    _integer_between("overall", 0, 100),
)

# The optional LLM pass per video: what it was asked about (scores fingerprint) and what it cost.
video_critiques = Table(
    "video_critiques",
    metadata,
    Column("video_id", String(64), primary_key=True),
    Column("status", String(8), nullable=False),  # off | ok | failed
    Column("model", String(128)),
    Column("reason", Text),
    Column("scores_fingerprint", String(64), nullable=False),  # the deterministic result it critiqued
    Column("config_fingerprint", String(64), nullable=False),  # endpoint + model + prompt version (no key)
    Column("prompt_tokens", Integer),
    Column("completion_tokens", Integer),
    Column("cost_usd", Float),
    Column("payload", JSONType, nullable=False),  # Critique
    Column("seconds", Float),
    Column("critiqued_at", TS, nullable=False),
    CheckConstraint("status IN ('off', 'ok', 'failed')", name="status_known"),
    *_non_negative("prompt_tokens", "completion_tokens", "cost_usd"),
)

# One row per video: what the dashboard and BI read. Integer scores with CHECK constraints; tags,
# findings, fixes and flags as JSON(B).
video_ai_analysis = Table(
    "video_ai_analysis",
    metadata,
    Column("video_id", String(64), primary_key=True),
    Column("status", String(12), nullable=False),  # pending | processing | done | error
    Column("scoring_version", String(32)),
    Column("brand", String(128)),
    *[Column(c, Integer) for c in SCORE_COLUMNS],
    Column("overall", Integer),
    Column("band", String(8)),
    Column("band_uncapped", String(8)),
    *[Column(c, Integer) for c in PILLAR_COLUMNS],
    *[Column(c, Integer) for c in VISUAL_COLUMNS],
    Column("silent_friendly", Boolean),
    Column("deterministic_overall", Integer),  # before the LLM's adjustments
    Column("angle", String(32)),
    Column("hook_type", String(32)),
    Column("tags", JSONType),  # the classification: content types, subjects, composition, emotion, interrupts
    Column("findings", JSONType),
    Column("fixes", JSONType),
    Column("flags", JSONType),  # policy flags and platform blockers with evidence and citations
    Column("adjustments", JSONType),  # the LLM's applied adjustments with reasons
    Column("high_severity_flags", Integer),
    Column("llm_status", String(8)),  # off | ok | failed
    Column("llm_model", String(128)),
    Column("llm_prompt_tokens", Integer),
    Column("llm_completion_tokens", Integer),
    Column("llm_cost_usd", Float),
    Column("error", Text),
    Column("updated_at", TS, nullable=False),
    CheckConstraint("status IN ('pending', 'processing', 'done', 'error')", name="status_known"),
    CheckConstraint("band IS NULL OR band IN ('pass', 'revise', 'reshoot')", name="band_known"),
    CheckConstraint("status <> 'done' OR (overall IS NOT NULL AND band IS NOT NULL)", name="done_has_scores"),
    *[_integer_between(c, 0, 10) for c in (*SCORE_COLUMNS, *PILLAR_COLUMNS, *VISUAL_COLUMNS)],
    _integer_between("overall", 0, 100),
    _integer_between("deterministic_overall", 0, 100),
    *_non_negative("llm_prompt_tokens", "llm_completion_tokens", "llm_cost_usd", "high_severity_flags"),
    *_gin("video_ai_analysis", "tags", "findings", "fixes", "flags"),
)

# --- reporting (issue 6) --------------------------------------------------------------------------

# The pipeline's own copy of each video's cover: TikTok's cover URLs expire about 6 h after they are
# fetched, so the dashboard never links to them. `thumb_key` is the small JPEG the dashboard embeds.
video_covers = Table(
    "video_covers",
    metadata,
    Column("video_id", String(64), primary_key=True),
    Column("status", String(12), nullable=False),  # cached | failed | no_source
    Column("source", String(16)),  # cover_url | keyframe (a first-frame thumbnail when TikTok gave no cover)
    Column("source_host", Text),  # where the cover came from, never with its signed query string
    Column("source_fingerprint", String(128)),  # the cover URL's path or the keyframe checksum: refetch when it changes
    Column("storage_key", Text),
    Column("thumb_key", Text),
    Column("sha256", String(64)),
    Column("width", Integer),
    Column("height", Integer),
    Column("size_bytes", BigInteger),
    Column("error", Text),
    Column("fetched_at", TS, nullable=False),
    CheckConstraint("status IN ('cached', 'failed', 'no_source')", name="status_known"),
    *_non_negative("width", "height", "size_bytes"),
)

# Rank correlations between each creative feature and an outcome over this account's own videos:
# associations with their uncertainty, never a forecast. Features without variance are kept with a
# NULL rho and a note, so a reader sees what was tested; `reportable` is false below the minimum n.
insight_correlations = Table(
    "insight_correlations",
    metadata,
    Column("feature", String(64), primary_key=True),
    Column("outcome", String(16), primary_key=True),  # engagement_rate | velocity_24h | velocity_48h
    Column("feature_kind", String(8), nullable=False),  # score | pillar | visual | tag | flag
    Column("n", Integer, nullable=False),  # videos with both the feature and the outcome
    Column("rho", Float),  # Spearman; NULL when it is undefined (no variance, n < 3)
    Column("ci_low", Float),  # 95 %: Fisher z with the Bonett-Wright standard error
    Column("ci_high", Float),
    Column("p_value", Float),
    Column("strength", String(12)),  # negligible | weak | moderate | strong
    Column("reportable", Boolean, nullable=False),
    Column("note", Text),
    Column("computed_at", TS, nullable=False),
    CheckConstraint("feature_kind IN ('score', 'pillar', 'visual', 'tag', 'flag')", name="feature_kind_known"),
    CheckConstraint("outcome IN ('engagement_rate', 'velocity_24h', 'velocity_48h')", name="outcome_known"),
    CheckConstraint(
        "strength IS NULL OR strength IN ('negligible', 'weak', 'moderate', 'strong')", name="strength_known"
    ),
    CheckConstraint("rho IS NULL OR (rho >= -1 AND rho <= 1)", name="rho_range"),
    CheckConstraint("p_value IS NULL OR (p_value >= 0 AND p_value <= 1)", name="p_value_range"),
    CheckConstraint(
        "rho IS NULL OR ci_low IS NULL OR ci_high IS NULL OR (ci_low <= rho AND rho <= ci_high)",
        name="ci_contains_rho",
    ),
    *_non_negative("n"),
)

# A deterministic k-means over standardized creative features: recurring kinds of video in this
# account, described by the features that set each centroid apart, with their median performance.
creative_archetypes = Table(
    "creative_archetypes",
    metadata,
    Column("archetype_id", Integer, primary_key=True),
    Column("label", Text, nullable=False),  # human words from the defining features
    Column("size", Integer, nullable=False),
    Column("centroid", JSONType, nullable=False),  # {feature: mean in the feature's own units}
    Column("defining_features", JSONType, nullable=False),  # [{feature, z, value}] largest |z| first
    Column("median_engagement_rate", Float),
    Column("median_velocity_24h", Float),
    Column("median_velocity_48h", Float),
    Column("silhouette", Float),  # of the whole clustering; NULL when k = 1
    Column("computed_at", TS, nullable=False),
    CheckConstraint("silhouette IS NULL OR (silhouette >= -1 AND silhouette <= 1)", name="silhouette_range"),
    *_non_negative("archetype_id", "size"),
)

video_archetypes = Table(
    "video_archetypes",
    metadata,
    Column("video_id", String(64), primary_key=True),
    Column("archetype_id", Integer, nullable=False),
    Column("distance", Float, nullable=False),  # to the centroid, in standardized units
    Column("computed_at", TS, nullable=False),
    Index("ix_video_archetypes_archetype_id", "archetype_id"),
    *_non_negative("archetype_id", "distance"),
)
