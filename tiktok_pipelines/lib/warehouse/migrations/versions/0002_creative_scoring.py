"""Creative scoring (issue 5): scores, the LLM critique, the dashboard row

Revision ID: 0002
Revises: 0001

video_ai_analysis keeps one integer column per score, each with a CHECK; its JSON columns get GIN
indexes on PostgreSQL only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tiktok_pipelines.lib.warehouse.migrate import create_table, index

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The column types as this revision wrote them: aware timestamps, and JSON that is JSONB on PostgreSQL.
TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    create_table(
        "video_creative_scores",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("scoring_version", sa.String(length=32), nullable=False),
        sa.Column("brand", sa.String(length=128), nullable=False),
        sa.Column("config_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("input_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=8), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("scored_at", TS, nullable=False),
        sa.CheckConstraint("overall IS NULL OR (overall BETWEEN 0 AND 100 AND overall = CAST(overall AS INTEGER))", name=op.f("ck_video_creative_scores_overall_integer_0_100")),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_creative_scores")),
    )
    create_table(
        "video_critiques",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("scores_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("config_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("critiqued_at", TS, nullable=False),
        sa.CheckConstraint("status IN ('off', 'ok', 'failed')", name=op.f("ck_video_critiques_status_known")),
        sa.CheckConstraint("completion_tokens IS NULL OR completion_tokens >= 0", name=op.f("ck_video_critiques_completion_tokens_non_negative")),
        sa.CheckConstraint("cost_usd IS NULL OR cost_usd >= 0", name=op.f("ck_video_critiques_cost_usd_non_negative")),
        sa.CheckConstraint("prompt_tokens IS NULL OR prompt_tokens >= 0", name=op.f("ck_video_critiques_prompt_tokens_non_negative")),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_critiques")),
    )
    create_table(
        "video_ai_analysis",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("scoring_version", sa.String(length=32), nullable=True),
        sa.Column("brand", sa.String(length=128), nullable=True),
        sa.Column("hook", sa.Integer(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=True),
        sa.Column("clarity", sa.Integer(), nullable=True),
        sa.Column("pacing", sa.Integer(), nullable=True),
        sa.Column("cta", sa.Integer(), nullable=True),
        sa.Column("brand_fit", sa.Integer(), nullable=True),
        sa.Column("overall", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=8), nullable=True),
        sa.Column("band_uncapped", sa.String(length=8), nullable=True),
        sa.Column("attention", sa.Integer(), nullable=True),
        sa.Column("visual_craft", sa.Integer(), nullable=True),
        sa.Column("message_cta", sa.Integer(), nullable=True),
        sa.Column("thumb_stop", sa.Integer(), nullable=True),
        sa.Column("first_frame", sa.Integer(), nullable=True),
        sa.Column("silent_comprehension", sa.Integer(), nullable=True),
        sa.Column("aesthetics", sa.Integer(), nullable=True),
        sa.Column("composition", sa.Integer(), nullable=True),
        sa.Column("motion_dynamics", sa.Integer(), nullable=True),
        sa.Column("camera_work", sa.Integer(), nullable=True),
        sa.Column("pattern_interrupt", sa.Integer(), nullable=True),
        sa.Column("text_legibility", sa.Integer(), nullable=True),
        sa.Column("text_timing", sa.Integer(), nullable=True),
        sa.Column("emotion", sa.Integer(), nullable=True),
        sa.Column("save_share", sa.Integer(), nullable=True),
        sa.Column("loopability", sa.Integer(), nullable=True),
        sa.Column("trend_alignment", sa.Integer(), nullable=True),
        sa.Column("cultural_resonance", sa.Integer(), nullable=True),
        sa.Column("brand_safety", sa.Integer(), nullable=True),
        sa.Column("silent_friendly", sa.Boolean(), nullable=True),
        sa.Column("deterministic_overall", sa.Integer(), nullable=True),
        sa.Column("angle", sa.String(length=32), nullable=True),
        sa.Column("hook_type", sa.String(length=32), nullable=True),
        sa.Column("tags", JSON, nullable=True),
        sa.Column("findings", JSON, nullable=True),
        sa.Column("fixes", JSON, nullable=True),
        sa.Column("flags", JSON, nullable=True),
        sa.Column("adjustments", JSON, nullable=True),
        sa.Column("high_severity_flags", sa.Integer(), nullable=True),
        sa.Column("llm_status", sa.String(length=8), nullable=True),
        sa.Column("llm_model", sa.String(length=128), nullable=True),
        sa.Column("llm_prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("llm_completion_tokens", sa.Integer(), nullable=True),
        sa.Column("llm_cost_usd", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("band IS NULL OR band IN ('pass', 'revise', 'reshoot')", name=op.f("ck_video_ai_analysis_band_known")),
        sa.CheckConstraint("status <> 'done' OR (overall IS NOT NULL AND band IS NOT NULL)", name=op.f("ck_video_ai_analysis_done_has_scores")),
        sa.CheckConstraint("status IN ('pending', 'processing', 'done', 'error')", name=op.f("ck_video_ai_analysis_status_known")),
        sa.CheckConstraint("aesthetics IS NULL OR (aesthetics BETWEEN 0 AND 10 AND aesthetics = CAST(aesthetics AS INTEGER))", name=op.f("ck_video_ai_analysis_aesthetics_integer_0_10")),
        sa.CheckConstraint("attention IS NULL OR (attention BETWEEN 0 AND 10 AND attention = CAST(attention AS INTEGER))", name=op.f("ck_video_ai_analysis_attention_integer_0_10")),
        sa.CheckConstraint("brand_fit IS NULL OR (brand_fit BETWEEN 0 AND 10 AND brand_fit = CAST(brand_fit AS INTEGER))", name=op.f("ck_video_ai_analysis_brand_fit_integer_0_10")),
        sa.CheckConstraint("brand_safety IS NULL OR (brand_safety BETWEEN 0 AND 10 AND brand_safety = CAST(brand_safety AS INTEGER))", name=op.f("ck_video_ai_analysis_brand_safety_integer_0_10")),
        sa.CheckConstraint("camera_work IS NULL OR (camera_work BETWEEN 0 AND 10 AND camera_work = CAST(camera_work AS INTEGER))", name=op.f("ck_video_ai_analysis_camera_work_integer_0_10")),
        sa.CheckConstraint("clarity IS NULL OR (clarity BETWEEN 0 AND 10 AND clarity = CAST(clarity AS INTEGER))", name=op.f("ck_video_ai_analysis_clarity_integer_0_10")),
        sa.CheckConstraint("composition IS NULL OR (composition BETWEEN 0 AND 10 AND composition = CAST(composition AS INTEGER))", name=op.f("ck_video_ai_analysis_composition_integer_0_10")),
        sa.CheckConstraint("cta IS NULL OR (cta BETWEEN 0 AND 10 AND cta = CAST(cta AS INTEGER))", name=op.f("ck_video_ai_analysis_cta_integer_0_10")),
        sa.CheckConstraint("cultural_resonance IS NULL OR (cultural_resonance BETWEEN 0 AND 10 AND cultural_resonance = CAST(cultural_resonance AS INTEGER))", name=op.f("ck_video_ai_analysis_cultural_resonance_integer_0_10")),
        sa.CheckConstraint("depth IS NULL OR (depth BETWEEN 0 AND 10 AND depth = CAST(depth AS INTEGER))", name=op.f("ck_video_ai_analysis_depth_integer_0_10")),
        sa.CheckConstraint("deterministic_overall IS NULL OR (deterministic_overall BETWEEN 0 AND 100 AND deterministic_overall = CAST(deterministic_overall AS INTEGER))", name=op.f("ck_video_ai_analysis_deterministic_overall_integer_0_100")),
        sa.CheckConstraint("emotion IS NULL OR (emotion BETWEEN 0 AND 10 AND emotion = CAST(emotion AS INTEGER))", name=op.f("ck_video_ai_analysis_emotion_integer_0_10")),
        sa.CheckConstraint("first_frame IS NULL OR (first_frame BETWEEN 0 AND 10 AND first_frame = CAST(first_frame AS INTEGER))", name=op.f("ck_video_ai_analysis_first_frame_integer_0_10")),
        sa.CheckConstraint("high_severity_flags IS NULL OR high_severity_flags >= 0", name=op.f("ck_video_ai_analysis_high_severity_flags_non_negative")),
        sa.CheckConstraint("hook IS NULL OR (hook BETWEEN 0 AND 10 AND hook = CAST(hook AS INTEGER))", name=op.f("ck_video_ai_analysis_hook_integer_0_10")),
        sa.CheckConstraint("llm_completion_tokens IS NULL OR llm_completion_tokens >= 0", name=op.f("ck_video_ai_analysis_llm_completion_tokens_non_negative")),
        sa.CheckConstraint("llm_cost_usd IS NULL OR llm_cost_usd >= 0", name=op.f("ck_video_ai_analysis_llm_cost_usd_non_negative")),
        sa.CheckConstraint("llm_prompt_tokens IS NULL OR llm_prompt_tokens >= 0", name=op.f("ck_video_ai_analysis_llm_prompt_tokens_non_negative")),
        sa.CheckConstraint("loopability IS NULL OR (loopability BETWEEN 0 AND 10 AND loopability = CAST(loopability AS INTEGER))", name=op.f("ck_video_ai_analysis_loopability_integer_0_10")),
        sa.CheckConstraint("message_cta IS NULL OR (message_cta BETWEEN 0 AND 10 AND message_cta = CAST(message_cta AS INTEGER))", name=op.f("ck_video_ai_analysis_message_cta_integer_0_10")),
        sa.CheckConstraint("motion_dynamics IS NULL OR (motion_dynamics BETWEEN 0 AND 10 AND motion_dynamics = CAST(motion_dynamics AS INTEGER))", name=op.f("ck_video_ai_analysis_motion_dynamics_integer_0_10")),
        sa.CheckConstraint("overall IS NULL OR (overall BETWEEN 0 AND 100 AND overall = CAST(overall AS INTEGER))", name=op.f("ck_video_ai_analysis_overall_integer_0_100")),
        sa.CheckConstraint("pacing IS NULL OR (pacing BETWEEN 0 AND 10 AND pacing = CAST(pacing AS INTEGER))", name=op.f("ck_video_ai_analysis_pacing_integer_0_10")),
        sa.CheckConstraint("pattern_interrupt IS NULL OR (pattern_interrupt BETWEEN 0 AND 10 AND pattern_interrupt = CAST(pattern_interrupt AS INTEGER))", name=op.f("ck_video_ai_analysis_pattern_interrupt_integer_0_10")),
        sa.CheckConstraint("save_share IS NULL OR (save_share BETWEEN 0 AND 10 AND save_share = CAST(save_share AS INTEGER))", name=op.f("ck_video_ai_analysis_save_share_integer_0_10")),
        sa.CheckConstraint("silent_comprehension IS NULL OR (silent_comprehension BETWEEN 0 AND 10 AND silent_comprehension = CAST(silent_comprehension AS INTEGER))", name=op.f("ck_video_ai_analysis_silent_comprehension_integer_0_10")),
        sa.CheckConstraint("text_legibility IS NULL OR (text_legibility BETWEEN 0 AND 10 AND text_legibility = CAST(text_legibility AS INTEGER))", name=op.f("ck_video_ai_analysis_text_legibility_integer_0_10")),
        sa.CheckConstraint("text_timing IS NULL OR (text_timing BETWEEN 0 AND 10 AND text_timing = CAST(text_timing AS INTEGER))", name=op.f("ck_video_ai_analysis_text_timing_integer_0_10")),
        sa.CheckConstraint("thumb_stop IS NULL OR (thumb_stop BETWEEN 0 AND 10 AND thumb_stop = CAST(thumb_stop AS INTEGER))", name=op.f("ck_video_ai_analysis_thumb_stop_integer_0_10")),
        sa.CheckConstraint("trend_alignment IS NULL OR (trend_alignment BETWEEN 0 AND 10 AND trend_alignment = CAST(trend_alignment AS INTEGER))", name=op.f("ck_video_ai_analysis_trend_alignment_integer_0_10")),
        sa.CheckConstraint("visual_craft IS NULL OR (visual_craft BETWEEN 0 AND 10 AND visual_craft = CAST(visual_craft AS INTEGER))", name=op.f("ck_video_ai_analysis_visual_craft_integer_0_10")),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_ai_analysis")),
        indexes=(index("ix_video_ai_analysis_findings_gin", "findings", only_on="postgresql", postgresql_using="gin"), index("ix_video_ai_analysis_fixes_gin", "fixes", only_on="postgresql", postgresql_using="gin"), index("ix_video_ai_analysis_flags_gin", "flags", only_on="postgresql", postgresql_using="gin"), index("ix_video_ai_analysis_tags_gin", "tags", only_on="postgresql", postgresql_using="gin"),),
    )


def downgrade() -> None:
    op.drop_table("video_ai_analysis")
    op.drop_table("video_critiques")
    op.drop_table("video_creative_scores")

