"""One-shot start-up step (the `init` service in docker-compose.yml, a Helm hook on Kubernetes).

Idempotent, run before the code server, webserver and daemon start, and again after every upgrade:

1. migrates the Dagster instance's PostgreSQL storage (what `dagster instance migrate` does);
2. migrates the warehouse schema in place (`tiktok-pipelines db upgrade`);
3. sets the limit of every concurrency pool named in pools.yaml (beside this file).

    python init_instance.py [--pools pools.yaml] [--skip-warehouse]

Reads $DAGSTER_HOME/dagster.yaml (and the variables it names) and TIKTOK_WAREHOUSE_URL.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

DEFAULT_POOLS = Path(__file__).with_name("pools.yaml")


class PoolsFileError(ValueError):
    """pools.yaml is malformed; the message names the file and the pool."""


def load_pool_limits(path: Path) -> dict[str, int]:
    """{pool: limit} from a YAML mapping of pool names to non-negative integers."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise PoolsFileError(f"{path}: cannot read pool limits: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise PoolsFileError(f"{path}: expected a mapping of pool name to limit, got {type(data).__name__}")
    limits: dict[str, int] = {}
    for pool, limit in data.items():
        if not isinstance(pool, str) or not pool.strip():
            raise PoolsFileError(f"{path}: pool names must be non-empty strings, got {pool!r}")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise PoolsFileError(f"{path}: the limit of pool {pool!r} must be an integer >= 0, got {limit!r}")
        limits[pool] = limit
    return dict(sorted(limits.items()))


def apply_pool_limits(instance, limits: dict[str, int]) -> list[str]:  # noqa: ANN001 - DagsterInstance
    """Set each pool's limit; returns one line per pool saying what changed."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        raise RuntimeError("this Dagster instance's storage does not support pool limits (run the instance migration)")
    lines = []
    for pool, limit in limits.items():
        info = storage.get_concurrency_info(pool)
        before = info.slot_count if pool in storage.get_concurrency_keys() else None
        if before != limit:
            storage.set_concurrency_slots(pool, limit)
        lines.append(f"pool {pool}: {limit}" + ("" if before == limit else f" (was {before if before is not None else 'unset'})"))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pools", type=Path, default=DEFAULT_POOLS, help="YAML file of pool limits")
    parser.add_argument("--skip-warehouse", action="store_true", help="leave the warehouse schema alone")
    args = parser.parse_args(argv)

    from dagster import DagsterInstance

    limits = load_pool_limits(args.pools)
    with DagsterInstance.get() as instance:
        instance.upgrade(print)
        print("dagster instance storage migrated")
        for line in apply_pool_limits(instance, limits):
            print(line)
    if not args.skip_warehouse:
        from tiktok_pipelines.lib.settings import load_settings
        from tiktok_pipelines.lib.warehouse import Warehouse
        from tiktok_pipelines.lib.warehouse.migrate import current_revision

        wh = Warehouse(load_settings().warehouse_url)
        outcome = wh.ensure_schema()
        print(f"warehouse schema {outcome}, at revision {current_revision(wh.engine)}")
        # The BI views follow the schema: recreated here, once per start or upgrade, not by the hourly job.
        from tiktok_pipelines.lib.reporting.sql_views import apply_views

        with wh.begin() as conn:
            print(f"BI views recreated: {', '.join(apply_views(conn))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
