"""Field parsing shared by the TikTok clients: a bad field raises ValueError naming it."""

from __future__ import annotations


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
