-- Latest KPIs per video of the connected account, as of its latest metric snapshot, with the video's
-- title, caption and hashtags. One row per video.
-- Rates are fractions (0.05 = 5 %); velocity_24h / velocity_48h are views per hour over the last 24 / 48 h
-- (NULL when the video is younger than the window and no earlier snapshot exists: see *_basis).
-- hashtags is the JSON list as text, e.g. ["skincare", "fyp"]. Timestamps are UTC; posted_date is the
-- UTC date on SQLite and the date in the session's TimeZone on PostgreSQL (UTC unless a client sets one).
-- columns: video_id, account_id, title, caption, hashtags, posted_at, posted_date, duration_s,
--   duration_bucket, views, likes, comments, shares, engagement_rate, like_rate, comment_rate, share_rate,
--   views_24h, views_48h, velocity_24h, velocity_48h, views_24h_basis, views_48h_basis, is_top_mover,
--   top_mover_rank, share_url, is_demo, as_of, collected_at
CREATE VIEW bi_video_kpis AS
SELECT
    k.video_id,
    v.account_id,
    v.title,
    v.caption,
    CAST(v.hashtags AS TEXT) AS hashtags,
    k.posted_at,
    DATE(k.posted_at) AS posted_date,
    k.duration_s,
    k.duration_bucket,
    k.views,
    k.likes,
    k.comments,
    k.shares,
    k.engagement_rate,
    k.like_rate,
    k.comment_rate,
    k.share_rate,
    k.views_24h,
    k.views_48h,
    k.velocity_24h,
    k.velocity_48h,
    k.views_24h_basis,
    k.views_48h_basis,
    k.is_top_mover,
    k.top_mover_rank,
    v.share_url,
    v.is_demo,
    k.as_of,
    k.collected_at
FROM video_kpis k
LEFT JOIN videos v ON v.video_id = k.video_id;
