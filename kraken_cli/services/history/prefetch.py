"""Run an iterator one step ahead in a thread, so reading/validating overlaps with writing.

SQLite releases the GIL while it writes, so an import that validates chunk N+1 in this thread
while the caller commits chunk N runs both at once. At most ``depth`` items wait in between
(memory stays bounded); an exception in the iterator is raised in the caller, in order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield ``items`` produced by a background thread, ``depth`` ahead at most."""
    box: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(box, item, stop):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            _put(box, _Raised(exc), stop)
            return
        _put(box, _DONE, stop)

    worker = threading.Thread(target=produce, name="krx-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=5)


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _put(box: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            box.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False
