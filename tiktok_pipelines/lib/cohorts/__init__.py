"""48-hour cohort tracking (seed 004): timepoint planning, time series, sound trends."""
