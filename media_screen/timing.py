"""Stage timings: how long each stage of screening one file took, in seconds."""

from __future__ import annotations

import contextlib
import time
from typing import Iterator


@contextlib.contextmanager
def timed(timings: dict[str, float], name: str) -> Iterator[None]:
    """Add the seconds spent inside the `with` block to `timings[name]` (also when it raises)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
