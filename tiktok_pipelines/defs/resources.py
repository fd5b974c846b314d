"""Resources every domain shares: the warehouse and the clock; how TikTok errors reach Dagster."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from tiktok_pipelines.lib.clock import Clock, FileClock, SystemClock
from tiktok_pipelines.lib.settings import load_settings
from tiktok_pipelines.lib.warehouse import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The analytics warehouse (SQLite file by default, PostgreSQL by URL)."""

    url: str
    # Off in production (TIKTOK_WAREHOUSE_AUTO_MIGRATE=0): a run must not alter tables under other runs
    # or need DDL rights; it checks the revision instead and the init step migrates.
    auto_migrate: bool = True

    _warehouse: Warehouse | None = PrivateAttr(default=None)

    def get(self) -> Warehouse:
        if self._warehouse is None:
            warehouse = Warehouse(self.url)
            if self.auto_migrate:
                warehouse.ensure_schema()
            else:
                warehouse.require_current_schema()
            self._warehouse = warehouse
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


@contextlib.contextmanager
def tiktok_api_errors(warehouse: WarehouseResource, http) -> Iterator[None]:  # noqa: ANN001 - TikTokHttp
    """Around one step's TikTok calls.

    Every failed attempt (with TikTok's log_id) goes to api_failures, also when the step fails: an
    operations log in its own transaction, while the data tables stay untouched. A TikTok error
    becomes a Dagster Failure that says what to do; only exhausted transient faults may be retried
    by Dagster (re-consent, quota and bad requests would fail the same way again)."""
    from tiktok_pipelines.lib.account.store import record_failures
    from tiktok_pipelines.lib.tiktok.errors import RetriesExhausted, TikTokError

    try:
        yield
    except TikTokError as exc:
        raise dg.Failure(
            description=str(exc),
            metadata={
                "error": dg.MetadataValue.text(type(exc).__name__),
                "code": dg.MetadataValue.text(exc.code or ""),
                "endpoint": dg.MetadataValue.text(exc.endpoint or ""),
                "log_id": dg.MetadataValue.text(exc.log_id or ""),
            },
            allow_retries=isinstance(exc, RetriesExhausted),
        ) from None
    finally:
        http.close()
        if http.failures:
            with warehouse.get().begin() as conn:
                record_failures(conn, http.failures)


def default_sensor_status() -> dg.DefaultSensorStatus:
    """Sensors run by themselves in production; in the demo world the demo runner ticks them on
    simulated time, so a `dg dev` on the demo data does not start launching runs on its own."""
    return dg.DefaultSensorStatus.STOPPED if load_settings().is_demo else dg.DefaultSensorStatus.RUNNING


@dg.definitions
def resources() -> dg.Definitions:
    settings = load_settings()
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(url=settings.warehouse_url, auto_migrate=settings.warehouse_auto_migrate),
            "clock": ClockResource(simulated=settings.is_demo, state_file=str(settings.demo_clock_file)),
        }
    )
