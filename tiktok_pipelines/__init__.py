"""tiktok_pipelines: TikTok performance and creative analytics on Dagster."""

__version__ = "0.1.0"
