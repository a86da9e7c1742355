"""Remember an expensive per-frame result (OCR lines, local features) for the last few frames.

Two detectors that look at the same frame (text and police_vehicle both read text;
insignia and police_vehicle both match enrolled marks) share one computation: the
second asks for the same frame content and gets the first one's result. When detectors
run at the same time (detectors/lanes.py), the second waits for the computation already
under way instead of starting its own.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from concurrent.futures import Future
from typing import Any, Callable, Hashable, TypeVar

import numpy as np

T = TypeVar("T")


class FrameCache:
    """A small LRU keyed by (who computes, pixel content)."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Hashable, ...], Future[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, owner: Hashable, pixels: np.ndarray, compute: Callable[[], T]) -> T:
        key = (owner, pixels.shape, digest(pixels))
        with self._lock:
            entry = self._entries.get(key)
            mine = entry is None
            if mine:
                entry = self._entries[key] = Future()
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        if mine:
            try:
                entry.set_result(compute())
            except BaseException as exc:  # a failure is not remembered: the next asker computes again
                with self._lock:
                    if self._entries.get(key) is entry:
                        del self._entries[key]
                entry.set_exception(exc)
        return entry.result()


def digest(pixels: np.ndarray) -> str:
    """A content hash of the pixels (about 30 ms for a 12 MP frame)."""
    return hashlib.blake2b(np.ascontiguousarray(pixels).data, digest_size=16).hexdigest()
