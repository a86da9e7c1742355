"""Encode and mux the redacted copy on a thread of its own, in order, overlapping with decoding and masking.

Pass 2 of a video redaction decodes a frame, masks it and encodes it. FFmpeg releases the GIL while
it encodes, so handing the encoding to one worker thread lets the next frame be decoded and masked
meanwhile (on the 2-core machine pass 2 went from about 1.2 cores busy to both). Jobs run one at a
time in the order they were submitted, so frames and audio packets reach the muxer as they would
without the thread. At most BACKLOG jobs wait, which bounds the frames held in memory; a job's
error is raised to the submitter at its next `submit` or at `close`.
"""

from __future__ import annotations

import collections
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

BACKLOG = 8


class Writer:
    """One worker thread running submitted jobs in order."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(1, thread_name_prefix="media-screen-writer")
        self._pending: collections.deque[Future] = collections.deque()

    def submit(self, job: Callable[..., Any], *args: Any) -> None:
        if self._pool is None:
            raise RuntimeError("the writer is closed")
        self._pending.append(self._pool.submit(job, *args))
        while len(self._pending) > BACKLOG or (self._pending and self._pending[0].done()):
            self._pending.popleft().result()  # raises the job's error here

    def close(self) -> None:
        """Wait for every job; raise the first error."""
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Stop without waiting for the jobs not started (after an error elsewhere); safe to call twice."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._pending.clear()
