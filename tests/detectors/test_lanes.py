"""Detectors run one after another or two at a time: same findings, same order, errors and deadlines kept."""

from __future__ import annotations

import threading

import pytest

from media_screen.detectors.lanes import DetectorLanes, split_cores, start_order
from media_screen.errors import AnalysisTimeoutError
from media_screen.model import Box, Detection, DetectionKind


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


def found(name: str) -> Detection:
    return Detection(DetectionKind.TEXT, name, 0.9, Box(0, 0, 1, 1), name)


def never_late(stage: str) -> None:
    return None


def test_two_lanes_run_two_detectors_at_the_same_time():
    # given two detectors that each wait for the other to be running (a barrier of two)
    barrier = threading.Barrier(2, timeout=10)
    detectors = [Named("a"), Named("b")]

    def call(detector):
        barrier.wait()  # breaks after 10 s if the other never runs at the same time
        return (found(detector.name),)

    # when they run on two lanes
    lanes = DetectorLanes(2)
    try:
        detections = lanes.run(detectors, call, never_late, {})
    finally:
        lanes.close()
    # then both got past the barrier: they ran at once
    assert [d.label for d in detections] == ["a", "b"]


def test_findings_keep_the_detectors_order_whatever_finishes_first():
    # given a first detector that finishes last
    second_done = threading.Event()
    detectors = [Named("slow"), Named("quick"), Named("third")]

    def call(detector):
        if detector.name == "slow":
            assert second_done.wait(10)
        if detector.name == "quick":
            second_done.set()
        return (found(detector.name), found(detector.name + "-2"))

    # when they run on one lane and on two
    one, two = DetectorLanes(1), DetectorLanes(2)
    try:
        on_two = two.run(detectors, call, never_late, {})
        second_done.set()
        on_one = one.run(detectors, call, never_late, {})
    finally:
        two.close()
    # then the detections are the same, in the detectors' order
    assert [d.label for d in on_two] == ["slow", "slow-2", "quick", "quick-2", "third", "third-2"]
    assert on_two == on_one


def test_each_detector_is_timed_under_its_name():
    timings: dict[str, float] = {}
    lanes = DetectorLanes(2)
    try:
        lanes.run([Named("a"), Named("b")], lambda d: (), never_late, timings)
    finally:
        lanes.close()
    assert set(timings) == {"a", "b"} and all(t >= 0 for t in timings.values())


@pytest.mark.parametrize("lanes", [1, 2])
def test_the_first_error_in_the_detectors_order_is_raised(lanes):
    # given a detector that fails and a later one that times out
    def call(detector):
        raise ValueError(detector.name)

    def check(stage):
        if stage == "late":
            raise AnalysisTimeoutError(f"analysis exceeded 1 s (during {stage})")

    runner = DetectorLanes(lanes)
    try:
        # when they run
        with pytest.raises(ValueError, match="broken"):
            runner.run([Named("broken"), Named("late")], call, check, {})
        # then the deadline is still checked before every detector
        with pytest.raises(AnalysisTimeoutError, match="during late"):
            runner.run([Named("late"), Named("broken")], call, check, {})
    finally:
        runner.close()


def test_a_detector_that_reuses_another_starts_after_the_others():
    # given the registry's order, with police_vehicle (which reads text's OCR lines) before explicit
    detectors = [Named("faces"), Named("text"), Named("police_vehicle"), Named("explicit")]
    detectors[2].reuses = ("text", "insignia")
    # then it is started last; without text in the run it keeps its place
    assert [d.name for d in start_order(detectors)] == ["faces", "text", "explicit", "police_vehicle"]
    assert [d.name for d in start_order([detectors[0], detectors[2], detectors[3]])] == [
        "faces", "police_vehicle", "explicit"]


def test_the_shipped_detectors_name_what_they_reuse():
    from media_screen.detectors.police_vehicle import PoliceVehicleDetector
    from media_screen.detectors.protected import ProtectedFacesDetector

    assert set(PoliceVehicleDetector.reuses) == {"text", "insignia"}
    assert ProtectedFacesDetector.reuses == ("faces",)


@pytest.mark.parametrize(("share", "expected"), [(1, (1, 1)), (2, (2, 1)), (3, (2, 1)), (4, (2, 2)), (8, (2, 4)), (0, (1, 1))])
def test_a_workers_cores_become_two_lanes_then_intra_op_threads(share, expected):
    assert split_cores(share) == expected


@pytest.mark.parametrize("lanes", [1, 2])
def test_map_starts_in_the_start_order_and_answers_in_the_items_order(lanes):
    # given three items and a start order that puts the last one first; on two lanes the first two calls
    # wait for each other, so the third starts only once both are under way
    items = [Named("a"), Named("b"), Named("c")]
    started: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2, timeout=10)

    def call(item):
        with lock:
            started.append(item.name)
            first_two = len(started) <= 2
        if lanes == 2 and first_two:
            barrier.wait()
        return item.name.upper()

    # when they are mapped
    runner = DetectorLanes(lanes)
    try:
        results = runner.map(call, items, [items[2], items[0], items[1]])
    finally:
        runner.close()
    # then the results follow the items; on two lanes the item named first in the start order was among
    # the first two started (the last one started is "b"); on one lane the items' own order is kept
    assert results == ["A", "B", "C"]
    if lanes == 1:
        assert started == ["a", "b", "c"]
    else:
        assert started[2] == "b" and set(started) == {"a", "b", "c"}


def test_map_runs_two_calls_at_the_same_time_and_raises_the_first_items_error():
    # given two calls that each wait for the other to be running, then fail
    barrier = threading.Barrier(2, timeout=10)

    def call(item):
        barrier.wait()  # breaks after 10 s if the other never runs at the same time
        raise ValueError(item.name)

    # when they are mapped on two lanes
    runner = DetectorLanes(2)
    try:
        with pytest.raises(ValueError, match="^first$"):
            runner.map(call, [Named("first"), Named("second")])
    finally:
        runner.close()
    # then both ran at once (no BrokenBarrierError) and the first item's error is the one raised
