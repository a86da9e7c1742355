"""Remember an expensive per-frame result (OCR lines, local features) for the last few frames.

Two detectors that look at the same frame (text and police_vehicle both read text;
insignia and police_vehicle both match enrolled marks) share one computation: the
second asks for the same frame content and gets the first one's result. When detectors
run at the same time (detectors/lanes.py), the second waits for the computation already
under way instead of starting its own.

Results are keyed by the pixels' content, never by the array's identity, so a buffer
reused or changed in place (redaction masks frames) is never taken for the frame it
held before. Hashing a 2048 px frame takes about 15-20 ms, and a photo's detectors ask
five times; a frame whose array is read-only and owns its memory (what the scan's
decoders hand out: `frozen`) cannot change, so its hash is computed once and remembered
for as long as the array lives.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
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
    """A content hash of the pixels (about 30 ms for a 12 MP frame); once per frozen array."""
    if pixels.flags.writeable or not pixels.flags.owndata:
        return _content_hash(pixels)
    key = id(pixels)
    with _known_lock:
        _forget_gone()
        known = _known.get(key)
    if known is not None and known[0]() is pixels:  # the same array, not a new one at a freed address
        return known[1]
    value = _content_hash(pixels)
    with _known_lock:
        _known[key] = (weakref.ref(pixels, lambda ref, key=key: _gone.append((key, ref))), value)
    return value


def frozen(pixels: np.ndarray) -> np.ndarray:
    """The pixels as an array that owns its memory and cannot be written (a copy only if needed), so
    that its content hash is computed once for every detector that asks (`digest`)."""
    if not pixels.flags.owndata:
        pixels = pixels.copy()
    pixels.flags.writeable = False
    return pixels


_known: dict[int, tuple[weakref.ref, str]] = {}  # id of a frozen array -> (the array, weakly; its hash)
_known_lock = threading.Lock()
# arrays that died, queued by their weakref's callback: it can run inside any allocation, even one made
# while `_known` is being changed or its lock is held, so it only appends and `digest` removes them
_gone: list[tuple[int, weakref.ref]] = []


def _forget_gone() -> None:
    while _gone:
        key, ref = _gone.pop()
        if key in _known and _known[key][0] is ref:
            del _known[key]


def _content_hash(pixels: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(pixels).data, digest_size=16).hexdigest()
