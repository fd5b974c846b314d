"""The TikTok Display API as a Dagster resource: the real httpx client, pointed at TikTok or at the
demo world's fake API (in-process transport), never a separate code path."""

from pathlib import Path

import dagster as dg

from tiktok_pipelines.lib.clock import Clock
from tiktok_pipelines.lib.settings import load_settings
from tiktok_pipelines.lib.tiktok.display import DisplayApiClient
from tiktok_pipelines.lib.tiktok.http import RetryPolicy, TikTokHttp
from tiktok_pipelines.lib.tiktok.oauth import OAuthClient, UserTokenProvider
from tiktok_pipelines.lib.tiktok.tokens import FileTokenStore, MemoryTokenStore, TokenSet


class TikTokDisplayResource(dg.ConfigurableResource):
    """demo=True serves the deterministic demo account through TikTok's protocol in-process."""

    demo: bool = True
    demo_videos: int = 36
    demo_seed: int = 7
    base_url: str = "https://open.tiktokapis.com"
    client_key: str = ""
    client_secret: str = ""
    token_file: str = ""
    timeout_s: float = 30.0
    max_attempts: int = 6
    retry_base_delay_s: float = 0.5

    @property
    def source(self) -> str:
        return "demo" if self.demo else "display_api"

    def build_client(self, clock: Clock) -> DisplayApiClient:
        retry = RetryPolicy(max_attempts=self.max_attempts, base_delay_s=self.retry_base_delay_s)
        if self.demo:
            import httpx

            from tiktok_pipelines.demo.fake_api import FakeTikTokApi
            from tiktok_pipelines.demo.world import DemoAccount

            fake = FakeTikTokApi(DemoAccount(seed=self.demo_seed, n_videos=self.demo_videos), clock)
            http = TikTokHttp(base_url=self.base_url, retry=retry, transport=httpx.WSGITransport(app=fake))
            oauth = OAuthClient(http, fake.client_key, fake.client_secret, clock)
            # The demo account has always just consented; tokens live only in memory.
            store = MemoryTokenStore(TokenSet.from_response(fake.grant_user_tokens(), clock.now()))
        else:
            if not self.client_key or not self.client_secret:
                raise dg.Failure(
                    "TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET must be set for TIKTOK_SOURCE=live"
                )
            http = TikTokHttp(base_url=self.base_url, timeout_s=self.timeout_s, retry=retry)
            oauth = OAuthClient(http, self.client_key, self.client_secret, clock)
            store = FileTokenStore(Path(self.token_file))
        return DisplayApiClient(http, UserTokenProvider(oauth, store, clock))


@dg.definitions
def resources() -> dg.Definitions:
    settings = load_settings()
    if settings.is_demo:
        display = TikTokDisplayResource(demo=True, demo_videos=settings.demo_video_count)
    else:
        display = TikTokDisplayResource(
            demo=False,
            base_url=settings.api_base_url,
            client_key=dg.EnvVar("TIKTOK_CLIENT_KEY"),
            client_secret=dg.EnvVar("TIKTOK_CLIENT_SECRET"),
            token_file=str(settings.token_file),
        )
    return dg.Definitions(resources={"tiktok_display": display})
