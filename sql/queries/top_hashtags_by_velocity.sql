-- Question: which of our hashtags sit on the videos that are gaining views fastest right now?
-- How to read: the 20 hashtags used on at least 2 videos, fastest first by median_velocity_24h (views
--   per hour over the last 24 h, median over the videos with the hashtag); ties by total views. Raise
--   the video_count threshold (in the WHERE clause) once the account has more videos.
-- Caveat: correlation, not causation. A hashtag rides on the videos that carry it; new videos grow
--   fastest, so a hashtag used only lately looks fast. #fyp-style tags are on everything and say little.
-- Needs the bi_ views (the bi_views asset creates them).
SELECT
    hashtag,
    video_count,
    total_views,
    ROUND(CAST(median_velocity_24h AS NUMERIC), 2) AS median_velocity_24h,
    ROUND(CAST(mean_velocity_24h AS NUMERIC), 2) AS mean_velocity_24h,
    ROUND(CAST(median_engagement_rate AS NUMERIC), 4) AS median_engagement_rate,
    as_of
FROM bi_hashtag_performance
WHERE video_count >= 2
ORDER BY median_velocity_24h IS NULL, median_velocity_24h DESC, total_views DESC, hashtag
LIMIT 20;
