"""Per-modality extractors (plain Python, no Dagster): speech, on-screen text, cuts, audio, visuals, caption."""
