"""What runs inside one batch worker process: load the models once, then screen files sent over a pipe.

Protocol (tuples over a multiprocessing Connection):
  worker -> main  ("ready",) once the models are loaded, or ("init_error", message) and exit;
  main -> worker  (index, path) to screen one file, or None to stop;
  worker -> main  ("done", index, from_cache, report_json).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from media_screen import detectors as registry
from media_screen.store.cache import ResultCache
from media_screen.report.codec import report_to_json
from media_screen.config import Profile, ScanOptions
from media_screen.detectors.lanes import DetectorLanes
from media_screen.errors import MediaScreenError
from media_screen.pipeline import Screener
from media_screen.inputs.source import Source

THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "OPENCV_FOR_THREADS_NUM",
)


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def hard_time_limit(seconds: float) -> float:
    """When a stuck worker is killed: the cooperative deadline plus a short grace to report it itself."""
    return seconds + min(5.0, max(0.5, seconds * 0.1))


def until_next_deadline(started: Iterable[float], limit: float) -> float:
    """Seconds a pool may block before the first busy worker (started at each of `started`) passes `limit`;
    at most one second, so a pool polls at least that often."""
    now = time.monotonic()
    return max(0.0, min([*(start + limit for start in started), now + 1.0]) - now)


@dataclass(frozen=True)
class WorkerSetup:
    """Everything a worker needs, pickled once when it starts."""

    profile: Profile
    options: ScanOptions
    registry: Mapping[str, str]  # the parent's detector registry, so detectors added at run time exist here too
    cache_path: str | None
    analysis_key: str | None
    threads: int  # intra-op threads per worker, so N workers do not oversubscribe the cores
    lanes: int = 1  # detectors run at once on a frame (detectors/lanes.py): a worker's spare cores


def thread_environment(threads: int) -> dict[str, str]:
    """Variables that numeric libraries read at import time; set while a worker process is started."""
    return {name: str(threads) for name in THREAD_ENV}


def limit_threads(threads: int) -> None:
    """Cap intra-op threads of OpenCV, torch and onnxruntime in this process."""
    try:
        import cv2

        cv2.setNumThreads(threads)
    except ImportError:
        pass
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch.set_num_threads(threads)
    _cap_onnxruntime(threads)


def _cap_onnxruntime(threads: int) -> None:
    """Sessions created after this call default to `threads` intra-op threads (0 means all cores)."""
    try:
        import onnxruntime
    except ImportError:
        return
    base = onnxruntime.InferenceSession
    if getattr(base, "_media_screen_capped", False):
        return

    class CappedSession(base):  # type: ignore[misc, valid-type]
        _media_screen_capped = True

        def __init__(self, path_or_bytes, sess_options=None, *args, **kwargs):
            sess_options = sess_options or onnxruntime.SessionOptions()
            if sess_options.intra_op_num_threads == 0:
                sess_options.intra_op_num_threads = threads
            if sess_options.inter_op_num_threads == 0:
                sess_options.inter_op_num_threads = 1
            super().__init__(path_or_bytes, sess_options, *args, **kwargs)

    onnxruntime.InferenceSession = CappedSession


def scan_one(screener: Screener, cache: ResultCache | None, key: str | None, path: Path) -> tuple[bool, str]:
    """(from_cache, JSON of what was observed): the cached analysis of identical content, else a fresh scan
    of the same bytes (the file is read once: the hash that looks up the cache is the report's)."""
    started = time.perf_counter()
    try:
        source = Source.open(path)
    except (MediaScreenError, OSError):
        source = None  # not a regular file, or unreadable: scan_file reports why
    if source is None:
        report = screener.scan_file(path)
    else:
        with source:
            if cache is not None and key is not None:
                cached = cache.get(source.sha256, key)
                if cached is not None:
                    return True, cached
            report = screener.scan_source(source, {"read": time.perf_counter() - started}, started)
    # findings are left out: the parent applies the policy to every report, cached or not
    return False, report_to_json(dataclasses.replace(report, findings=()))


def open_worker(setup: WorkerSetup) -> tuple[Screener, ResultCache | None]:
    """A worker's screener with its models loaded, and the cache opened read-only (a local or a Ray worker)."""
    registry.REGISTRY.update(setup.registry)
    limit_threads(setup.threads)
    screener = Screener(setup.profile, setup.options, DetectorLanes(setup.lanes))
    screener.detectors()
    limit_threads(setup.threads)  # again: the models may have imported torch
    cache = ResultCache(Path(setup.cache_path), read_only=True) if setup.cache_path else None
    return screener, cache


def setup_error(exc: Exception) -> str:
    """What a worker that could not start reports to the parent, which stops the batch."""
    if isinstance(exc, MediaScreenError):
        return str(exc)
    return f"worker could not start: {type(exc).__name__}: {exc}"


def worker_main(conn, setup: WorkerSetup) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops us
    try:
        screener, cache = open_worker(setup)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the batch
        conn.send(("init_error", setup_error(exc)))
        return
    conn.send(("ready",))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent went away
            return
        if task is None:
            return
        index, path = task
        from_cache, report_json = scan_one(screener, cache, setup.analysis_key, Path(path))
        conn.send(("done", index, from_cache, report_json))
