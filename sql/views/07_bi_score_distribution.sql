-- How the 0-10 creative scores are distributed: one row per score x integer value 0..10 (values no
-- video got are rows with videos = 0, so a histogram keeps its full axis). share is the fraction of
-- the videos scored on that score. Scores with no scored video at all have no rows.
-- columns: score_family, score, value, videos, share
CREATE VIEW bi_score_distribution AS
WITH score_values AS (
    SELECT 0 AS value UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
    UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9
    UNION ALL SELECT 10
),
scored AS (
    SELECT score_family, score, COUNT(*) AS videos_scored
    FROM bi_creative_scores_long
    GROUP BY score_family, score
)
SELECT
    s.score_family,
    s.score,
    sv.value,
    COUNT(l.video_id) AS videos,
    1.0 * COUNT(l.video_id) / s.videos_scored AS share
FROM scored s
CROSS JOIN score_values sv
LEFT JOIN bi_creative_scores_long l ON l.score = s.score AND l.value = sv.value
GROUP BY s.score_family, s.score, sv.value, s.videos_scored;
