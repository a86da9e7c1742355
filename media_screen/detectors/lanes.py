"""Run a frame's detectors one after another, or two at a time on threads when a scan has cores to spare.

A scan of one photo or one video (the PIO's photo, a covert officer's phone clip) has more cores than
files. Giving the spare cores to each network as intra-op threads helps little: most of a photo's
detectors are small networks or Python between network runs. Running two detectors at once, each on
one thread, keeps both cores busy: the face search on one lane, OCR, SIFT and the rest on the other
(README, "Two detectors at a time"). The networks release the GIL while they run; each detector's
backend is guarded by its own lock where it is not thread-safe, and a per-frame computation two
detectors share is computed once (frame_cache.py).

The same lanes load a worker's models two at a time, slowest first (detectors/__init__.py, `map`).
Findings come back in the detectors' order whatever order they finish in, so a report does not depend
on the number of lanes. A detector's stage time is its own wall time: with two lanes they overlap.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence, TypeVar

from media_screen.detectors.base import Detector
from media_screen.model import Detection
from media_screen.timing import timed

T = TypeVar("T")
R = TypeVar("R")

MAX_LANES = 2  # a photo's work splits into two halves of about equal time: the face search, and the rest


def split_cores(share: int) -> tuple[int, int]:
    """(lanes, intra-op threads per network) for a worker with `share` cores: up to MAX_LANES detectors at
    once, each network on the share's remaining cores."""
    share = max(1, int(share))
    lanes = min(MAX_LANES, share)
    return lanes, max(1, share // lanes)


class DetectorLanes:
    """Runs detectors on `lanes` threads (1: in the calling thread, one after another)."""

    def __init__(self, lanes: int = 1) -> None:
        self.lanes = max(1, int(lanes))
        self._pool: ThreadPoolExecutor | None = None

    def run(
        self,
        detectors: Sequence[Detector],
        call: Callable[[Detector], Sequence[Detection]],
        check: Callable[[str], None],
        timings: dict[str, float],
    ) -> list[Detection]:
        """`call(detector)` for every detector, each after `check(detector.name)` (the file's deadline);
        the detections in the detectors' order. The first detector's error (in that order) is raised
        once every detector started has finished."""

        def one(detector: Detector) -> Sequence[Detection]:
            check(detector.name)
            with timed(timings, detector.name):
                return call(detector)

        return [found for findings in self.map(one, detectors, start_order(detectors)) for found in findings]

    def map(self, call: Callable[[T], R], items: Sequence[T], start: Sequence[T] | None = None) -> list[R]:
        """`call(item)` for every item, `lanes` at a time, started in the order of `start` (default: the
        items'); the results in the items' order. The first item's error (in the items' order) is raised
        once every call started has finished."""
        if self.lanes == 1 or len(items) < 2:
            return [call(item) for item in items]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.lanes, thread_name_prefix="media-screen-detector")
        started = {id(item): self._pool.submit(call, item) for item in (items if start is None else start)}
        futures = [started[id(item)] for item in items]  # read back in the items' order
        errors = [future.exception() for future in futures]  # waits for all: nothing runs on after an error
        for error in errors:
            if error is not None:
                raise error
        return [future.result() for future in futures]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def start_order(detectors: Sequence[Detector]) -> list[Detector]:
    """The registry's order, except that a detector which reuses another's per-frame work (its `reuses`
    names, e.g. police_vehicle reads text's OCR lines) starts after every detector that does not: started
    early, it would hold a lane while it waits for that work (frame_cache.py)."""
    names = {detector.name for detector in detectors}
    waits = [bool(names.intersection(getattr(detector, "reuses", ()))) for detector in detectors]
    return [d for d, w in zip(detectors, waits) if not w] + [d for d, w in zip(detectors, waits) if w]
