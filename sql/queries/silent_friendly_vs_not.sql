-- Question: do silent-friendly videos keep up with the ones that need sound?
-- How to read: one row per group. "silent-friendly" videos can be understood with the sound off
--   (silent comprehension >= 7 and text legibility >= 7); "needs sound" are the others; "unknown" had
--   no visual scores. Compare median_velocity_48h (views per hour over the last 48 h, over the videos
--   that have one) and median_views; avg_engagement_rate is a fraction (0.05 = 5 %).
--   Similar medians mean silent-friendly videos keep up; a lower median means they lag.
-- Caveat: correlation, not causation. Silent-friendly videos may differ in topic and format too, and a
--   group of fewer than ~10 videos is an anecdote.
-- Age: velocity is views per hour over the LAST 24/48 h, so it falls as a video ages; a group of
--   newer videos looks faster whatever its creative. Compare groups of similar age (filter
--   bi_creative_performance on posted_at), or use the creative_insights asset, which holds age constant.
-- Needs the bi_ views (the bi_views asset creates them).
WITH scored AS (
    SELECT
        CASE
            WHEN silent_friendly THEN 'silent-friendly'
            WHEN NOT silent_friendly THEN 'needs sound'
            ELSE 'unknown'
        END AS audience_with_sound_off,
        CASE WHEN silent_friendly THEN 1 WHEN NOT silent_friendly THEN 2 ELSE 3 END AS group_order,
        views, velocity_48h, engagement_rate, overall
    FROM bi_creative_performance
),
velocity_ranked AS (
    SELECT audience_with_sound_off, velocity_48h,
           ROW_NUMBER() OVER (PARTITION BY audience_with_sound_off ORDER BY velocity_48h) AS rn,
           COUNT(*) OVER (PARTITION BY audience_with_sound_off) AS n
    FROM scored
    WHERE velocity_48h IS NOT NULL
),
velocity_medians AS (
    SELECT audience_with_sound_off, AVG(velocity_48h) AS median_velocity_48h
    FROM velocity_ranked
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY audience_with_sound_off
),
views_ranked AS (
    SELECT audience_with_sound_off, views,
           ROW_NUMBER() OVER (PARTITION BY audience_with_sound_off ORDER BY views) AS rn,
           COUNT(*) OVER (PARTITION BY audience_with_sound_off) AS n
    FROM scored
    WHERE views IS NOT NULL
),
views_medians AS (
    SELECT audience_with_sound_off, AVG(1.0 * views) AS median_views
    FROM views_ranked
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY audience_with_sound_off
)
SELECT
    s.audience_with_sound_off,
    COUNT(*) AS videos,
    COUNT(s.velocity_48h) AS videos_with_velocity_48h,
    ROUND(CAST(vm.median_velocity_48h AS NUMERIC), 2) AS median_velocity_48h,
    ROUND(CAST(wm.median_views AS NUMERIC), 1) AS median_views,
    ROUND(CAST(AVG(s.engagement_rate) AS NUMERIC), 4) AS avg_engagement_rate,
    ROUND(CAST(AVG(1.0 * s.overall) AS NUMERIC), 1) AS avg_overall
FROM scored s
LEFT JOIN velocity_medians vm ON vm.audience_with_sound_off = s.audience_with_sound_off
LEFT JOIN views_medians wm ON wm.audience_with_sound_off = s.audience_with_sound_off
GROUP BY s.audience_with_sound_off, s.group_order, vm.median_velocity_48h, wm.median_views
ORDER BY s.group_order;
