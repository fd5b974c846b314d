-- How each hashtag of the account performs: the videos that carry it, their views, median engagement
-- and median / mean velocity over the last 24 h. One row per hashtag, as of the latest KPI run.
-- A hashtag on one or two videos says little: filter on video_count.
-- columns: hashtag, video_count, total_views, views_per_video, median_views, median_engagement_rate,
--   median_velocity_24h, mean_velocity_24h, as_of
CREATE VIEW bi_hashtag_performance AS
SELECT
    hashtag,
    video_count,
    total_views,
    1.0 * total_views / NULLIF(video_count, 0) AS views_per_video,
    median_views,
    median_engagement_rate,
    median_velocity_24h,
    mean_velocity_24h,
    as_of
FROM hashtag_performance;
