"""Own-account analytics (seed 000, Phase 1): video list, metric snapshots, KPIs and exports."""
