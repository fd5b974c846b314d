-- How many scored videos fall in each band (pass >= 80, revise 60-79, reshoot < 60 overall; a
-- high-severity compliance flag caps a video at revise), with the overall scores in the band.
-- Always three rows, in band_order 1 pass, 2 revise, 3 reshoot; empty bands have videos = 0.
-- columns: band, band_order, videos, share, min_overall, avg_overall, max_overall
CREATE VIEW bi_band_distribution AS
WITH bands AS (
    SELECT 'pass' AS band, 1 AS band_order
    UNION ALL SELECT 'revise', 2
    UNION ALL SELECT 'reshoot', 3
),
scored AS (
    SELECT band, overall FROM video_ai_analysis WHERE status = 'done'
)
SELECT
    b.band,
    b.band_order,
    COUNT(s.overall) AS videos,
    1.0 * COUNT(s.overall) / NULLIF((SELECT COUNT(*) FROM scored), 0) AS share,
    MIN(s.overall) AS min_overall,
    AVG(1.0 * s.overall) AS avg_overall,
    MAX(s.overall) AS max_overall
FROM bands b
LEFT JOIN scored s ON s.band = b.band
GROUP BY b.band, b.band_order;
