"""Media files: probing, storing, acquiring, decoding (plain Python, no Dagster)."""
