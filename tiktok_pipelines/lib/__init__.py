"""Plain Python building blocks (no Dagster imports): API clients, warehouse, KPI maths."""
