"""Resources every domain shares: the warehouse and the clock."""

from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from tiktok_pipelines.lib.clock import Clock, FileClock, SystemClock
from tiktok_pipelines.lib.settings import load_settings
from tiktok_pipelines.lib.warehouse import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The analytics warehouse (SQLite file by default, PostgreSQL by URL)."""

    url: str

    _warehouse: Warehouse | None = PrivateAttr(default=None)

    def get(self) -> Warehouse:
        if self._warehouse is None:
            self._warehouse = Warehouse(self.url)
            self._warehouse.ensure_schema()
        return self._warehouse

    @property
    def backend(self) -> str:
        return self.url.split(":", 1)[0].split("+", 1)[0]


class ClockResource(dg.ConfigurableResource):
    """Real UTC time in production; a simulated clock (a small state file) for the demo world."""

    simulated: bool = False
    state_file: str = ""

    def get(self) -> Clock:
        if not self.simulated:
            return SystemClock()
        from tiktok_pipelines.demo.world import DEMO_NOW

        return FileClock(Path(self.state_file), default_start=DEMO_NOW)


@dg.definitions
def resources() -> dg.Definitions:
    settings = load_settings()
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(url=settings.warehouse_url),
            "clock": ClockResource(simulated=settings.is_demo, state_file=str(settings.demo_clock_file)),
        }
    )
