"""Batch scans in worker processes: order, the hard time bound, crashes, setup failures, thread limits."""

import io
import multiprocessing
import time
from pathlib import Path

import pytest
from PIL import Image

from media_screen.batch import scan as batch_module
from media_screen import detectors as registry
from media_screen.batch.scan import BatchScan, available_cores, hard_time_limit
from media_screen.batch.worker import until_next_deadline
from media_screen.config import ScanOptions
from media_screen.errors import MediaScreenError
from media_screen.model import Verdict
from media_screen.batch.worker import limit_threads

FAKES = {
    "slow": "fake_detectors:SlowDetector",
    "badge_stub": "fake_detectors:BadgeDetector",
    "crash": "fake_detectors:CrashDetector",
    "broken": "fake_detectors:BrokenDetector",
    "threads": "fake_detectors:ThreadsDetector",
}


@pytest.fixture(autouse=True)
def fake_detectors(monkeypatch):
    for name, target in FAKES.items():
        monkeypatch.setitem(registry.REGISTRY, name, target)


def png(path: Path, rgb) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), rgb).save(path, "PNG")
    return path


def run(paths, profile, options, jobs):
    with BatchScan(paths, profile, options, jobs=jobs) as batch:
        return list(batch)


def test_workers_return_the_same_reports_in_input_order(tmp_path: Path, profile):
    # given files whose analysis takes different routes (badge, plain, broken)
    for number in range(6):
        png(tmp_path / f"{number}.png", (0, 255, 0) if number % 2 else (number, 20, 30))
    (tmp_path / "6-broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    options = ScanOptions(detectors=("badge_stub",))
    # when they are screened by two workers and in this process
    parallel = run([tmp_path], profile, options, jobs=2)
    serial = run([tmp_path], profile, options, jobs=0)
    # then the results agree, in the input order
    assert [r.index for r in parallel] == list(range(7))
    assert [(r.report.path, r.report.verdict, r.report.detections) for r in parallel] == [
        (r.report.path, r.report.verdict, r.report.detections) for r in serial
    ]
    assert [r.report.verdict for r in parallel].count(Verdict.PERMISSION_REQUIRED) == 3


def test_a_file_that_hangs_becomes_error_and_the_batch_goes_on(tmp_path: Path, profile):
    # given a file that makes the detector hang, between ordinary files, and one worker
    png(tmp_path / "1.png", (1, 1, 1))
    png(tmp_path / "2-hangs.png", (255, 0, 255))
    png(tmp_path / "3.png", (3, 3, 3))
    png(tmp_path / "4.png", (4, 4, 4))
    options = ScanOptions(detectors=("slow",), file_timeout_s=1.0)
    # when the batch runs
    results = run([tmp_path], profile, options, jobs=1)
    # then the stuck worker was stopped, its file is ERROR, and a new worker did the rest
    assert [r.report.verdict for r in results] == [Verdict.CLEAR, Verdict.ERROR, Verdict.CLEAR, Verdict.CLEAR]
    assert "exceeded 1 s" in results[1].report.error
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_makes_its_file_error_and_is_replaced(tmp_path: Path, profile):
    png(tmp_path / "1-crashes.png", (255, 0, 0))
    png(tmp_path / "2.png", (2, 2, 2))
    results = run([tmp_path], profile, ScanOptions(detectors=("crash",)), jobs=1)
    assert [r.report.verdict for r in results] == [Verdict.ERROR, Verdict.CLEAR]
    assert "crashed the worker" in results[0].report.error and "70" in results[0].report.error


@pytest.mark.parametrize("jobs", [0, 1])
def test_a_model_that_cannot_load_stops_the_run_with_what_to_install(tmp_path: Path, profile, jobs):
    png(tmp_path / "1.png", (1, 1, 1))
    with pytest.raises(MediaScreenError, match="make models"):
        run([tmp_path], profile, ScanOptions(detectors=("broken",)), jobs=jobs)
    assert multiprocessing.active_children() == []


def test_untouched_files_need_no_worker_at_all(tmp_path: Path, profile):
    from media_screen.store.cache import ResultCache

    png(tmp_path / "in" / "1.png", (1, 1, 1))
    cache = ResultCache(tmp_path / "c.sqlite3")
    options = ScanOptions(detectors=("badge_stub",))
    with BatchScan([tmp_path / "in"], profile, options, jobs=2, cache=cache) as batch:
        list(batch)
    def no_waiting(self, time_limit):
        raise AssertionError("waited for workers although every file was in the cache")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch_module._WorkerPool, "wait", no_waiting)
        with BatchScan([tmp_path / "in"], profile, options, jobs=2, cache=cache) as batch:
            assert all(result.cached for result in batch)
            assert multiprocessing.active_children() == []  # answered from the cache in this process


def broken_files(folder: Path) -> None:
    """The ways content fails: no known format, no bytes at all, a JPEG cut short."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1-text.jpg").write_bytes(b"plain text, not a photo")
    (folder / "2-empty.jpg").write_bytes(b"")
    buffer = io.BytesIO()
    Image.effect_noise((128, 128), 60).convert("RGB").save(buffer, "JPEG", quality=95)
    (folder / "3-cut.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])


def no_worker(self):
    raise AssertionError("a worker was started")


@pytest.mark.parametrize("jobs", [0, 2])
def test_errors_the_content_causes_are_cached_so_a_rescan_starts_no_worker(tmp_path: Path, profile, jobs):
    from media_screen.store.cache import ResultCache

    # given broken files and a plain photo, scanned once with a cache
    broken_files(tmp_path / "in")
    png(tmp_path / "in" / "4.png", (4, 4, 4))
    cache = ResultCache(tmp_path / "c.sqlite3")
    options = ScanOptions(detectors=("badge_stub",))
    with BatchScan([tmp_path / "in"], profile, options, jobs=jobs, cache=cache) as batch:
        first = [r.report for r in batch]
    assert [r.verdict for r in first] == [Verdict.ERROR] * 3 + [Verdict.CLEAR]
    # when they are scanned again, with starting a worker or loading a model made impossible
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch_module._WorkerPool, "_start", no_worker)
        patch.setitem(registry.REGISTRY, "badge_stub", FAKES["broken"])
        with BatchScan([tmp_path / "in"], profile, options, jobs=jobs, cache=cache) as batch:
            second = list(batch)
    # then every report, the errors included, comes from the cache, unchanged
    assert all(result.cached for result in second)
    assert [(r.report.verdict, r.report.error) for r in second] == [(r.verdict, r.error) for r in first]


@pytest.mark.parametrize("jobs", [0, 2])
def test_files_that_fail_at_their_first_bytes_load_no_model_and_start_no_worker(tmp_path: Path, profile, jobs):
    # given files that are no format we analyse, and a detector whose model cannot load
    broken_files(tmp_path)
    (tmp_path / "3-cut.jpg").unlink()  # a cut JPEG must be decoded to tell: that is a worker's job
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch_module._WorkerPool, "_start", no_worker)
        # when they are scanned / then each is ERROR, found here without loading the model
        results = run([tmp_path], profile, ScanOptions(detectors=("broken",)), jobs=jobs)
    assert [r.report.verdict for r in results] == [Verdict.ERROR, Verdict.ERROR]
    assert all(r.report.error_will_repeat for r in results)


def test_a_time_out_is_not_cached(tmp_path: Path, profile):
    from media_screen.store.cache import ResultCache

    png(tmp_path / "in" / "1-hangs.png", (255, 0, 255))
    cache = ResultCache(tmp_path / "c.sqlite3")
    options = ScanOptions(detectors=("slow",), file_timeout_s=1.0)
    with BatchScan([tmp_path / "in"], profile, options, jobs=1, cache=cache) as batch:
        report = next(iter(batch)).report
    assert report.verdict == Verdict.ERROR and not report.error_will_repeat
    assert cache.counts()["analyses"] == 0  # the next scan tries again


def test_work_ahead_of_the_next_result_is_bounded(tmp_path: Path, profile, monkeypatch):
    # given 12 files and a window of 4
    for number in range(12):
        png(tmp_path / f"{number:02d}.png", (number, 5, 5))
    looked_up = []
    original = BatchScan._from_cache

    def recording(self, index):
        looked_up.append(index)
        return original(self, index)

    monkeypatch.setattr(BatchScan, "_from_cache", recording)
    # when the results are consumed
    with BatchScan([tmp_path], profile, ScanOptions(detectors=("badge_stub",)), jobs=1, window=4) as batch:
        ahead = [max(looked_up) - result.index for result in batch]
    # then no more than the window was ever taken up beyond the result being returned
    assert max(ahead) < 4 and len(ahead) == 12


def test_the_hard_limit_leaves_the_cooperative_deadline_time_to_report():
    assert hard_time_limit(1.0) == 1.5
    assert hard_time_limit(120.0) == 125.0
    assert available_cores() >= 1


def test_a_pool_blocks_until_the_first_busy_worker_runs_out_of_time_and_at_most_a_second():
    now = time.monotonic()
    # given workers that started 9.8 s and 2 s ago under a 10 s limit: about 0.2 s left for the first
    assert 0.0 < until_next_deadline([now - 9.8, now - 2.0], 10.0) <= 0.2
    # given one already past its limit: no wait; given no busy worker: one second
    assert until_next_deadline([now - 11.0], 10.0) == 0.0
    assert 0.9 < until_next_deadline([], 10.0) <= 1.0


@pytest.mark.parametrize(("files", "threads", "on_lane"), [(1, 2, True), (2, 1, True), (4, 1, False), (6, 1, False)])
def test_fewer_files_than_workers_give_each_worker_the_spare_cores(tmp_path: Path, profile, monkeypatch, files, threads,
                                                                   on_lane):
    # given a four-core machine, a scan with a worker per core, and `files` pictures
    monkeypatch.setattr(batch_module, "available_cores", lambda: 4)
    paths = [png(tmp_path / f"{number}.png", (number, 20, 30)) for number in range(files)]
    # when they are screened by two detectors
    results = run(paths, profile, ScanOptions(detectors=("threads", "badge_stub")), jobs=None)
    # then the cores the idle workers would have had run two detectors at once, the rest as intra-op threads
    evidence = [d.evidence for r in results for d in r.report.detections]
    assert [e["threads"] for e in evidence] == [threads] * files
    assert [e["on_lane"] for e in evidence] == [on_lane] * files


def test_limit_threads_caps_opencv_and_new_onnxruntime_sessions(monkeypatch):
    cv2 = pytest.importorskip("cv2")
    onnxruntime = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    monkeypatch.setattr(onnxruntime, "InferenceSession", onnxruntime.InferenceSession)  # restored afterwards
    threads_before = cv2.getNumThreads()
    try:
        # given a process whose libraries default to every core
        limit_threads(1)
        # when a model session is created afterwards
        graph = helper.make_graph(
            [helper.make_node("Identity", ["x"], ["y"])], "identity",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        # then it uses one intra-op thread, and so does OpenCV
        assert session.get_session_options().intra_op_num_threads == 1
        assert cv2.getNumThreads() == 1
    finally:
        cv2.setNumThreads(threads_before)
