-- The account's top movers: the videos the KPI step flagged as gaining views fastest right now,
-- ranked (top_mover_rank 1 = fastest). One row per flagged video; sort by top_mover_rank.
-- columns: top_mover_rank, video_id, title, caption, hashtags, posted_at, posted_date, duration_bucket,
--   views, velocity_24h, velocity_48h, engagement_rate, is_demo, as_of
CREATE VIEW bi_top_movers AS
SELECT
    top_mover_rank,
    video_id,
    title,
    caption,
    hashtags,
    posted_at,
    posted_date,
    duration_bucket,
    views,
    velocity_24h,
    velocity_48h,
    engagement_rate,
    is_demo,
    as_of
FROM bi_video_kpis
WHERE is_top_mover;
