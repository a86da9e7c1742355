"""Batch scans: many files, in parallel worker processes, cached, with a hard time bound per file.

Results come back in input order. At most `window` files are in flight or waiting to be
handed out, so memory stays flat on folders of any size. Each worker loads its models once;
a worker that exceeds the per-file time bound is killed and replaced, and its file becomes
ERROR. Untouched files are answered from the result cache in this process without
starting any worker, and so are files whose first bytes are no format we analyse: workers
start, and load their models, only for files that need pixel analysis. `jobs=0` screens in
this process (no hard time bound; for debugging). With `options.engine == Engine.RAY` the same loop
hands its files to Ray actors instead (media_screen.cluster.RayPool, the same interface and events).
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from stat import S_ISREG
from typing import Iterable, Iterator

from media_screen import detectors as registry
from media_screen.store.approvals import Approval, ApprovalRegister, honour_approvals
from media_screen.store.audit import AuditLog
from media_screen.store.cache import FileStat, ResultCache, analysis_key, detector_versions
from media_screen.report.codec import report_from_json
from media_screen.config import Engine, Profile, ScanOptions
from media_screen.detectors.lanes import split_cores
from media_screen.errors import MediaScreenError
from media_screen.model import FileReport, Verdict
from media_screen.inputs.walk import collect_inputs
from media_screen.inputs.source import probe_file
from media_screen.pipeline import Screener, reevaluate
from media_screen.batch.worker import (  # available_cores, hard_time_limit: shared with the Ray pool
    WorkerSetup, available_cores, hard_time_limit, scan_one, thread_environment, until_next_deadline, worker_main,
)


@dataclass(frozen=True)
class BatchResult:
    index: int  # position in the input order
    report: FileReport
    cached: bool  # the analysis was re-used from the cache
    approval: Approval | None = None  # the B.2 approval applied to this report


class BatchScan:
    """Iterate over it for one BatchResult per file, in input order; close() (or `with`) stops the workers."""

    def __init__(
        self,
        paths: Iterable[Path],
        profile: Profile,
        options: ScanOptions,
        *,
        jobs: int | None = None,
        cache: ResultCache | None = None,
        approvals: ApprovalRegister | None = None,
        audit: AuditLog | None = None,
        window: int | None = None,
    ) -> None:
        inputs = collect_inputs(paths, options.include_hidden)
        self.paths = inputs.files
        self.skipped = inputs.skipped  # found in folders, not photos or videos: listed, never screened
        self.profile, self.options = profile, options
        self.requested_jobs = jobs  # None: as many workers as the cores (or the Ray cluster's CPUs) allow
        self.jobs = available_cores() if jobs is None else max(0, jobs)
        self.cache, self.approvals, self.audit = cache, approvals, audit
        self.window = window or max(16, 4 * max(1, self.jobs))
        self._window_given = window is not None
        self.key = analysis_key(profile, options) if cache else None
        self.versions = detector_versions(profile, options)
        self.time_limit = options.file_timeout_s or profile.file_timeout_s
        self._iterator: Iterator[BatchResult] | None = None
        self.analysed = 0  # files screened by a detector run (not from the cache)
        self._probe_screener: Screener | None = None  # screens files that fail at the first bytes, in this process

    def __iter__(self) -> Iterator[BatchResult]:
        self._iterator = self._serial() if self.jobs == 0 else self._parallel()
        return self._iterator

    def close(self) -> None:
        if self._iterator is not None:
            self._iterator.close()  # runs the generator's `finally`: workers stopped, cache committed
        if self.cache is not None:
            self.cache.commit()

    def __enter__(self) -> "BatchScan":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- shared steps ---------------------------------------------------------------------------
    def _from_cache(self, index: int) -> tuple[BatchResult | None, FileStat | None]:
        path = self.paths[index]
        try:
            stat = FileStat.of(path)
        except OSError:
            return None, None  # the screener reports the missing file
        if self.cache is None:
            return None, stat
        hit = self.cache.lookup(path, stat, self.key)
        if hit is None:
            return None, stat
        return self._result(index, None, True, hit[1]), stat  # None: the cache knows this file already

    def _fails_at_probe(self, index: int, stat: FileStat | None) -> BatchResult | None:
        """A file whose first bytes are no format we analyse (or none at all) needs no model and no worker:
        its ERROR report is made here, and cached, since the same bytes fail the same way. None otherwise."""
        path = self.paths[index]
        try:
            if stat is None or not S_ISREG(os.stat(path).st_mode):  # never open a FIFO or a device here
                return None
            probe_file(path)
            return None  # a format we analyse: a worker screens it
        except MediaScreenError:
            pass
        except OSError:
            return None  # the worker reports it
        if self._probe_screener is None:
            self._probe_screener = Screener(self.profile, dataclasses.replace(self.options, detectors=("metadata",)))
        from_cache, report_json = scan_one(self._probe_screener, self.cache, self.key, path)
        return self._result(index, stat, from_cache, report_json)

    def _result(self, index: int, stat: FileStat | None, from_cache: bool, report_json: str) -> BatchResult:
        """The report for a file, with this run's path and policy; remembered in the cache when `stat` is given."""
        path = self.paths[index]
        report = reevaluate(report_from_json(report_json), self.profile, self.options, str(path))
        self.analysed += not from_cache
        if self.cache is not None and stat is not None and report.sha256:
            repeats = report.error is None or report.error_will_repeat  # time-outs, I/O errors: try again next time
            fresh = report_json if repeats and not from_cache else None
            self.cache.remember(path, stat, report.sha256, self.key, fresh)
        return BatchResult(index, report, from_cache)

    def _finish(self, result: BatchResult) -> BatchResult:
        approval = None
        if self.approvals is not None:  # only approvals signed by a key the profile trusts count
            checked = self.approvals.lookup(result.report.sha256, self.profile.approvers)
            report, approval = honour_approvals(result.report, checked, self.approvals.damage is not None)
            result = dataclasses.replace(result, report=report, approval=approval)
        if self.audit is not None:
            self.audit.scan(
                result.report, self.options.audience, self.profile.digest, self.versions, result.cached, approval
            )
        return result

    def _error_report(self, index: int, reason: str) -> BatchResult:
        return BatchResult(index, FileReport(path=str(self.paths[index]), verdict=Verdict.ERROR, error=reason), False)

    # -- in this process ------------------------------------------------------------------------
    def _serial(self) -> Iterator[BatchResult]:
        screener = Screener(self.profile, self.options)
        for index, path in enumerate(self.paths):
            result, stat = self._from_cache(index)
            if result is None:
                result = self._fails_at_probe(index, stat)
            if result is None:
                screener.detectors()  # loaded at the first file not in the cache; a missing model stops the run
                from_cache, report_json = scan_one(screener, self.cache, self.key, path)
                result = self._result(index, stat, from_cache, report_json)
            yield self._finish(result)

    # -- in worker processes --------------------------------------------------------------------
    def _parallel(self) -> Iterator[BatchResult]:
        total = len(self.paths)
        done: dict[int, BatchResult] = {}
        queue: deque[int] = deque()
        stats: dict[int, FileStat | None] = {}
        next_dispatch = next_out = 0
        pool = self._pool()
        try:
            while next_out < total:
                if not self._window_given:  # a Ray cluster's size is known once connected
                    self.window = max(self.window, 4 * pool.size)
                while next_dispatch < total and next_dispatch - next_out < self.window:
                    result, stats[next_dispatch] = self._from_cache(next_dispatch)
                    if result is None:
                        result = self._fails_at_probe(next_dispatch, stats[next_dispatch])
                    if result is None:
                        queue.append(next_dispatch)
                    else:
                        done[next_dispatch] = result
                    next_dispatch += 1
                if next_out in done:  # one at a time, refilling the window in between
                    stats.pop(next_out, None)
                    yield self._finish(done.pop(next_out))
                    next_out += 1
                    continue
                # the next file to report is queued or in a worker: hand out work, then wait for news
                pool.keep_running(len(queue) + pool.busy())
                while queue and (worker := pool.idle_worker()) is not None:
                    index = queue.popleft()
                    pool.assign(worker, index, self.paths[index])
                for event in pool.wait(self.time_limit):
                    kind, index = event[0], event[1]
                    if kind == "done":
                        done[index] = self._result(index, stats.get(index), event[2], event[3])
                    elif kind == "timeout":
                        limit = hard_time_limit(self.time_limit)
                        done[index] = self._error_report(
                            index, f"analysis exceeded {self.time_limit:g} s; the worker was stopped after {limit:g} s"
                        )
                    else:  # the worker died under this file
                        done[index] = self._error_report(index, f"analysis crashed the worker process ({event[2]})")
        finally:
            pool.shutdown()

    def _pool(self):
        """Worker processes here, or Ray actors (same interface, same worker setup, same events)."""
        if self.options.engine == Engine.RAY:
            from media_screen.cluster import RayPool

            return RayPool(self._setup(), self.options.cluster, self.requested_jobs)
        return _WorkerPool(self._setup(), self.jobs)

    def _setup(self) -> WorkerSetup:
        # a worker's share of the cores, as detectors run at once and intra-op threads (detectors/lanes.py)
        lanes, threads = split_cores(available_cores() // self._workers_wanted())
        return WorkerSetup(
            profile=self.profile,
            options=self.options,
            registry=dict(registry.REGISTRY),
            cache_path=str(self.cache.path) if self.cache else None,
            analysis_key=self.key,
            threads=threads,
            lanes=lanes,
        )

    def _workers_wanted(self) -> int:
        """Workers this scan can keep busy: fewer files than jobs (one phone video, one photo for the PIO)
        leave cores free for the workers there are."""
        return max(1, min(self.jobs, len(self.paths)))


@contextlib.contextmanager
def _child_environment(variables: dict[str, str]) -> Iterator[None]:
    """Start a child with thread limits in its environment and Ctrl-C ignored from its first instruction.

    Ctrl-C reaches every process in the terminal's group; the parent alone handles it and stops
    the workers. An ignored signal stays ignored across exec, and Python then installs no handler.
    """
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: object
    ready: bool = False
    index: int | None = None
    started: float = 0.0


class _WorkerPool:
    """Up to `size` worker processes, started on demand; a stuck one is killed and replaced."""

    def __init__(self, setup: WorkerSetup, size: int) -> None:
        self.setup, self.size = setup, size
        self.context = multiprocessing.get_context("spawn")  # no forked copies of model threads or locks
        self.workers: list[_Worker] = []

    def busy(self) -> int:
        return sum(1 for w in self.workers if w.index is not None)

    def keep_running(self, wanted: int) -> None:
        while len(self.workers) < min(self.size, wanted):
            self._start()

    def _start(self) -> None:
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(
            target=worker_main, args=(child_end, self.setup), name="media-screen-worker", daemon=True
        )
        with _child_environment(thread_environment(self.setup.threads)):
            process.start()
        child_end.close()
        self.workers.append(_Worker(process, parent_end))

    def idle_worker(self) -> _Worker | None:
        return next((w for w in self.workers if w.ready and w.index is None), None)

    def assign(self, worker: _Worker, index: int, path: Path) -> None:
        worker.index, worker.started = index, time.monotonic()
        worker.conn.send((index, str(path)))

    def wait(self, time_limit: float) -> list[tuple]:
        """Block until a worker reports, dies or runs out of time; return what happened to which file."""
        limit = hard_time_limit(time_limit)
        timeout = until_next_deadline((w.started for w in self.workers if w.index is not None), limit)
        handles = {}
        for worker in self.workers:
            handles[worker.conn] = worker
            handles[worker.process.sentinel] = worker
        events = []
        for handle in wait(list(handles), timeout):
            worker = handles[handle]
            if worker not in self.workers:
                continue
            if handle is worker.conn:
                events += self._receive(worker)
            elif not worker.conn.poll():  # exited with nothing left to read
                events += self._lost(worker)
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.index is not None and now - worker.started > limit:
                events.append(("timeout", worker.index))
                worker.index = None
                self._remove(worker)
        return events

    def _receive(self, worker: _Worker) -> list[tuple]:
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            return self._lost(worker)
        if message[0] == "ready":
            worker.ready = True
            return []
        if message[0] == "init_error":
            raise MediaScreenError(message[1])
        worker.index = None
        return [message]

    def _lost(self, worker: _Worker) -> list[tuple]:
        worker.process.join(2.0)  # the pipe can close a moment before the exit status is known
        why = f"exit code {worker.process.exitcode}"
        if not worker.ready:
            raise MediaScreenError(f"a worker process stopped while loading the models ({why})")
        index, worker.index = worker.index, None
        self._remove(worker)
        return [("crashed", index, why)] if index is not None else []

    def _remove(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self.workers.remove(worker)

    def shutdown(self) -> None:
        for worker in self.workers:
            try:
                if worker.index is None:
                    worker.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 2.0
        for worker in self.workers:
            if worker.index is not None:
                worker.process.kill()  # interrupted in the middle of a file
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(5)
            worker.conn.close()
        self.workers = []


__all__ = ["BatchScan", "BatchResult", "available_cores", "hard_time_limit", "reevaluate"]
