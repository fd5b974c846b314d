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
