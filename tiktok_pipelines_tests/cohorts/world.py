"""A cohort test world: the fake TikTok (Display + Research, optionally public pages) over real
sockets on a simulated clock, the project's definitions pointed at it, and a simulated daemon."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg

from tiktok_pipelines.defs.account.resources import TikTokDisplayResource
from tiktok_pipelines.defs.cohorts.resources import TikTokPagesResource, TikTokResearchResource
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.demo.daemon import SimulatedDaemon, with_resources
from tiktok_pipelines.demo.fake_api import FakeTikTokApi
from tiktok_pipelines.demo.page_site import FakeTikTokPages
from tiktok_pipelines.demo.public_feed import PublicFeed
from tiktok_pipelines.demo.research_api import FakeResearchApi
from tiktok_pipelines.demo.server import serve_in_thread
from tiktok_pipelines.demo.world import DEMO_NOW, DemoAccount
from tiktok_pipelines.lib.clock import FileClock
from tiktok_pipelines.lib.tiktok.tokens import FileTokenStore, TokenSet
from tiktok_pipelines.lib.warehouse import Warehouse

START = DEMO_NOW - timedelta(hours=48)  # a "0 12 * * *" tick: the default program's cadence


@dataclass
class CohortWorld:
    clock: FileClock
    fake: FakeTikTokApi
    research: FakeResearchApi
    pages: FakeTikTokPages
    daemon: SimulatedDaemon
    defs: dg.Definitions
    instance: dg.DagsterInstance
    warehouse: Warehouse
    data_dir: Path

    def at(self, when: datetime) -> datetime:
        return self.clock.set(when)

    def start_public(self, when: datetime = START) -> str:
        self.at(when)
        runs = self.daemon.tick_schedule("cohort_start_public", when)
        assert [r.success for r in runs] == [True], runs
        return runs[0].partition_key  # type: ignore[return-value]

    def tick(self, when: datetime) -> list:
        self.at(when)
        return self.daemon.tick_sensor("cohort_timepoint_sensor")


@contextmanager
def cohort_world(
    tmp_path: Path, warehouse_url: str, *, feed_videos: int = 300, page_json: bool = False, daily_quota: int = 1000,
) -> Iterator[CohortWorld]:
    from tiktok_pipelines.definitions import defs

    clock = FileClock(tmp_path / "clock.json", default_start=START)
    clock.set(START)
    fake = FakeTikTokApi(DemoAccount(seed=7, n_videos=36), clock)
    feed = PublicFeed(seed=21, n_videos=feed_videos)
    research = FakeResearchApi.mount_on(fake, feed, daily_quota=daily_quota)
    pages = FakeTikTokPages(feed, clock)
    token_file = tmp_path / "secrets" / "tokens.json"
    FileTokenStore(token_file).save(TokenSet.from_response(fake.grant_user_tokens(), clock.now()))
    with ExitStack() as stack:
        api = stack.enter_context(serve_in_thread(fake))
        site = stack.enter_context(serve_in_thread(pages))
        instance = stack.enter_context(dg.instance_for_test())
        resources = {
            "warehouse": WarehouseResource(url=warehouse_url),
            "clock": ClockResource(simulated=True, state_file=str(clock.path)),
            "tiktok_display": TikTokDisplayResource(
                demo=False, base_url=api.base_url, client_key=fake.client_key, client_secret=fake.client_secret,
                token_file=str(token_file), retry_base_delay_s=0.01,
            ),
            "tiktok_research": TikTokResearchResource(
                demo=False, base_url=api.base_url, client_key=fake.client_key, client_secret=fake.client_secret,
                daily_quota=daily_quota, retry_base_delay_s=0.01,
            ),
            "tiktok_pages": TikTokPagesResource(enabled=page_json, demo=False, base_url=site.base_url, min_interval_s=0.0),
        }
        d = with_resources(defs(), resources)
        yield CohortWorld(
            clock=clock, fake=fake, research=research, pages=pages, daemon=SimulatedDaemon(d, instance), defs=d,
            instance=instance, warehouse=Warehouse(warehouse_url), data_dir=tmp_path / "data",
        )
