-- Question: how do the videos of each 48-hour cohort grow from h0 to h48?
-- How to read: one row per cohort x timepoint, in time order. videos_observed counts the videos whose
--   counts were taken at that timepoint (missed and not_returned are counted apart: a cohort with many
--   missing is incomplete, not slow). median_views and median_views_velocity (views per hour since the
--   previous timepoint) describe the typical video; late_observations were taken outside the on-time
--   window, so their hours_since_cohort_start drift from the mark.
-- Caveat: correlation, not causation; public cohorts' counts can be days stale (counts_staleness).
-- Needs the bi_ views (the bi_views asset creates them).
WITH observed AS (
    SELECT cohort_id, timepoint, hour_mark, views, views_velocity
    FROM bi_cohort_timeseries
    WHERE observation_status = 'observed'
),
views_ranked AS (
    SELECT cohort_id, timepoint, views,
           ROW_NUMBER() OVER (PARTITION BY cohort_id, timepoint ORDER BY views) AS rn,
           COUNT(*) OVER (PARTITION BY cohort_id, timepoint) AS n
    FROM observed
    WHERE views IS NOT NULL
),
views_medians AS (
    SELECT cohort_id, timepoint, AVG(1.0 * views) AS median_views
    FROM views_ranked
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY cohort_id, timepoint
),
velocity_ranked AS (
    SELECT cohort_id, timepoint, views_velocity,
           ROW_NUMBER() OVER (PARTITION BY cohort_id, timepoint ORDER BY views_velocity) AS rn,
           COUNT(*) OVER (PARTITION BY cohort_id, timepoint) AS n
    FROM observed
    WHERE views_velocity IS NOT NULL
),
velocity_medians AS (
    SELECT cohort_id, timepoint, AVG(views_velocity) AS median_views_velocity
    FROM velocity_ranked
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY cohort_id, timepoint
)
SELECT
    t.cohort_id,
    t.timepoint,
    t.hour_mark,
    SUM(CASE WHEN t.observation_status = 'observed' THEN 1 ELSE 0 END) AS videos_observed,
    SUM(CASE WHEN t.observation_status <> 'observed' THEN 1 ELSE 0 END) AS videos_missing,
    SUM(CASE WHEN t.timing = 'late' THEN 1 ELSE 0 END) AS late_observations,
    ROUND(CAST(wm.median_views AS NUMERIC), 1) AS median_views,
    ROUND(CAST(vm.median_views_velocity AS NUMERIC), 2) AS median_views_velocity
FROM bi_cohort_timeseries t
LEFT JOIN views_medians wm ON wm.cohort_id = t.cohort_id AND wm.timepoint = t.timepoint
LEFT JOIN velocity_medians vm ON vm.cohort_id = t.cohort_id AND vm.timepoint = t.timepoint
GROUP BY t.cohort_id, t.timepoint, t.hour_mark, wm.median_views, vm.median_views_velocity
ORDER BY t.cohort_id, t.hour_mark;
