"""Field parsing shared by the TikTok clients: a bad field raises ValueError naming it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RejectedItem:
    """An item TikTok sent that we could not use, with the reason; shown in run metadata."""

    endpoint: str
    item_id: str
    reason: str


def parse_items(
    raw: Iterable[Any], parse: Callable[[Any], T], endpoint: str, rejected: list[RejectedItem]
) -> Iterator[T]:
    """Parse each item; a malformed one is recorded in `rejected` by id and reason, the rest go on."""
    for item in raw:
        try:
            yield parse(item)
        except ValueError as exc:
            item_id = str(item.get("id")) if isinstance(item, dict) else "?"
            rejected.append(RejectedItem(endpoint, item_id, str(exc)))


def int_field(obj: dict, name: str, *, required: bool) -> int | None:
    """A non-negative integer field (TikTok sends some as strings); None when absent and optional."""
    value = obj.get(name)
    if value is None:
        if required:
            raise ValueError(f"{name} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{name} is {type(value).__name__}, expected an integer")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not an integer") from None
    if number < 0:
        raise ValueError(f"{name}={number} is negative")
    return number
