"""The analytics warehouse: SQLAlchemy tables, engine creation and idempotent writes."""

from tiktok_pipelines.lib.warehouse.engine import Warehouse, make_engine
from tiktok_pipelines.lib.warehouse.schema import metadata

__all__ = ["Warehouse", "make_engine", "metadata"]
