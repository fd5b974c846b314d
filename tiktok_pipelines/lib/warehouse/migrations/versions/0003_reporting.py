"""Reporting (issue 6): the pipeline's own video covers and the insight tables

Revision ID: 0003
Revises: 0002

video_covers keeps the dashboard's copy of each cover (TikTok's cover URLs expire); the insight
tables hold rank correlations and creative archetypes over the account's own videos.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tiktok_pipelines.lib.warehouse.migrate import create_table, index

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The column types as this revision wrote them: aware timestamps, and JSON that is JSONB on PostgreSQL.
TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    create_table(
        "video_covers",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("source_host", sa.Text(), nullable=True),
        sa.Column("source_fingerprint", sa.String(length=128), nullable=True),
        sa.Column("storage_key", sa.Text(), nullable=True),
        sa.Column("thumb_key", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fetched_at", TS, nullable=False),
        sa.CheckConstraint("status IN ('cached', 'failed', 'no_source')", name=op.f("ck_video_covers_status_known")),
        sa.CheckConstraint("height IS NULL OR height >= 0", name=op.f("ck_video_covers_height_non_negative")),
        sa.CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name=op.f("ck_video_covers_size_bytes_non_negative")),
        sa.CheckConstraint("width IS NULL OR width >= 0", name=op.f("ck_video_covers_width_non_negative")),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_covers")),
    )
    create_table(
        "insight_correlations",
        sa.Column("feature", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("feature_kind", sa.String(length=8), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("rho", sa.Float(), nullable=True),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        sa.Column("p_value", sa.Float(), nullable=True),
        sa.Column("strength", sa.String(length=12), nullable=True),
        sa.Column("reportable", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("computed_at", TS, nullable=False),
        sa.CheckConstraint("feature_kind IN ('score', 'pillar', 'visual', 'tag', 'flag')", name=op.f("ck_insight_correlations_feature_kind_known")),
        sa.CheckConstraint("outcome IN ('engagement_rate', 'velocity_24h', 'velocity_48h')", name=op.f("ck_insight_correlations_outcome_known")),
        sa.CheckConstraint("strength IS NULL OR strength IN ('negligible', 'weak', 'moderate', 'strong')", name=op.f("ck_insight_correlations_strength_known")),
        sa.CheckConstraint("n IS NULL OR n >= 0", name=op.f("ck_insight_correlations_n_non_negative")),
        sa.CheckConstraint("p_value IS NULL OR (p_value >= 0 AND p_value <= 1)", name=op.f("ck_insight_correlations_p_value_range")),
        sa.CheckConstraint("rho IS NULL OR (rho >= -1 AND rho <= 1)", name=op.f("ck_insight_correlations_rho_range")),
        sa.CheckConstraint("rho IS NULL OR ci_low IS NULL OR ci_high IS NULL OR (ci_low <= rho AND rho <= ci_high)", name=op.f("ck_insight_correlations_ci_contains_rho")),
        sa.PrimaryKeyConstraint("feature", "outcome", name=op.f("pk_insight_correlations")),
    )
    create_table(
        "creative_archetypes",
        sa.Column("archetype_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("centroid", JSON, nullable=False),
        sa.Column("defining_features", JSON, nullable=False),
        sa.Column("median_engagement_rate", sa.Float(), nullable=True),
        sa.Column("median_velocity_24h", sa.Float(), nullable=True),
        sa.Column("median_velocity_48h", sa.Float(), nullable=True),
        sa.Column("silhouette", sa.Float(), nullable=True),
        sa.Column("computed_at", TS, nullable=False),
        sa.CheckConstraint("archetype_id IS NULL OR archetype_id >= 0", name=op.f("ck_creative_archetypes_archetype_id_non_negative")),
        sa.CheckConstraint("silhouette IS NULL OR (silhouette >= -1 AND silhouette <= 1)", name=op.f("ck_creative_archetypes_silhouette_range")),
        sa.CheckConstraint("size IS NULL OR size >= 0", name=op.f("ck_creative_archetypes_size_non_negative")),
        sa.PrimaryKeyConstraint("archetype_id", name=op.f("pk_creative_archetypes")),
    )
    create_table(
        "video_archetypes",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("archetype_id", sa.Integer(), nullable=False),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("computed_at", TS, nullable=False),
        sa.CheckConstraint("archetype_id IS NULL OR archetype_id >= 0", name=op.f("ck_video_archetypes_archetype_id_non_negative")),
        sa.CheckConstraint("distance IS NULL OR distance >= 0", name=op.f("ck_video_archetypes_distance_non_negative")),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_archetypes")),
        indexes=(index("ix_video_archetypes_archetype_id", "archetype_id"),),
    )


def downgrade() -> None:
    op.drop_table("video_archetypes")
    op.drop_table("creative_archetypes")
    op.drop_table("insight_correlations")
    op.drop_table("video_covers")
