"""A fake TikTok served over a real socket, with tokens on disk, as a live deployment would see it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tiktok_pipelines.defs.account.resources import TikTokDisplayResource
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.demo.fake_api import FakeTikTokApi
from tiktok_pipelines.demo.server import serve_in_thread
from tiktok_pipelines.demo.world import DEMO_NOW, DemoAccount
from tiktok_pipelines.lib.clock import FileClock
from tiktok_pipelines.lib.tiktok.tokens import FileTokenStore, TokenSet


@dataclass
class LiveFake:
    fake: FakeTikTokApi
    clock: FileClock
    base_url: str
    token_file: Path

    def resources(self, warehouse_url: str) -> dict:
        return {
            "warehouse": WarehouseResource(url=warehouse_url),
            "clock": ClockResource(simulated=True, state_file=str(self.clock.path)),
            "tiktok_display": TikTokDisplayResource(
                demo=False,
                base_url=self.base_url,
                client_key=self.fake.client_key,
                client_secret=self.fake.client_secret,
                token_file=str(self.token_file),
                retry_base_delay_s=0.01,
            ),
        }


@contextmanager
def live_fake(tmp_path: Path, n_videos: int = 45, seed: int = 11) -> Iterator[LiveFake]:
    clock = FileClock(tmp_path / "clock.json", default_start=DEMO_NOW)
    clock.set(DEMO_NOW)
    fake = FakeTikTokApi(DemoAccount(seed=seed, n_videos=n_videos), clock)
    token_file = tmp_path / "secrets" / "tokens.json"
    FileTokenStore(token_file).save(TokenSet.from_response(fake.grant_user_tokens(), clock.now()))
    with serve_in_thread(fake) as server:
        yield LiveFake(fake=fake, clock=clock, base_url=server.base_url, token_file=token_file)
