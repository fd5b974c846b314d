-- Question: which hook types go with higher 48-hour velocity?
-- How to read: one row per hook type (how the first 3 s open: question, contrarian, curiosity, awe,
--   shock; "(none)" when no pattern was recognised), fastest first. videos counts every scored video
--   of that type; median_velocity_48h (views per hour over the last 48 h) uses only the videos that
--   have one (videos_with_velocity_48h), and is less swayed by one viral video than avg_velocity_48h.
--   avg_engagement_rate is a fraction (0.05 = 5 %).
-- Caveat: correlation, not causation. Topic, posting time, audience and luck differ between groups;
--   a group of fewer than ~10 videos is an anecdote. Test a hook before you standardise on it.
-- Age: velocity is views per hour over the LAST 24/48 h, so it falls as a video ages; a group of
--   newer videos looks faster whatever its creative. Compare groups of similar age (filter
--   bi_creative_performance on posted_at), or use the creative_insights asset, which holds age constant.
-- Needs the bi_ views (the bi_views asset creates them).
WITH scored AS (
    SELECT COALESCE(hook_type, '(none)') AS hook_type, velocity_48h, engagement_rate, overall
    FROM bi_creative_performance
),
ranked AS (
    SELECT hook_type, velocity_48h,
           ROW_NUMBER() OVER (PARTITION BY hook_type ORDER BY velocity_48h) AS rn,
           COUNT(*) OVER (PARTITION BY hook_type) AS n
    FROM scored
    WHERE velocity_48h IS NOT NULL
),
medians AS (
    SELECT hook_type, AVG(velocity_48h) AS median_velocity_48h
    FROM ranked
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY hook_type
)
SELECT
    s.hook_type,
    COUNT(*) AS videos,
    COUNT(s.velocity_48h) AS videos_with_velocity_48h,
    ROUND(CAST(m.median_velocity_48h AS NUMERIC), 2) AS median_velocity_48h,
    ROUND(CAST(AVG(s.velocity_48h) AS NUMERIC), 2) AS avg_velocity_48h,
    ROUND(CAST(AVG(s.engagement_rate) AS NUMERIC), 4) AS avg_engagement_rate,
    ROUND(CAST(AVG(1.0 * s.overall) AS NUMERIC), 1) AS avg_overall
FROM scored s
LEFT JOIN medians m ON m.hook_type = s.hook_type
GROUP BY s.hook_type, m.median_velocity_48h
ORDER BY m.median_velocity_48h IS NULL, m.median_velocity_48h DESC, s.hook_type;
