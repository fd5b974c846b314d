-- Question: do videos in a better score band (pass / revise / reshoot) get more views and grow faster?
-- How to read: one row per band, pass first. median_views is over the scored videos that have KPIs
--   (drafts scored before posting have none); median_velocity_48h is views per hour over the last 48 h.
--   If pass does not beat reshoot, the rubric is not tracking what this audience rewards: look at the
--   individual scores (bi_creative_performance) before trusting the band.
-- Caveat: correlation, not causation, and older videos have had longer to collect views; a band with
--   fewer than ~10 videos is an anecdote.
-- Age: velocity is views per hour over the LAST 24/48 h, so it falls as a video ages; a group of
--   newer videos looks faster whatever its creative. Compare groups of similar age (filter
--   bi_creative_performance on posted_at), or use the creative_insights asset, which holds age constant.
-- Needs the bi_ views (the bi_views asset creates them).
WITH scored AS (
    SELECT
        band,
        CASE band WHEN 'pass' THEN 1 WHEN 'revise' THEN 2 WHEN 'reshoot' THEN 3 END AS band_order,
        views, velocity_48h, engagement_rate, overall
    FROM bi_creative_performance
),
views_ranked AS (
    SELECT band, views,
           ROW_NUMBER() OVER (PARTITION BY band ORDER BY views) AS rn,
           COUNT(*) OVER (PARTITION BY band) AS n
    FROM scored
    WHERE views IS NOT NULL
),
views_medians AS (
    SELECT band, AVG(1.0 * views) AS median_views
    FROM views_ranked
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY band
),
velocity_ranked AS (
    SELECT band, velocity_48h,
           ROW_NUMBER() OVER (PARTITION BY band ORDER BY velocity_48h) AS rn,
           COUNT(*) OVER (PARTITION BY band) AS n
    FROM scored
    WHERE velocity_48h IS NOT NULL
),
velocity_medians AS (
    SELECT band, AVG(velocity_48h) AS median_velocity_48h
    FROM velocity_ranked
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY band
)
SELECT
    s.band,
    COUNT(*) AS videos,
    COUNT(s.views) AS videos_with_kpis,
    ROUND(CAST(wm.median_views AS NUMERIC), 1) AS median_views,
    ROUND(CAST(vm.median_velocity_48h AS NUMERIC), 2) AS median_velocity_48h,
    ROUND(CAST(AVG(s.engagement_rate) AS NUMERIC), 4) AS avg_engagement_rate,
    MIN(s.overall) AS min_overall,
    MAX(s.overall) AS max_overall
FROM scored s
LEFT JOIN views_medians wm ON wm.band = s.band
LEFT JOIN velocity_medians vm ON vm.band = s.band
GROUP BY s.band, s.band_order, wm.median_views, vm.median_velocity_48h
ORDER BY s.band_order;
