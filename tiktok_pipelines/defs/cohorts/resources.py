"""The Research API and the (unofficial, opt-in) public-page source as Dagster resources.

Both use the production clients; in the demo they talk in-process to the fake servers over the
synthetic public feed, driven by the simulated clock.
"""

import contextlib
from collections.abc import Iterator
from datetime import UTC

import dagster as dg

from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource, tiktok_api_errors
from tiktok_pipelines.lib.clock import Clock
from tiktok_pipelines.lib.settings import load_settings
from tiktok_pipelines.lib.tiktok.http import RetryPolicy, TikTokHttp
from tiktok_pipelines.lib.tiktok.research import DAILY_QUOTA, QuotaBudget, ResearchApiClient

RESEARCH_API = "research_api"


class TikTokResearchResource(dg.ConfigurableResource):
    """Client-credentials access to the Research API (approved research projects only)."""

    demo: bool = True
    demo_public_videos: int = 300
    demo_public_seed: int = 21
    base_url: str = "https://open.tiktokapis.com"
    client_key: str = ""
    client_secret: str = ""
    daily_quota: int = DAILY_QUOTA
    timeout_s: float = 60.0
    max_attempts: int = 5
    retry_base_delay_s: float = 1.0

    def build_client(self, clock: Clock, budget: QuotaBudget) -> ResearchApiClient:
        from tiktok_pipelines.lib.tiktok.oauth import OAuthClient

        retry = RetryPolicy(max_attempts=self.max_attempts, base_delay_s=self.retry_base_delay_s)
        if self.demo:
            import httpx

            from tiktok_pipelines.demo.fake_api import FakeTikTokApi
            from tiktok_pipelines.demo.research_api import FakeResearchApi
            from tiktok_pipelines.demo.world import DemoAccount

            fake = FakeTikTokApi(DemoAccount(n_videos=0, upcoming_videos=0), clock)
            FakeResearchApi.mount_on(fake, demo_feed(self.demo_public_seed, self.demo_public_videos), daily_quota=self.daily_quota)
            http = TikTokHttp(base_url=self.base_url, retry=retry, transport=httpx.WSGITransport(app=fake))
            oauth = OAuthClient(http, fake.client_key, fake.client_secret, clock)
        else:
            if not self.client_key or not self.client_secret:
                raise dg.Failure(
                    "TIKTOK_RESEARCH_CLIENT_KEY and TIKTOK_RESEARCH_CLIENT_SECRET must be set to use the Research API"
                    " (it needs an approved research project)"
                )
            http = TikTokHttp(base_url=self.base_url, timeout_s=self.timeout_s, retry=retry)
            oauth = OAuthClient(http, self.client_key, self.client_secret, clock)
        return ResearchApiClient(http, oauth, clock, budget=budget)


_FEEDS: dict[tuple[int, int], object] = {}


def demo_feed(seed: int, n_videos: int):  # noqa: ANN201 - PublicFeed, imported lazily
    """One synthetic public feed per process (building 300 videos takes ~50 ms; 3,000 ~0.5 s)."""
    from tiktok_pipelines.demo.public_feed import PublicFeed

    key = (seed, n_videos)
    if key not in _FEEDS:
        _FEEDS[key] = PublicFeed(seed=seed, n_videos=n_videos)
    return _FEEDS[key]


@contextlib.contextmanager
def research_session(
    warehouse: WarehouseResource, research: TikTokResearchResource, clock: ClockResource, reserve: int = 0
) -> Iterator[ResearchApiClient]:
    """A Research API client whose quota budget starts from what every earlier run spent today
    (api_quota_usage) and adds this run's requests back, also when the step fails."""
    from tiktok_pipelines.lib.cohorts import store

    clk = clock.get()
    budget = QuotaBudget(clk, daily_limit=research.daily_quota, reserve=min(reserve, research.daily_quota - 1))
    day = clk.now().astimezone(UTC).date()
    with warehouse.get().begin() as conn:
        used, exhausted = store.quota_state(conn, RESEARCH_API, day)
    budget.sync_used(used)
    if exhausted:
        budget.mark_exhausted()
    start_used = budget.used()
    client = research.build_client(clk, budget)
    try:
        with tiktok_api_errors(warehouse, client.http):
            yield client
    finally:
        now = clk.now()
        end_day = now.astimezone(UTC).date()
        # A run that crossed 00:00 UTC spent on the new day only what the budget counted since the reset.
        spent = budget.used() - start_used if end_day == day else budget.used()
        exhausted_now = budget.used() >= research.daily_quota
        if spent > 0 or (exhausted_now and not exhausted):  # a run that sent nothing changes nothing
            with warehouse.get().begin() as conn:
                store.add_quota_spent(conn, RESEARCH_API, end_day, max(0, spent), exhausted_now, now)


class TikTokPagesResource(dg.ConfigurableResource):
    """UNOFFICIAL public video pages (see lib/tiktok/page_json.py). Off unless TIKTOK_PAGE_JSON=1."""

    enabled: bool = False
    demo: bool = True
    base_url: str = "https://www.tiktok.com"
    min_interval_s: float = 2.0

    def build_client(self, clock: Clock, demo_feed_args: tuple[int, int] = (21, 300)):  # noqa: ANN201
        import httpx

        from tiktok_pipelines.lib.tiktok.page_json import PageJsonClient

        if not self.enabled:
            raise dg.Failure(
                "this cohort program uses the unofficial page_json source, which is off: set TIKTOK_PAGE_JSON=1"
                " only where automated access to public TikTok pages is permitted"
            )
        if self.demo:
            from tiktok_pipelines.demo.page_site import FakeTikTokPages

            app = FakeTikTokPages(demo_feed(*demo_feed_args), clock)
            http = httpx.Client(base_url=self.base_url, transport=httpx.WSGITransport(app=app))
            return PageJsonClient(http, base_url=self.base_url, min_interval_s=0.0, now=clock.now)
        http = httpx.Client(timeout=30.0)
        return PageJsonClient(http, base_url=self.base_url, min_interval_s=self.min_interval_s, now=clock.now)


@dg.definitions
def resources() -> dg.Definitions:
    settings = load_settings()
    if settings.is_demo:
        research = TikTokResearchResource(demo=True)
        pages = TikTokPagesResource(enabled=settings.page_json_enabled, demo=True)
    else:
        research = TikTokResearchResource(
            demo=False,
            base_url=settings.api_base_url,
            client_key=dg.EnvVar("TIKTOK_RESEARCH_CLIENT_KEY"),
            client_secret=dg.EnvVar("TIKTOK_RESEARCH_CLIENT_SECRET"),
        )
        pages = TikTokPagesResource(enabled=settings.page_json_enabled, demo=False)
    return dg.Definitions(resources={"tiktok_research": research, "tiktok_pages": pages})
