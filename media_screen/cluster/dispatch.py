"""The Ray pool behind `BatchScan`: Ray actors that screen one file at a time, with the local pool's interface.

`BatchScan._parallel` drives it exactly as it drives its worker processes (keep_running, idle_worker,
assign, wait, shutdown) and gets the same events back: ("done", index, from_cache, report_json),
("timeout", index) and ("crashed", index, why). Faults:

- an actor that dies under a file (killed, out of memory, its node lost) is restarted by Ray
  (`max_restarts=-1`) and reloads its models; the file is screened once more, by whichever actor is
  ready first, and if that attempt dies too the file is reported "crashed" (ERROR);
- a file past the hard time bound has its actor killed and restarted (`ray.kill(no_restart=False)`):
  Ray refuses `ray.cancel(force=True)` for an actor's task, and a cooperative cancel cannot stop
  native code, so killing the process is the only bound that holds, as for a local worker;
- a setup failure, or an actor that dies while loading its models, stops the batch (MediaScreenError).

With `ship_bytes` the driver reads each file and sends its content; contents sent and not answered
stay under `max_in_flight_bytes` plus the one file that crosses it, and a larger file is ERROR.
"""

from __future__ import annotations

import dataclasses
import math
import os
import stat
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media_screen.cluster.actor import ScreenWorker
from media_screen.cluster.session import RaySession, cpus_per_worker, ray_module
from media_screen.report.codec import report_to_json
from media_screen.config import ClusterOptions
from media_screen.detectors.lanes import split_cores
from media_screen.errors import MediaScreenError
from media_screen.model import FileReport, Verdict
from media_screen.offline import ray_switches
from media_screen.batch.worker import WorkerSetup, available_cores, hard_time_limit, thread_environment, until_next_deadline

READY_TIMEOUT_S = 300.0  # no actor ready (none could be placed, or all keep dying) for this long: stop
READY_RETRIES = 3  # ready() calls that may fail for another reason than a restart before the actor counts as dead
RESTART_POLL_S = 0.5  # a restarting actor (Ray: "temporarily unavailable") is asked again after this pause


@dataclass(eq=False)
class _Actor:
    handle: Any
    ready_ref: Any = None  # a pending ready() call; None once ready
    ready: bool = False
    failed_ready: int = 0
    loaded_once: bool = False  # its models loaded at least once (a later ready() failure is a restart)
    node: str = ""
    index: int | None = None  # the file it is screening
    ref: Any = None
    started: float = 0.0
    shipped: int = 0  # bytes of the file in flight


class RayPool:
    """Up to `size` Ray actors, started on demand; the cluster is reached at the first file that needs one."""

    def __init__(self, setup: WorkerSetup, cluster: ClusterOptions, jobs: int | None = None) -> None:
        self.cluster, self.jobs = cluster, jobs
        self.cpus = cpus_per_worker(cluster, setup.profile)
        lanes, threads = split_cores(math.floor(self.cpus))  # an actor's CPUs, as a local worker's share
        self.setup = dataclasses.replace(setup, threads=threads, lanes=lanes)
        self.size = 0  # known once connected
        self.actors: list[_Actor] = []
        self.session: RaySession | None = None
        self.attempts: dict[int, int] = {}  # file -> attempts that ended with the actor's death
        self.paths: dict[int, Path] = {}
        self.retry: deque[int] = deque()  # files to screen again after their actor died
        self.events: list[tuple] = []  # decided outside wait() (a file too large to ship), returned by it
        self.in_flight_bytes = 0
        self.nodes: dict[int, str] = {}  # file -> node that screened it (for the multi-node check)
        self._no_ready_since: float | None = None
        self._ray = None
        self._remote_class = None

    # -- the local pool's interface -------------------------------------------------------------
    def busy(self) -> int:
        return sum(1 for a in self.actors if a.index is not None) + len(self.retry)

    def keep_running(self, wanted: int) -> None:
        if wanted <= 0:
            return
        if self.session is None:
            self._connect()
        while len(self.actors) < min(self.size, wanted):
            self._start()

    def idle_worker(self) -> _Actor | None:
        self._dispatch_retries()
        if self.retry:
            return None  # files to screen again go first
        if self.cluster.ship_bytes and self.in_flight_bytes >= self.cluster.max_in_flight_bytes:
            return None
        return next((a for a in self.actors if a.ready and a.index is None), None)

    def assign(self, actor: _Actor, index: int, path: Path) -> None:
        self.paths[index] = path
        self._submit(actor, index)

    def wait(self, time_limit: float) -> list[tuple]:
        """Block until an actor answers, dies or runs out of time; return what happened to which file."""
        ray = self._ray
        events, self.events = self.events, []
        if events or ray is None:
            return events
        limit = hard_time_limit(time_limit)
        timeout = until_next_deadline((a.started for a in self.actors if a.index is not None), limit)
        owners = {}
        for actor in self.actors:
            if actor.ref is not None:
                owners[actor.ref] = actor
            if actor.ready_ref is not None:
                owners[actor.ready_ref] = actor
        if owners:
            refs = list(owners)
            ready, rest = ray.wait(refs, num_returns=1, timeout=timeout)
            if ready and rest:  # whatever else has finished meanwhile
                more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
                ready += more
            for ref in ready:
                actor = owners[ref]
                if ref is actor.ready_ref:
                    self._became_ready(actor)
                elif ref is actor.ref:
                    events += self._answered(actor)
        else:
            time.sleep(timeout)
        now = time.monotonic()
        for actor in self.actors:
            if actor.index is not None and now - actor.started > limit:
                events.append(("timeout", actor.index))
                self._release(actor)
                ray.kill(actor.handle, no_restart=False)  # Ray starts it again; its models load anew
                self._await_ready(actor)
        self._check_progress(now)
        self._dispatch_retries()
        return events

    def shutdown(self) -> None:
        ray, actors = self._ray, self.actors
        self.actors = []
        for actor in actors:
            try:
                ray.kill(actor.handle, no_restart=True)
            except Exception:  # noqa: BLE001 - already gone, or the cluster is
                pass
        if self.session is not None:
            self.session.close()

    # -- starting actors -------------------------------------------------------------------------
    def _connect(self) -> None:
        self.session = RaySession.open(self.cluster, available_cores())
        self._ray = ray = ray_module()
        cpus = ray.cluster_resources().get("CPU", 0)
        fits = int(cpus // self.cpus)
        if fits < 1 and not self.jobs:
            raise MediaScreenError(
                f"the Ray cluster has {cpus:g} CPU(s), fewer than one worker's {self.cpus:g} (--cpus-per-worker)"
            )
        self.size = max(1, self.jobs) if self.jobs else fits
        self._remote_class = ray.remote(ScreenWorker)
        self._no_ready_since = time.monotonic()

    def _start(self) -> None:
        handle = self._remote_class.options(
            num_cpus=self.cpus,
            max_restarts=-1,  # Ray restarts a dead actor; the pool decides what happens to its file
            max_task_retries=0,
            scheduling_strategy="SPREAD",  # one set of models per node before a second on any
            runtime_env={"env_vars": {**ray_switches(), **thread_environment(self.setup.threads)}},
        ).remote(self.setup)
        actor = _Actor(handle)
        self._await_ready(actor)
        self.actors.append(actor)

    def _await_ready(self, actor: _Actor) -> None:
        actor.ready = False
        actor.ready_ref = actor.handle.ready.remote()

    def _became_ready(self, actor: _Actor) -> None:
        ray = self._ray
        try:
            error, node = ray.get(actor.ready_ref)
        except ray.exceptions.RayError as exc:
            if actor.loaded_once and isinstance(exc, ray.exceptions.ActorUnavailableError):
                # Ray is starting it again (after a crash or a kill); on a loaded machine that takes longer than a
                # few quick questions, so it is asked again after a pause, bounded in time by _check_progress
                time.sleep(RESTART_POLL_S)
                self._await_ready(actor)
                return
            actor.failed_ready += 1
            if not actor.loaded_once or actor.failed_ready >= READY_RETRIES:
                raise MediaScreenError(f"a Ray worker stopped while loading the models ({_why(exc)})") from None
            self._await_ready(actor)  # called while it was restarting: ask again
            return
        if error is not None:
            raise MediaScreenError(error)
        actor.ready_ref, actor.ready, actor.loaded_once, actor.failed_ready, actor.node = None, True, True, 0, node
        self._no_ready_since = None

    def _check_progress(self, now: float) -> None:
        """Stop rather than wait for ever when no actor can be placed or all keep dying."""
        if any(a.ready for a in self.actors) or not self.actors:
            self._no_ready_since = None
            return
        if self._no_ready_since is None:
            self._no_ready_since = now
        elif now - self._no_ready_since > READY_TIMEOUT_S:
            raise MediaScreenError(
                f"no Ray worker became ready within {READY_TIMEOUT_S:g} s (too few CPUs on any node for "
                f"{self.cpus:g} per worker, or the workers keep failing; see Ray's logs)"
            )

    # -- files -----------------------------------------------------------------------------------
    def _submit(self, actor: _Actor, index: int) -> None:
        path = self.paths[index]
        actor.index, actor.started = index, time.monotonic()
        if not self.cluster.ship_bytes:
            actor.ref = actor.handle.screen.remote(index, str(path))
            return
        content, problem = _read_bounded(path, self.cluster.max_in_flight_bytes)
        if problem is not None:
            actor.index = None
            self.events.append(("done", index, False, report_to_json(_error_report(path, problem))))
            return
        if content is None:  # unreadable here: the actor reports it from the path, as without --ship-bytes
            actor.ref = actor.handle.screen.remote(index, str(path))
            return
        actor.shipped = len(content)
        self.in_flight_bytes += actor.shipped
        actor.ref = actor.handle.screen_bytes.remote(index, str(path), content)

    def _answered(self, actor: _Actor) -> list[tuple]:
        ray, index, ref = self._ray, actor.index, actor.ref
        self._release(actor)
        try:
            message = ray.get(ref)
        except ray.exceptions.RayError as exc:  # the actor died (or our code raised in it): try once more
            self._await_ready(actor)
            self.attempts[index] = self.attempts.get(index, 0) + 1
            if self.attempts[index] == 1:
                self.retry.append(index)
                return []
            return [("crashed", index, f"its Ray worker died twice; last: {_why(exc)}")]
        self.nodes[index] = actor.node
        self.paths.pop(index, None)
        return [message]

    def _release(self, actor: _Actor) -> None:
        self.in_flight_bytes -= actor.shipped
        actor.index, actor.ref, actor.shipped = None, None, 0

    def _dispatch_retries(self) -> None:
        while self.retry:
            actor = next((a for a in self.actors if a.ready and a.index is None), None)
            if actor is None:
                return
            self._submit(actor, self.retry.popleft())


def _read_bounded(path: Path, limit: int) -> tuple[bytes | None, str | None]:
    """(content, None); (None, reason) when the file is larger than `limit`; (None, None) when unreadable."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # never open a FIFO or a device to ship it
            return None, None
        with open(path, "rb") as handle:
            content = handle.read(limit + 1)
    except OSError:
        return None, None
    if len(content) > limit:
        return None, f"larger than --ship-bytes allows in flight ({limit:,} bytes); scan it with the archive mounted"
    return content, None


def _error_report(path: Path, reason: str) -> FileReport:
    return FileReport(path=str(path), verdict=Verdict.ERROR, error=reason)


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
