"""Reporting resources: where the dashboard is written and how covers are fetched."""

from pathlib import Path

import dagster as dg

from tiktok_pipelines.lib.settings import load_settings


class DashboardResource(dg.ConfigurableResource):
    """The generated dashboard: its file, its image cache and budget, and the Dagster UI it links to."""

    output_path: str
    cache_dir: str
    dagster_url: str = "http://127.0.0.1:3000"
    image_budget_mb: float = 24.0


class CoverFetchResource(dg.ConfigurableResource):
    """Fetches cover images from TikTok's CDN, or from the demo world's CDN in-process."""

    demo: bool = False
    demo_videos: int = 36
    demo_seed: int = 7
    timeout_s: float = 20.0

    def build_client(self, clock):  # noqa: ANN001, ANN201 - Clock -> httpx.Client
        import httpx

        if self.demo:
            from tiktok_pipelines.demo.cdn import DemoCoverCdn
            from tiktok_pipelines.demo.world import DemoAccount

            cdn = DemoCoverCdn(DemoAccount(seed=self.demo_seed, n_videos=self.demo_videos), clock)
            return httpx.Client(transport=httpx.WSGITransport(app=cdn), follow_redirects=False)
        return httpx.Client(timeout=httpx.Timeout(self.timeout_s, connect=10.0), follow_redirects=False,
                            headers={"User-Agent": "tiktok_pipelines/0.1 (cover cache)"})


@dg.definitions
def resources() -> dg.Definitions:
    import os

    s = load_settings()
    dashboard_dir = Path(os.environ.get("TIKTOK_DASHBOARD_DIR") or s.data_dir / "dashboard")
    return dg.Definitions(resources={
        "dashboard": DashboardResource(
            output_path=str(dashboard_dir / "index.html"), cache_dir=str(dashboard_dir / ".image-cache"),
            dagster_url=os.environ.get("TIKTOK_DAGSTER_URL", "http://127.0.0.1:3000"),
        ),
        "cover_fetch": CoverFetchResource(demo=s.is_demo, demo_videos=s.demo_video_count),
    })
