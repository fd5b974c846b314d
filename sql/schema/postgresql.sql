-- Generated from tiktok_pipelines/lib/warehouse/schema.py for postgresql; do not edit.
-- Regenerate with: tiktok-pipelines ddl --write

CREATE TABLE account_kpi_summary (
	as_of TIMESTAMP WITH TIME ZONE NOT NULL, 
	video_count INTEGER NOT NULL, 
	total_views BIGINT NOT NULL, 
	total_likes BIGINT NOT NULL, 
	total_comments BIGINT NOT NULL, 
	total_shares BIGINT NOT NULL, 
	median_views FLOAT, 
	median_engagement_rate FLOAT, 
	avg_velocity_24h FLOAT, 
	median_velocity_24h FLOAT, 
	posts_per_day_30d FLOAT, 
	is_demo BOOLEAN NOT NULL, 
	CONSTRAINT pk_account_kpi_summary PRIMARY KEY (as_of)
);

CREATE TABLE account_snapshots (
	account_id VARCHAR(128) NOT NULL, 
	collected_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	follower_count BIGINT, 
	following_count BIGINT, 
	likes_count BIGINT, 
	video_count BIGINT, 
	CONSTRAINT pk_account_snapshots PRIMARY KEY (account_id, collected_at), 
	CONSTRAINT ck_account_snapshots_follower_count_non_negative CHECK (follower_count IS NULL OR follower_count >= 0), 
	CONSTRAINT ck_account_snapshots_following_count_non_negative CHECK (following_count IS NULL OR following_count >= 0), 
	CONSTRAINT ck_account_snapshots_likes_count_non_negative CHECK (likes_count IS NULL OR likes_count >= 0), 
	CONSTRAINT ck_account_snapshots_video_count_non_negative CHECK (video_count IS NULL OR video_count >= 0)
);

CREATE TABLE accounts (
	account_id VARCHAR(128) NOT NULL, 
	username VARCHAR(128), 
	display_name TEXT, 
	bio_description TEXT, 
	is_verified BOOLEAN, 
	source VARCHAR(32) NOT NULL, 
	is_demo BOOLEAN NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_accounts PRIMARY KEY (account_id)
);

CREATE TABLE api_failures (
	occurred_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	endpoint VARCHAR(128) NOT NULL, 
	attempt INTEGER NOT NULL, 
	error_code VARCHAR(64) NOT NULL, 
	http_status INTEGER, 
	log_id VARCHAR(64), 
	message TEXT, 
	retried BOOLEAN NOT NULL, 
	CONSTRAINT pk_api_failures PRIMARY KEY (occurred_at, endpoint, attempt)
);

CREATE TABLE api_quota_usage (
	api VARCHAR(32) NOT NULL, 
	day VARCHAR(10) NOT NULL, 
	requests_used INTEGER NOT NULL, 
	exhausted BOOLEAN NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_api_quota_usage PRIMARY KEY (api, day)
);

CREATE TABLE cohort_members (
	cohort_id VARCHAR(64) NOT NULL, 
	video_id VARCHAR(32) NOT NULL, 
	priority INTEGER NOT NULL, 
	performance_band VARCHAR(16), 
	selection_views BIGINT, 
	username VARCHAR(128), 
	create_time TIMESTAMP WITH TIME ZONE NOT NULL, 
	caption TEXT, 
	hashtags JSONB NOT NULL, 
	duration_s INTEGER, 
	region_code VARCHAR(8), 
	music_id VARCHAR(32), 
	sound_title TEXT, 
	sound_author TEXT, 
	sound_original BOOLEAN, 
	video_url TEXT, 
	thumbnail_url TEXT, 
	CONSTRAINT pk_cohort_members PRIMARY KEY (cohort_id, video_id), 
	CONSTRAINT ck_cohort_members_selection_views_non_negative CHECK (selection_views IS NULL OR selection_views >= 0), 
	CONSTRAINT ck_cohort_members_duration_s_non_negative CHECK (duration_s IS NULL OR duration_s >= 0)
);

CREATE INDEX ix_cohort_members_music_id ON cohort_members (music_id);

CREATE TABLE cohort_observations (
	cohort_id VARCHAR(64) NOT NULL, 
	video_id VARCHAR(32) NOT NULL, 
	timepoint VARCHAR(4) NOT NULL, 
	scheduled_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	collected_at TIMESTAMP WITH TIME ZONE, 
	hours_since_upload FLOAT, 
	hours_since_cohort_start FLOAT, 
	views BIGINT, 
	likes BIGINT, 
	comments BIGINT, 
	shares BIGINT, 
	saves BIGINT, 
	status VARCHAR(16) NOT NULL, 
	timing VARCHAR(8), 
	lateness_s FLOAT, 
	source VARCHAR(32) NOT NULL, 
	counts_staleness VARCHAR(16) NOT NULL, 
	max_staleness_h FLOAT NOT NULL, 
	stats_exact BOOLEAN, 
	CONSTRAINT pk_cohort_observations PRIMARY KEY (cohort_id, video_id, timepoint), 
	CONSTRAINT ck_cohort_observations_views_non_negative CHECK (views IS NULL OR views >= 0), 
	CONSTRAINT ck_cohort_observations_likes_non_negative CHECK (likes IS NULL OR likes >= 0), 
	CONSTRAINT ck_cohort_observations_comments_non_negative CHECK (comments IS NULL OR comments >= 0), 
	CONSTRAINT ck_cohort_observations_shares_non_negative CHECK (shares IS NULL OR shares >= 0), 
	CONSTRAINT ck_cohort_observations_saves_non_negative CHECK (saves IS NULL OR saves >= 0), 
	CONSTRAINT ck_cohort_observations_status_known CHECK (status IN ('observed', 'not_returned', 'missed'))
);

CREATE TABLE cohort_tasks (
	cohort_id VARCHAR(64) NOT NULL, 
	task VARCHAR(16) NOT NULL, 
	scheduled_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	window_ends_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	timing VARCHAR(8), 
	first_attempt_at TIMESTAMP WITH TIME ZONE, 
	completed_at TIMESTAMP WITH TIME ZONE, 
	lateness_s FLOAT, 
	items_total INTEGER NOT NULL, 
	items_done INTEGER NOT NULL, 
	items_missing INTEGER NOT NULL, 
	retry_after TIMESTAMP WITH TIME ZONE, 
	requests_used INTEGER NOT NULL, 
	detail TEXT, 
	run_id VARCHAR(64), 
	CONSTRAINT pk_cohort_tasks PRIMARY KEY (cohort_id, task), 
	CONSTRAINT ck_cohort_tasks_status_known CHECK (status IN ('done', 'partial', 'missed'))
);

CREATE TABLE cohort_timeseries (
	cohort_id VARCHAR(64) NOT NULL, 
	video_id VARCHAR(32) NOT NULL, 
	timepoint VARCHAR(4) NOT NULL, 
	row JSONB NOT NULL, 
	views BIGINT, 
	views_velocity FLOAT, 
	likes_velocity FLOAT, 
	views_growth_pct FLOAT, 
	views_at_mark FLOAT, 
	likes_at_mark FLOAT, 
	views_monotonic BOOLEAN, 
	CONSTRAINT pk_cohort_timeseries PRIMARY KEY (cohort_id, video_id, timepoint)
);

CREATE TABLE cohorts (
	cohort_id VARCHAR(64) NOT NULL, 
	program VARCHAR(64) NOT NULL, 
	kind VARCHAR(8) NOT NULL, 
	source VARCHAR(32) NOT NULL, 
	is_demo BOOLEAN NOT NULL, 
	started_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	selected_at TIMESTAMP WITH TIME ZONE, 
	tolerance_s INTEGER NOT NULL, 
	query JSONB, 
	size_requested INTEGER, 
	freshness_min_h FLOAT, 
	freshness_max_h FLOAT, 
	performance_mix JSONB, 
	mix_achieved JSONB, 
	candidates_seen INTEGER, 
	member_count INTEGER, 
	status VARCHAR(16) NOT NULL, 
	notes TEXT, 
	CONSTRAINT pk_cohorts PRIMARY KEY (cohort_id)
);

CREATE TABLE creative_archetypes (
	archetype_id SERIAL NOT NULL, 
	label TEXT NOT NULL, 
	size INTEGER NOT NULL, 
	centroid JSONB NOT NULL, 
	defining_features JSONB NOT NULL, 
	median_engagement_rate FLOAT, 
	median_velocity_24h FLOAT, 
	median_velocity_48h FLOAT, 
	silhouette FLOAT, 
	computed_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_creative_archetypes PRIMARY KEY (archetype_id), 
	CONSTRAINT ck_creative_archetypes_silhouette_range CHECK (silhouette IS NULL OR (silhouette >= -1 AND silhouette <= 1)), 
	CONSTRAINT ck_creative_archetypes_archetype_id_non_negative CHECK (archetype_id IS NULL OR archetype_id >= 0), 
	CONSTRAINT ck_creative_archetypes_size_non_negative CHECK (size IS NULL OR size >= 0)
);

CREATE TABLE creator_snapshots (
	username VARCHAR(128) NOT NULL, 
	collected_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	cohort_id VARCHAR(64), 
	follower_count BIGINT, 
	following_count BIGINT, 
	likes_count BIGINT, 
	video_count BIGINT, 
	is_verified BOOLEAN, 
	source VARCHAR(32) NOT NULL, 
	CONSTRAINT pk_creator_snapshots PRIMARY KEY (username, collected_at), 
	CONSTRAINT ck_creator_snapshots_follower_count_non_negative CHECK (follower_count IS NULL OR follower_count >= 0), 
	CONSTRAINT ck_creator_snapshots_following_count_non_negative CHECK (following_count IS NULL OR following_count >= 0), 
	CONSTRAINT ck_creator_snapshots_likes_count_non_negative CHECK (likes_count IS NULL OR likes_count >= 0), 
	CONSTRAINT ck_creator_snapshots_video_count_non_negative CHECK (video_count IS NULL OR video_count >= 0)
);

CREATE INDEX ix_creator_snapshots_cohort_id ON creator_snapshots (cohort_id);

CREATE TABLE creators (
	username VARCHAR(128) NOT NULL, 
	display_name TEXT, 
	bio_description TEXT, 
	bio_url TEXT, 
	avatar_url TEXT, 
	is_verified BOOLEAN, 
	source VARCHAR(32) NOT NULL, 
	first_seen_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	last_seen_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_creators PRIMARY KEY (username)
);

CREATE TABLE hashtag_performance (
	hashtag VARCHAR(150) NOT NULL, 
	as_of TIMESTAMP WITH TIME ZONE NOT NULL, 
	video_count INTEGER NOT NULL, 
	total_views BIGINT NOT NULL, 
	median_views FLOAT, 
	median_engagement_rate FLOAT, 
	median_velocity_24h FLOAT, 
	mean_velocity_24h FLOAT, 
	CONSTRAINT pk_hashtag_performance PRIMARY KEY (hashtag)
);

CREATE TABLE insight_correlations (
	feature VARCHAR(64) NOT NULL, 
	outcome VARCHAR(16) NOT NULL, 
	feature_kind VARCHAR(8) NOT NULL, 
	n INTEGER NOT NULL, 
	rho FLOAT, 
	ci_low FLOAT, 
	ci_high FLOAT, 
	p_value FLOAT, 
	strength VARCHAR(12), 
	reportable BOOLEAN NOT NULL, 
	note TEXT, 
	computed_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_insight_correlations PRIMARY KEY (feature, outcome), 
	CONSTRAINT ck_insight_correlations_feature_kind_known CHECK (feature_kind IN ('score', 'pillar', 'visual', 'tag', 'flag')), 
	CONSTRAINT ck_insight_correlations_outcome_known CHECK (outcome IN ('engagement_rate', 'velocity_24h', 'velocity_48h')), 
	CONSTRAINT ck_insight_correlations_strength_known CHECK (strength IS NULL OR strength IN ('negligible', 'weak', 'moderate', 'strong')), 
	CONSTRAINT ck_insight_correlations_rho_range CHECK (rho IS NULL OR (rho >= -1 AND rho <= 1)), 
	CONSTRAINT ck_insight_correlations_p_value_range CHECK (p_value IS NULL OR (p_value >= 0 AND p_value <= 1)), 
	CONSTRAINT ck_insight_correlations_ci_contains_rho CHECK (rho IS NULL OR ci_low IS NULL OR ci_high IS NULL OR (ci_low <= rho AND rho <= ci_high)), 
	CONSTRAINT ck_insight_correlations_n_non_negative CHECK (n IS NULL OR n >= 0)
);

CREATE TABLE media_assets (
	video_id VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	source_kind VARCHAR(16), 
	storage_key TEXT, 
	storage_uri TEXT, 
	sha256 VARCHAR(64), 
	fingerprint VARCHAR(128), 
	size_bytes BIGINT, 
	container VARCHAR(64), 
	duration_s FLOAT, 
	width INTEGER, 
	height INTEGER, 
	fps FLOAT, 
	video_codec VARCHAR(32), 
	audio_codec VARCHAR(32), 
	has_audio BOOLEAN, 
	probe JSONB, 
	error TEXT, 
	stored_at TIMESTAMP WITH TIME ZONE, 
	pruned_at TIMESTAMP WITH TIME ZONE, 
	CONSTRAINT pk_media_assets PRIMARY KEY (video_id), 
	CONSTRAINT ck_media_assets_size_bytes_non_negative CHECK (size_bytes IS NULL OR size_bytes >= 0), 
	CONSTRAINT ck_media_assets_duration_s_non_negative CHECK (duration_s IS NULL OR duration_s >= 0)
);

CREATE TABLE media_sources (
	video_id VARCHAR(64) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	name TEXT NOT NULL, 
	location TEXT NOT NULL, 
	fingerprint VARCHAR(128) NOT NULL, 
	requested_fingerprint VARCHAR(128), 
	caption TEXT, 
	is_draft BOOLEAN NOT NULL, 
	size_bytes BIGINT, 
	discovered_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_media_sources PRIMARY KEY (video_id)
);

CREATE TABLE sound_trends (
	music_id VARCHAR(32) NOT NULL, 
	as_of_date VARCHAR(10) NOT NULL, 
	videos_tracked INTEGER NOT NULL, 
	new_videos INTEGER NOT NULL, 
	cohorts INTEGER NOT NULL, 
	sound_title TEXT, 
	latest_total_views BIGINT, 
	likely_trending BOOLEAN NOT NULL, 
	basis TEXT NOT NULL, 
	CONSTRAINT pk_sound_trends PRIMARY KEY (music_id, as_of_date)
);

CREATE TABLE video_ai_analysis (
	video_id VARCHAR(64) NOT NULL, 
	status VARCHAR(12) NOT NULL, 
	scoring_version VARCHAR(32), 
	brand VARCHAR(128), 
	hook INTEGER, 
	depth INTEGER, 
	clarity INTEGER, 
	pacing INTEGER, 
	cta INTEGER, 
	brand_fit INTEGER, 
	overall INTEGER, 
	band VARCHAR(8), 
	band_uncapped VARCHAR(8), 
	attention INTEGER, 
	visual_craft INTEGER, 
	message_cta INTEGER, 
	thumb_stop INTEGER, 
	first_frame INTEGER, 
	silent_comprehension INTEGER, 
	aesthetics INTEGER, 
	composition INTEGER, 
	motion_dynamics INTEGER, 
	camera_work INTEGER, 
	pattern_interrupt INTEGER, 
	text_legibility INTEGER, 
	text_timing INTEGER, 
	emotion INTEGER, 
	save_share INTEGER, 
	loopability INTEGER, 
	trend_alignment INTEGER, 
	cultural_resonance INTEGER, 
	brand_safety INTEGER, 
	silent_friendly BOOLEAN, 
	deterministic_overall INTEGER, 
	angle VARCHAR(32), 
	hook_type VARCHAR(32), 
	tags JSONB, 
	findings JSONB, 
	fixes JSONB, 
	flags JSONB, 
	adjustments JSONB, 
	high_severity_flags INTEGER, 
	llm_status VARCHAR(8), 
	llm_model VARCHAR(128), 
	llm_prompt_tokens INTEGER, 
	llm_completion_tokens INTEGER, 
	llm_cost_usd FLOAT, 
	error TEXT, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_ai_analysis PRIMARY KEY (video_id), 
	CONSTRAINT ck_video_ai_analysis_status_known CHECK (status IN ('pending', 'processing', 'done', 'error')), 
	CONSTRAINT ck_video_ai_analysis_band_known CHECK (band IS NULL OR band IN ('pass', 'revise', 'reshoot')), 
	CONSTRAINT ck_video_ai_analysis_done_has_scores CHECK (status <> 'done' OR (overall IS NOT NULL AND band IS NOT NULL)), 
	CONSTRAINT ck_video_ai_analysis_hook_integer_0_10 CHECK (hook IS NULL OR (hook BETWEEN 0 AND 10 AND hook = CAST(hook AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_depth_integer_0_10 CHECK (depth IS NULL OR (depth BETWEEN 0 AND 10 AND depth = CAST(depth AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_clarity_integer_0_10 CHECK (clarity IS NULL OR (clarity BETWEEN 0 AND 10 AND clarity = CAST(clarity AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_pacing_integer_0_10 CHECK (pacing IS NULL OR (pacing BETWEEN 0 AND 10 AND pacing = CAST(pacing AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_cta_integer_0_10 CHECK (cta IS NULL OR (cta BETWEEN 0 AND 10 AND cta = CAST(cta AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_brand_fit_integer_0_10 CHECK (brand_fit IS NULL OR (brand_fit BETWEEN 0 AND 10 AND brand_fit = CAST(brand_fit AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_attention_integer_0_10 CHECK (attention IS NULL OR (attention BETWEEN 0 AND 10 AND attention = CAST(attention AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_visual_craft_integer_0_10 CHECK (visual_craft IS NULL OR (visual_craft BETWEEN 0 AND 10 AND visual_craft = CAST(visual_craft AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_message_cta_integer_0_10 CHECK (message_cta IS NULL OR (message_cta BETWEEN 0 AND 10 AND message_cta = CAST(message_cta AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_thumb_stop_integer_0_10 CHECK (thumb_stop IS NULL OR (thumb_stop BETWEEN 0 AND 10 AND thumb_stop = CAST(thumb_stop AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_first_frame_integer_0_10 CHECK (first_frame IS NULL OR (first_frame BETWEEN 0 AND 10 AND first_frame = CAST(first_frame AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_silent_comprehension_integer_0_10 CHECK (silent_comprehension IS NULL OR (silent_comprehension BETWEEN 0 AND 10 AND silent_comprehension = CAST(silent_comprehension AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_aesthetics_integer_0_10 CHECK (aesthetics IS NULL OR (aesthetics BETWEEN 0 AND 10 AND aesthetics = CAST(aesthetics AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_composition_integer_0_10 CHECK (composition IS NULL OR (composition BETWEEN 0 AND 10 AND composition = CAST(composition AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_motion_dynamics_integer_0_10 CHECK (motion_dynamics IS NULL OR (motion_dynamics BETWEEN 0 AND 10 AND motion_dynamics = CAST(motion_dynamics AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_camera_work_integer_0_10 CHECK (camera_work IS NULL OR (camera_work BETWEEN 0 AND 10 AND camera_work = CAST(camera_work AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_pattern_interrupt_integer_0_10 CHECK (pattern_interrupt IS NULL OR (pattern_interrupt BETWEEN 0 AND 10 AND pattern_interrupt = CAST(pattern_interrupt AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_text_legibility_integer_0_10 CHECK (text_legibility IS NULL OR (text_legibility BETWEEN 0 AND 10 AND text_legibility = CAST(text_legibility AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_text_timing_integer_0_10 CHECK (text_timing IS NULL OR (text_timing BETWEEN 0 AND 10 AND text_timing = CAST(text_timing AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_emotion_integer_0_10 CHECK (emotion IS NULL OR (emotion BETWEEN 0 AND 10 AND emotion = CAST(emotion AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_save_share_integer_0_10 CHECK (save_share IS NULL OR (save_share BETWEEN 0 AND 10 AND save_share = CAST(save_share AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_loopability_integer_0_10 CHECK (loopability IS NULL OR (loopability BETWEEN 0 AND 10 AND loopability = CAST(loopability AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_trend_alignment_integer_0_10 CHECK (trend_alignment IS NULL OR (trend_alignment BETWEEN 0 AND 10 AND trend_alignment = CAST(trend_alignment AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_cultural_resonance_integer_0_10 CHECK (cultural_resonance IS NULL OR (cultural_resonance BETWEEN 0 AND 10 AND cultural_resonance = CAST(cultural_resonance AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_brand_safety_integer_0_10 CHECK (brand_safety IS NULL OR (brand_safety BETWEEN 0 AND 10 AND brand_safety = CAST(brand_safety AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_overall_integer_0_100 CHECK (overall IS NULL OR (overall BETWEEN 0 AND 100 AND overall = CAST(overall AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_deterministic_overall_integer_0_100 CHECK (deterministic_overall IS NULL OR (deterministic_overall BETWEEN 0 AND 100 AND deterministic_overall = CAST(deterministic_overall AS INTEGER))), 
	CONSTRAINT ck_video_ai_analysis_llm_prompt_tokens_non_negative CHECK (llm_prompt_tokens IS NULL OR llm_prompt_tokens >= 0), 
	CONSTRAINT ck_video_ai_analysis_llm_completion_tokens_non_negative CHECK (llm_completion_tokens IS NULL OR llm_completion_tokens >= 0), 
	CONSTRAINT ck_video_ai_analysis_llm_cost_usd_non_negative CHECK (llm_cost_usd IS NULL OR llm_cost_usd >= 0), 
	CONSTRAINT ck_video_ai_analysis_high_severity_flags_non_negative CHECK (high_severity_flags IS NULL OR high_severity_flags >= 0)
);

CREATE INDEX ix_video_ai_analysis_findings_gin ON video_ai_analysis USING gin (findings);

CREATE INDEX ix_video_ai_analysis_fixes_gin ON video_ai_analysis USING gin (fixes);

CREATE INDEX ix_video_ai_analysis_flags_gin ON video_ai_analysis USING gin (flags);

CREATE INDEX ix_video_ai_analysis_tags_gin ON video_ai_analysis USING gin (tags);

CREATE TABLE video_archetypes (
	video_id VARCHAR(64) NOT NULL, 
	archetype_id INTEGER NOT NULL, 
	distance FLOAT NOT NULL, 
	computed_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_archetypes PRIMARY KEY (video_id), 
	CONSTRAINT ck_video_archetypes_archetype_id_non_negative CHECK (archetype_id IS NULL OR archetype_id >= 0), 
	CONSTRAINT ck_video_archetypes_distance_non_negative CHECK (distance IS NULL OR distance >= 0)
);

CREATE INDEX ix_video_archetypes_archetype_id ON video_archetypes (archetype_id);

CREATE TABLE video_audio_features (
	video_id VARCHAR(64) NOT NULL, 
	extractor VARCHAR(64) NOT NULL, 
	extractor_version VARCHAR(32) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	source_sha256 VARCHAR(64), 
	has_audio BOOLEAN, 
	speech_ratio FLOAT, 
	music_ratio FLOAT, 
	music_present BOOLEAN, 
	bpm FLOAT, 
	loudness_lufs FLOAT, 
	dead_air_s FLOAT, 
	payload JSONB NOT NULL, 
	note TEXT, 
	seconds FLOAT, 
	extracted_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_audio_features PRIMARY KEY (video_id)
);

CREATE TABLE video_caption_analysis (
	video_id VARCHAR(64) NOT NULL, 
	extractor VARCHAR(64) NOT NULL, 
	extractor_version VARCHAR(32) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	source_sha256 VARCHAR(64), 
	hashtag_count INTEGER, 
	hashtag_spam BOOLEAN, 
	cta_count INTEGER, 
	claim_count INTEGER, 
	hook_reinforced BOOLEAN, 
	payload JSONB NOT NULL, 
	note TEXT, 
	seconds FLOAT, 
	extracted_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_caption_analysis PRIMARY KEY (video_id)
);

CREATE TABLE video_comments (
	comment_id VARCHAR(32) NOT NULL, 
	video_id VARCHAR(32) NOT NULL, 
	cohort_id VARCHAR(64), 
	like_rank INTEGER, 
	text TEXT NOT NULL, 
	pii_redactions INTEGER NOT NULL, 
	like_count BIGINT NOT NULL, 
	reply_count BIGINT NOT NULL, 
	parent_comment_id VARCHAR(32), 
	username VARCHAR(128), 
	create_time TIMESTAMP WITH TIME ZONE, 
	collected_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	comments_scanned INTEGER, 
	source VARCHAR(32) NOT NULL, 
	CONSTRAINT pk_video_comments PRIMARY KEY (comment_id), 
	CONSTRAINT ck_video_comments_like_count_non_negative CHECK (like_count IS NULL OR like_count >= 0), 
	CONSTRAINT ck_video_comments_reply_count_non_negative CHECK (reply_count IS NULL OR reply_count >= 0)
);

CREATE INDEX ix_video_comments_cohort_id ON video_comments (cohort_id);

CREATE INDEX ix_video_comments_video_id ON video_comments (video_id);

CREATE TABLE video_covers (
	video_id VARCHAR(64) NOT NULL, 
	status VARCHAR(12) NOT NULL, 
	source VARCHAR(16), 
	source_host TEXT, 
	source_fingerprint VARCHAR(128), 
	storage_key TEXT, 
	thumb_key TEXT, 
	sha256 VARCHAR(64), 
	width INTEGER, 
	height INTEGER, 
	size_bytes BIGINT, 
	error TEXT, 
	fetched_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_covers PRIMARY KEY (video_id), 
	CONSTRAINT ck_video_covers_status_known CHECK (status IN ('cached', 'failed', 'no_source')), 
	CONSTRAINT ck_video_covers_width_non_negative CHECK (width IS NULL OR width >= 0), 
	CONSTRAINT ck_video_covers_height_non_negative CHECK (height IS NULL OR height >= 0), 
	CONSTRAINT ck_video_covers_size_bytes_non_negative CHECK (size_bytes IS NULL OR size_bytes >= 0)
);

CREATE TABLE video_creative_scores (
	video_id VARCHAR(64) NOT NULL, 
	scoring_version VARCHAR(32) NOT NULL, 
	brand VARCHAR(128) NOT NULL, 
	config_fingerprint VARCHAR(64) NOT NULL, 
	input_fingerprint VARCHAR(64) NOT NULL, 
	overall INTEGER NOT NULL, 
	band VARCHAR(8) NOT NULL, 
	payload JSONB NOT NULL, 
	seconds FLOAT, 
	scored_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_creative_scores PRIMARY KEY (video_id), 
	CONSTRAINT ck_video_creative_scores_overall_integer_0_100 CHECK (overall IS NULL OR (overall BETWEEN 0 AND 100 AND overall = CAST(overall AS INTEGER)))
);

CREATE TABLE video_critiques (
	video_id VARCHAR(64) NOT NULL, 
	status VARCHAR(8) NOT NULL, 
	model VARCHAR(128), 
	reason TEXT, 
	scores_fingerprint VARCHAR(64) NOT NULL, 
	config_fingerprint VARCHAR(64) NOT NULL, 
	prompt_tokens INTEGER, 
	completion_tokens INTEGER, 
	cost_usd FLOAT, 
	payload JSONB NOT NULL, 
	seconds FLOAT, 
	critiqued_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_critiques PRIMARY KEY (video_id), 
	CONSTRAINT ck_video_critiques_status_known CHECK (status IN ('off', 'ok', 'failed')), 
	CONSTRAINT ck_video_critiques_prompt_tokens_non_negative CHECK (prompt_tokens IS NULL OR prompt_tokens >= 0), 
	CONSTRAINT ck_video_critiques_completion_tokens_non_negative CHECK (completion_tokens IS NULL OR completion_tokens >= 0), 
	CONSTRAINT ck_video_critiques_cost_usd_non_negative CHECK (cost_usd IS NULL OR cost_usd >= 0)
);

CREATE TABLE video_keyframes (
	video_id VARCHAR(64) NOT NULL, 
	extractor VARCHAR(64) NOT NULL, 
	extractor_version VARCHAR(32) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	source_sha256 VARCHAR(64), 
	keyframe_count INTEGER, 
	hook_strip_key TEXT, 
	thumbnail_key TEXT, 
	analysed_s FLOAT, 
	payload JSONB NOT NULL, 
	note TEXT, 
	seconds FLOAT, 
	extracted_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_keyframes PRIMARY KEY (video_id)
);

CREATE TABLE video_kpis (
	video_id VARCHAR(32) NOT NULL, 
	as_of TIMESTAMP WITH TIME ZONE NOT NULL, 
	collected_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	posted_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	duration_s INTEGER, 
	duration_bucket VARCHAR(8), 
	views BIGINT NOT NULL, 
	likes BIGINT NOT NULL, 
	comments BIGINT NOT NULL, 
	shares BIGINT NOT NULL, 
	engagement_rate FLOAT, 
	like_rate FLOAT, 
	comment_rate FLOAT, 
	share_rate FLOAT, 
	views_24h FLOAT, 
	views_48h FLOAT, 
	velocity_24h FLOAT, 
	velocity_48h FLOAT, 
	views_24h_basis VARCHAR(24), 
	views_48h_basis VARCHAR(24), 
	is_top_mover BOOLEAN NOT NULL, 
	top_mover_rank INTEGER, 
	CONSTRAINT pk_video_kpis PRIMARY KEY (video_id)
);

CREATE TABLE video_onscreen_text (
	video_id VARCHAR(64) NOT NULL, 
	extractor VARCHAR(64) NOT NULL, 
	extractor_version VARCHAR(32) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	source_sha256 VARCHAR(64), 
	frames_with_text INTEGER, 
	line_count INTEGER, 
	lines_outside_safe_zone INTEGER, 
	first_text_s FLOAT, 
	text TEXT, 
	redactions INTEGER, 
	payload JSONB NOT NULL, 
	note TEXT, 
	seconds FLOAT, 
	extracted_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_onscreen_text PRIMARY KEY (video_id)
);

CREATE TABLE video_scene_cuts (
	video_id VARCHAR(64) NOT NULL, 
	extractor VARCHAR(64) NOT NULL, 
	extractor_version VARCHAR(32) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	source_sha256 VARCHAR(64), 
	cut_count INTEGER, 
	first_cut_s FLOAT, 
	mean_shot_s FLOAT, 
	cuts_per_10s FLOAT, 
	motion_mean FLOAT, 
	analysed_s FLOAT, 
	payload JSONB NOT NULL, 
	note TEXT, 
	seconds FLOAT, 
	extracted_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_scene_cuts PRIMARY KEY (video_id)
);

CREATE TABLE video_snapshots (
	video_id VARCHAR(32) NOT NULL, 
	collected_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	views BIGINT NOT NULL, 
	likes BIGINT NOT NULL, 
	comments BIGINT NOT NULL, 
	shares BIGINT NOT NULL, 
	saves BIGINT, 
	source VARCHAR(32) NOT NULL, 
	CONSTRAINT pk_video_snapshots PRIMARY KEY (video_id, collected_at), 
	CONSTRAINT ck_video_snapshots_views_non_negative CHECK (views IS NULL OR views >= 0), 
	CONSTRAINT ck_video_snapshots_likes_non_negative CHECK (likes IS NULL OR likes >= 0), 
	CONSTRAINT ck_video_snapshots_comments_non_negative CHECK (comments IS NULL OR comments >= 0), 
	CONSTRAINT ck_video_snapshots_shares_non_negative CHECK (shares IS NULL OR shares >= 0), 
	CONSTRAINT ck_video_snapshots_saves_non_negative CHECK (saves IS NULL OR saves >= 0)
);

CREATE INDEX ix_video_snapshots_collected_at ON video_snapshots (collected_at);

CREATE TABLE video_transcripts (
	video_id VARCHAR(64) NOT NULL, 
	extractor VARCHAR(64) NOT NULL, 
	extractor_version VARCHAR(32) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	source_sha256 VARCHAR(64), 
	model VARCHAR(128), 
	confidence VARCHAR(8), 
	language VARCHAR(16), 
	word_count INTEGER, 
	speech_s FLOAT, 
	first_word_s FLOAT, 
	text TEXT, 
	redactions INTEGER, 
	payload JSONB NOT NULL, 
	note TEXT, 
	seconds FLOAT, 
	extracted_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_transcripts PRIMARY KEY (video_id)
);

CREATE TABLE video_visual_tags (
	video_id VARCHAR(64) NOT NULL, 
	extractor VARCHAR(64) NOT NULL, 
	extractor_version VARCHAR(32) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	source_sha256 VARCHAR(64), 
	clip_status VARCHAR(16), 
	brightness_mean FLOAT, 
	sharpness_mean FLOAT, 
	face_frames INTEGER, 
	max_face_area FLOAT, 
	tags JSONB, 
	payload JSONB NOT NULL, 
	note TEXT, 
	seconds FLOAT, 
	extracted_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_video_visual_tags PRIMARY KEY (video_id)
);

CREATE TABLE videos (
	video_id VARCHAR(32) NOT NULL, 
	account_id VARCHAR(128), 
	source VARCHAR(32) NOT NULL, 
	is_demo BOOLEAN NOT NULL, 
	create_time TIMESTAMP WITH TIME ZONE NOT NULL, 
	title TEXT, 
	caption TEXT, 
	hashtags JSONB NOT NULL, 
	duration_s INTEGER, 
	width INTEGER, 
	height INTEGER, 
	share_url TEXT, 
	embed_link TEXT, 
	cover_image_url TEXT, 
	cover_url_fetched_at TIMESTAMP WITH TIME ZONE, 
	first_seen_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	last_seen_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	is_available BOOLEAN NOT NULL, 
	CONSTRAINT pk_videos PRIMARY KEY (video_id), 
	CONSTRAINT ck_videos_duration_s_non_negative CHECK (duration_s IS NULL OR duration_s >= 0), 
	CONSTRAINT ck_videos_width_non_negative CHECK (width IS NULL OR width >= 0), 
	CONSTRAINT ck_videos_height_non_negative CHECK (height IS NULL OR height >= 0)
);

CREATE INDEX ix_videos_account_id ON videos (account_id);
