"""The same batch scan on Ray actors: same reports and audit lines as the local pool, faults, --ship-bytes.

All tests share one local Ray instance (conftest.py); inputs are small.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PIL import Image

from media_screen import detectors as registry
from media_screen.batch.scan import BatchScan
from media_screen.cluster import cpus_per_worker
from media_screen.cluster.dispatch import _read_bounded
from media_screen.config import ClusterOptions, Engine, ScanOptions
from media_screen.errors import MediaScreenError
from media_screen.model import Verdict
from media_screen.report.text import render_json
from media_screen.store.audit import AuditLog, read_log

SAMPLES = Path(__file__).resolve().parents[2] / "sample_media"
FAKES = {
    "slow": "fake_detectors:SlowDetector",
    "badge_stub": "fake_detectors:BadgeDetector",
    "crash": "fake_detectors:CrashDetector",
    "broken": "fake_detectors:BrokenDetector",
    "crash_once": "cluster_fakes:CrashOnceDetector",
}
RAY = ScanOptions(engine=Engine.RAY)


@pytest.fixture
def fakes(monkeypatch):
    """The test-only detectors, registered here and (through the registry in the setup) in the actors."""
    for name, target in FAKES.items():
        monkeypatch.setitem(registry.REGISTRY, name, target)


def png(path: Path, rgb, size=(64, 48)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, rgb).save(path, "PNG")
    return path


def run(paths, profile, options, jobs=2, **kwargs):
    with BatchScan(paths, profile, options, jobs=jobs, **kwargs) as batch:
        return list(batch)


def _without_timings(text: str) -> dict:
    document = json.loads(text)
    for entry in document["files"]:
        entry.pop("timings_s", None)
    return document


def _audit_lines(path: Path) -> list[dict]:
    """Each scan line without what differs between any two runs (time, the chain's links and ids)."""
    volatile = ("time", "prev", "seq", "log_id")
    return [{k: v for k, v in event.items() if k not in volatile} for event in read_log(path).events]


def test_ray_and_the_local_pool_give_the_same_json_verdicts_and_audit_lines(local_ray, profile, tmp_path: Path):
    # given the sample photos of every detector, scanned by two local workers and by two Ray actors
    folder = SAMPLES / "detectors"
    outcomes = {}
    for engine in (Engine.LOCAL, Engine.RAY):
        log = tmp_path / f"{engine.value}.audit.jsonl"
        with AuditLog(log) as audit:
            results = run([folder], profile, ScanOptions(engine=engine), audit=audit)
        reports = [r.report for r in results]
        outcomes[engine] = (_without_timings(render_json(reports, RAY.audience)), [r.verdict for r in reports],
                            _audit_lines(log))
    # then the JSON report (timings aside), the verdicts and the audit lines are the same
    local, ray = outcomes[Engine.LOCAL], outcomes[Engine.RAY]
    assert ray[1] == local[1] and len(ray[1]) == len(list(folder.iterdir()))
    assert ray[0] == local[0]
    assert ray[2] == local[2] and len(ray[2]) == len(ray[1])


def test_an_actor_that_dies_once_is_restarted_and_its_file_screened_again(local_ray, fakes, profile, tmp_path: Path):
    # given a picture that kills its actor the first time only, between ordinary pictures
    from cluster_fakes import MARKER

    size = (71, 53)
    (MARKER / str((size[1], size[0], 3))).unlink(missing_ok=True)
    png(tmp_path / "1.png", (1, 1, 1))
    png(tmp_path / "2-dies-once.png", (0, 0, 255), size)
    png(tmp_path / "3.png", (3, 3, 3))
    # when one actor screens them
    results = run([tmp_path], profile, ScanOptions(engine=Engine.RAY, detectors=("crash_once",)), jobs=1)
    # then the restarted actor screened the file again, and the others too
    assert [r.report.verdict for r in results] == [Verdict.CLEAR] * 3
    assert all(r.report.error is None for r in results)


def test_a_file_that_kills_its_actor_twice_becomes_error_and_the_batch_goes_on(local_ray, fakes, profile, tmp_path: Path):
    png(tmp_path / "1-crashes.png", (255, 0, 0))
    png(tmp_path / "2.png", (2, 2, 2))
    results = run([tmp_path], profile, ScanOptions(engine=Engine.RAY, detectors=("crash",)), jobs=1)
    assert [r.report.verdict for r in results] == [Verdict.ERROR, Verdict.CLEAR]
    assert "crashed the worker" in results[0].report.error and "died twice" in results[0].report.error


def test_a_file_past_the_time_bound_becomes_error_and_its_actor_is_restarted(local_ray, fakes, profile, tmp_path: Path):
    # given a picture that makes the detector hang far past a 1 s bound
    png(tmp_path / "1-hangs.png", (255, 0, 255))
    png(tmp_path / "2.png", (2, 2, 2))
    png(tmp_path / "3.png", (3, 3, 3))
    options = ScanOptions(engine=Engine.RAY, detectors=("slow",), file_timeout_s=1.0)
    # when one actor screens them
    results = run([tmp_path], profile, options, jobs=1)
    # then the stuck actor was killed at the hard bound, its file is ERROR, and the restarted actor did the rest
    assert [r.report.verdict for r in results] == [Verdict.ERROR, Verdict.CLEAR, Verdict.CLEAR]
    assert "exceeded 1 s" in results[0].report.error


def test_ship_bytes_gives_the_reports_of_reading_from_the_path(local_ray, fakes, profile, tmp_path: Path):
    # given pictures, one of them a badge, and an undecodable one
    png(tmp_path / "1.png", (1, 1, 1))
    png(tmp_path / "2-badge.png", (0, 255, 0))
    (tmp_path / "3-broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    by_path = run([tmp_path], profile, ScanOptions(engine=Engine.RAY, detectors=("badge_stub",)))
    # when their contents are sent from the driver instead
    shipped = run([tmp_path], profile, ScanOptions(
        engine=Engine.RAY, detectors=("badge_stub",), cluster=ClusterOptions(ship_bytes=True)))
    # then every report is the same, paths included
    def view(results):
        return [(r.report.path, r.report.verdict, r.report.detections, r.report.error, r.report.sha256)
                for r in results]
    assert view(shipped) == view(by_path)
    assert [r.report.verdict for r in shipped][:2] == [Verdict.CLEAR, Verdict.PERMISSION_REQUIRED]


def test_ship_bytes_refuses_a_file_larger_than_the_bytes_in_flight_allow(local_ray, fakes, profile, tmp_path: Path):
    big = png(tmp_path / "big.png", (5, 5, 5), (400, 400))
    limit = big.stat().st_size - 1
    options = ScanOptions(engine=Engine.RAY, detectors=("badge_stub",),
                          cluster=ClusterOptions(ship_bytes=True, max_in_flight_bytes=limit))
    (result,) = run([big], profile, options, jobs=1)
    assert result.report.verdict == Verdict.ERROR and "--ship-bytes" in result.report.error


def test_an_actor_that_cannot_load_its_models_stops_the_batch(local_ray, fakes, profile, tmp_path: Path):
    png(tmp_path / "1.png", (1, 1, 1))
    with pytest.raises(MediaScreenError, match="model file missing"):
        run([tmp_path], profile, ScanOptions(engine=Engine.RAY, detectors=("broken",)), jobs=1)


def test_reading_for_shipping_is_bounded_and_never_opens_a_fifo(tmp_path: Path):
    # given a small file and a FIFO
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 10)
    fifo = tmp_path / "fifo"
    import os

    os.mkfifo(fifo)
    # then the file is read whole under the limit, refused over it, and the FIFO is left to the actor
    assert _read_bounded(small, 10) == (b"x" * 10, None)
    assert _read_bounded(small, 9)[0] is None and "9 bytes" in _read_bounded(small, 9)[1]
    assert _read_bounded(fifo, 10) == (None, None)


def test_cpus_per_worker_comes_from_the_option_then_the_profile_then_one(profile):
    from dataclasses import replace

    assert cpus_per_worker(ClusterOptions(cpus_per_worker=2.0), profile) == 2.0
    assert cpus_per_worker(ClusterOptions(), profile) == 1.0
    with_table = replace(profile, raw={**profile.raw, "cluster": {"cpus_per_worker": 0.5}})
    assert cpus_per_worker(ClusterOptions(), with_table) == 0.5
    with pytest.raises(MediaScreenError):
        cpus_per_worker(ClusterOptions(cpus_per_worker=0), profile)


class _KeepsPool(BatchScan):
    def _pool(self):
        self.pool = super()._pool()
        return self.pool


def _stays_dead(ray, handle, within: float) -> bool:
    """Whether calls to the actor fail as a dead actor's do, from some moment within `within` seconds on.

    `ray.kill` is asynchronous: a call sent to an idle actor just after it may still be answered
    before the kill lands. A killed actor that Ray restarted would answer again: this says False."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            ray.get(handle.ready.remote(), timeout=within)
        except ray.exceptions.RayActorError:
            break
        time.sleep(0.2)
    else:
        return False
    try:
        ray.get(handle.ready.remote(), timeout=within)
    except ray.exceptions.RayActorError:
        return True
    return False


def test_stopping_a_batch_midway_stops_its_actors_at_once(local_ray, fakes, profile, tmp_path: Path):
    # given a batch whose second file hangs its actor for minutes
    png(tmp_path / "1.png", (1, 1, 1))
    png(tmp_path / "2-hangs.png", (255, 0, 255))
    batch = _KeepsPool([tmp_path], profile, ScanOptions(engine=Engine.RAY, detectors=("slow",)), jobs=1)
    results = iter(batch)
    assert next(results).report.verdict == Verdict.CLEAR
    # when it is closed midway, the second file queued (what Ctrl-C does through the generator)
    actors = [actor.handle for actor in batch.pool.actors]
    batch.close()
    # then its actors are gone and stay gone (killed without restart), not left to screen
    assert actors and batch.pool.actors == []
    assert all(_stays_dead(local_ray, handle, within=30) for handle in actors)


class _RestartingRay:
    """Stands in for the `ray` module in RayPool._became_ready: its get() says "temporarily unavailable" for the
    first `unavailable` calls (an actor Ray is starting again, slowly on a loaded machine), then answers."""

    def __init__(self, unavailable: int) -> None:
        import ray.exceptions

        self.exceptions = ray.exceptions
        self.unavailable = unavailable
        self.calls = 0

    def get(self, ref):
        self.calls += 1
        if self.calls <= self.unavailable:
            raise self.exceptions.ActorUnavailableError("The actor is restarting.", None)
        return None, "node-1"


class _Handle:
    class ready:  # noqa: N801 - mirrors an actor handle's method
        @staticmethod
        def remote():
            return object()


def test_an_actor_restarting_for_longer_than_the_retries_is_waited_for_not_given_up(monkeypatch):
    # given an actor that loaded once and whose restart answers "temporarily unavailable" ten times
    from media_screen.cluster import dispatch

    monkeypatch.setattr(dispatch, "RESTART_POLL_S", 0.0, raising=False)
    pool = dispatch.RayPool.__new__(dispatch.RayPool)
    pool._ray, pool._no_ready_since = _RestartingRay(unavailable=10), None
    actor = dispatch._Actor(_Handle(), loaded_once=True)
    pool._await_ready(actor)
    # when the pool hears from it until it answers
    while not actor.ready:
        pool._became_ready(actor)
    # then it was asked again each time, not counted as dead after READY_RETRIES, and is ready on its node
    assert pool._ray.calls == 11 > dispatch.READY_RETRIES
    assert actor.node == "node-1" and actor.failed_ready == 0


def test_an_actor_that_never_loaded_and_cannot_be_reached_stops_the_scan(monkeypatch):
    from media_screen.cluster import dispatch

    pool = dispatch.RayPool.__new__(dispatch.RayPool)
    pool._ray, pool._no_ready_since = _RestartingRay(unavailable=1), None
    actor = dispatch._Actor(_Handle())
    pool._await_ready(actor)
    with pytest.raises(MediaScreenError, match="stopped while loading the models"):
        pool._became_ready(actor)
