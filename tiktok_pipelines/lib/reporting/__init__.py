"""Reporting: the BI views and analytical queries (sql/), and what the reporting assets compute."""
