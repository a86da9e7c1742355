"""Stage timings: how long each stage of screening one file took, in seconds."""

from __future__ import annotations

import time


class timed:
    """Context manager that adds the seconds spent inside it to `timings[name]`."""

    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc_info) -> None:
        self.timings[self.name] = self.timings.get(self.name, 0.0) + time.perf_counter() - self.start
