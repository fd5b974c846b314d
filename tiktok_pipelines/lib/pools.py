"""Thread helpers for the extractors: running one call per item on a few threads, and objects that are
costly to make and may be used by one thread at a time (a tesseract handle with its model loaded, an
OpenCV cascade classifier), kept for the life of the process.

A thread-local would be simpler than the pool, but the worker threads of an extractor live for one video
while the process lives for many; a pool lets the next video's threads take over what the last one built.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_in_threads(call: Callable[[T], R], items: Iterable[T], *, workers: int, name: str) -> list[R]:
    """`call` of each item, at most `workers` at a time, results in the order of `items`; one worker, or
    one item, runs in the calling thread. The first exception raised is raised here."""
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as pool:
        return list(pool.map(call, items))


class ObjectPool(Generic[T]):
    def __init__(self, make: Callable[[], T], reset: Callable[[T], None] | None = None) -> None:
        self._make = make
        self._reset = reset
        self._idle: queue.SimpleQueue[T] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._made = 0

    @contextmanager
    def take(self) -> Iterator[T]:
        """An idle object, or a new one when all are in use; it returns to the pool afterwards."""
        try:
            item = self._idle.get_nowait()
        except queue.Empty:
            item = self._make()
            with self._lock:
                self._made += 1
        try:
            yield item
        finally:
            if self._reset is not None:
                self._reset(item)
            self._idle.put(item)

    @property
    def made(self) -> int:
        """Objects made so far: with two workers, two for the life of the process."""
        return self._made
