-- Question: which fixes recur across our scored videos?
-- How to read: one row per fix (category and the exact action the scorer suggested), most frequent
--   first. videos counts the scored videos that got it; share_of_scored_videos is that over all scored
--   videos; high/medium/low_priority count how urgent it was each time. A fix on many videos is a habit
--   to change in production (a brief, a template), not a one-off edit. Actions that carry a number
--   ("Break the 9-s shot at 3.0 s") recur only with that number: fix_categories_recur groups by category.
-- Caveat: a fix is the scorer's suggestion from observable rules, not proof the change raises views
--   (correlation, not causation).
-- Dialects: fixes is a JSON list, so this query has a SQLite (json_each) and a PostgreSQL
--   (jsonb_array_elements) variant: fixes_recur.sqlite.sql / fixes_recur.postgresql.sql, same columns.
WITH fixes AS (
    SELECT
        a.video_id,
        f.fix ->> 'category' AS category,
        f.fix ->> 'action' AS action,
        f.fix ->> 'priority' AS priority
    FROM video_ai_analysis a
    -- a NULL or non-list value (JSON null) has no fixes; jsonb_array_elements would raise on it
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(a.fixes) = 'array' THEN a.fixes ELSE '[]'::jsonb END
    ) AS f(fix)
    WHERE a.status = 'done'
),
scored AS (
    SELECT COUNT(*) AS videos FROM video_ai_analysis WHERE status = 'done'
)
SELECT
    category,
    action,
    COUNT(DISTINCT video_id) AS videos,
    ROUND(CAST(1.0 * COUNT(DISTINCT video_id) / (SELECT videos FROM scored) AS NUMERIC), 3) AS share_of_scored_videos,
    SUM(CASE WHEN priority = 'high' THEN 1 ELSE 0 END) AS high_priority,
    SUM(CASE WHEN priority = 'medium' THEN 1 ELSE 0 END) AS medium_priority,
    SUM(CASE WHEN priority = 'low' THEN 1 ELSE 0 END) AS low_priority
FROM fixes
GROUP BY category, action
ORDER BY videos DESC, category, action;
