-- Every 0-10 creative score of every scored video in long form: one row per video x score, for
-- histograms, box plots and filters in a BI tool (score_family: core, pillar or visual). The video's
-- overall (0-100) and band come along for colouring.
-- columns: video_id, score_family, score, value, overall, band
CREATE VIEW bi_creative_scores_long AS
SELECT video_id, 'core' AS score_family, 'hook' AS score, hook AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND hook IS NOT NULL
UNION ALL
SELECT video_id, 'core' AS score_family, 'depth' AS score, depth AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND depth IS NOT NULL
UNION ALL
SELECT video_id, 'core' AS score_family, 'clarity' AS score, clarity AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND clarity IS NOT NULL
UNION ALL
SELECT video_id, 'core' AS score_family, 'pacing' AS score, pacing AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND pacing IS NOT NULL
UNION ALL
SELECT video_id, 'core' AS score_family, 'cta' AS score, cta AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND cta IS NOT NULL
UNION ALL
SELECT video_id, 'core' AS score_family, 'brand_fit' AS score, brand_fit AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND brand_fit IS NOT NULL
UNION ALL
SELECT video_id, 'pillar' AS score_family, 'attention' AS score, attention AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND attention IS NOT NULL
UNION ALL
SELECT video_id, 'pillar' AS score_family, 'visual_craft' AS score, visual_craft AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND visual_craft IS NOT NULL
UNION ALL
SELECT video_id, 'pillar' AS score_family, 'message_cta' AS score, message_cta AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND message_cta IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'thumb_stop' AS score, thumb_stop AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND thumb_stop IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'first_frame' AS score, first_frame AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND first_frame IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'silent_comprehension' AS score, silent_comprehension AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND silent_comprehension IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'aesthetics' AS score, aesthetics AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND aesthetics IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'composition' AS score, composition AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND composition IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'motion_dynamics' AS score, motion_dynamics AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND motion_dynamics IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'camera_work' AS score, camera_work AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND camera_work IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'pattern_interrupt' AS score, pattern_interrupt AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND pattern_interrupt IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'text_legibility' AS score, text_legibility AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND text_legibility IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'text_timing' AS score, text_timing AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND text_timing IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'emotion' AS score, emotion AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND emotion IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'save_share' AS score, save_share AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND save_share IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'loopability' AS score, loopability AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND loopability IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'trend_alignment' AS score, trend_alignment AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND trend_alignment IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'cultural_resonance' AS score, cultural_resonance AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND cultural_resonance IS NOT NULL
UNION ALL
SELECT video_id, 'visual' AS score_family, 'brand_safety' AS score, brand_safety AS value, overall, band
FROM video_ai_analysis WHERE status = 'done' AND brand_safety IS NOT NULL;
