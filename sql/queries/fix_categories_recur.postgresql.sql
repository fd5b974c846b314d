-- Question: which kinds of fix (hook, pacing, cta, brand_fit, compliance, ...) recur, and on which videos?
-- How to read: one row per fix category, most widespread first. videos counts the scored videos with at
--   least one fix of that category; share_of_scored_videos is that over all scored videos; fixes counts
--   every suggestion (a video can get two pacing fixes); high_priority_videos had at least one of them
--   at high priority; avg_overall is the mean overall score (0-100) of those videos.
-- Caveat: a fix is the scorer's suggestion from observable rules, not proof the change raises views
--   (correlation, not causation).
-- Dialects: fixes is a JSON list, so this query has a SQLite (json_each) and a PostgreSQL
--   (jsonb_array_elements) variant: fix_categories_recur.sqlite.sql / .postgresql.sql, same columns.
WITH fixes AS (
    SELECT
        a.video_id,
        a.overall,
        f.fix ->> 'category' AS category,
        f.fix ->> 'priority' AS priority
    FROM video_ai_analysis a
    -- a NULL or non-list value (JSON null) has no fixes; jsonb_array_elements would raise on it
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(a.fixes) = 'array' THEN a.fixes ELSE '[]'::jsonb END
    ) AS f(fix)
    WHERE a.status = 'done'
),
per_video AS (
    SELECT
        category,
        video_id,
        overall,
        COUNT(*) AS fixes,
        MAX(CASE WHEN priority = 'high' THEN 1 ELSE 0 END) AS has_high
    FROM fixes
    GROUP BY category, video_id, overall
),
scored AS (
    SELECT COUNT(*) AS videos FROM video_ai_analysis WHERE status = 'done'
)
SELECT
    category,
    COUNT(*) AS videos,
    ROUND(CAST(1.0 * COUNT(*) / (SELECT videos FROM scored) AS NUMERIC), 3) AS share_of_scored_videos,
    SUM(fixes) AS fixes,
    SUM(has_high) AS high_priority_videos,
    ROUND(CAST(AVG(1.0 * overall) AS NUMERIC), 1) AS avg_overall
FROM per_video
GROUP BY category
ORDER BY videos DESC, category;
