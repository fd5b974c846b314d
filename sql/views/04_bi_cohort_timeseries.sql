-- The 48-hour cohorts as a long table: one row per cohort x video x timepoint (h0, h1, h6, h24, h48),
-- with the cohort's metadata, when the counts were taken (hours since upload and since the cohort
-- started), the counts, and the velocity and growth since the previous timepoint.
-- Missed or not-returned observations are rows too (observation_status), with NULL counts: never a gap.
-- views_velocity is views per hour since the previous timepoint; views_at_mark is views interpolated to
-- the exact hour mark. Public cohorts' counts may be archived (counts_staleness, max_staleness_h).
-- columns: cohort_id, program, cohort_kind, cohort_status, cohort_started_at, is_demo, video_id, username,
--   performance_band, posted_at, timepoint, hour_mark, scheduled_at, collected_at, hours_since_upload,
--   hours_since_cohort_start, observation_status, timing, lateness_s, views, likes, comments, shares,
--   views_velocity, likes_velocity, views_growth_pct, views_at_mark, likes_at_mark, views_monotonic,
--   counts_source, counts_staleness, max_staleness_h
CREATE VIEW bi_cohort_timeseries AS
SELECT
    o.cohort_id,
    c.program,
    c.kind AS cohort_kind,
    c.status AS cohort_status,
    c.started_at AS cohort_started_at,
    c.is_demo,
    o.video_id,
    m.username,
    m.performance_band,
    m.create_time AS posted_at,
    o.timepoint,
    CASE o.timepoint
        WHEN 'h0' THEN 0
        WHEN 'h1' THEN 1
        WHEN 'h6' THEN 6
        WHEN 'h24' THEN 24
        WHEN 'h48' THEN 48
    END AS hour_mark,
    o.scheduled_at,
    o.collected_at,
    o.hours_since_upload,
    o.hours_since_cohort_start,
    o.status AS observation_status,
    o.timing,
    o.lateness_s,
    o.views,
    o.likes,
    o.comments,
    o.shares,
    t.views_velocity,
    t.likes_velocity,
    t.views_growth_pct,
    t.views_at_mark,
    t.likes_at_mark,
    t.views_monotonic,
    o.source AS counts_source,
    o.counts_staleness,
    o.max_staleness_h
FROM cohort_observations o
JOIN cohorts c ON c.cohort_id = o.cohort_id
LEFT JOIN cohort_members m ON m.cohort_id = o.cohort_id AND m.video_id = o.video_id
LEFT JOIN cohort_timeseries t
    ON t.cohort_id = o.cohort_id AND t.video_id = o.video_id AND t.timepoint = o.timepoint;
