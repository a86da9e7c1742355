"""The registry loads the named detectors, on two threads when a worker has cores to spare, slowest first."""

from __future__ import annotations

import threading

import pytest

from media_screen import detectors as registry
from media_screen.config import load_profile
from media_screen.detectors.lanes import DetectorLanes

STARTED: list[str] = []
_lock = threading.Lock()
_first_two = threading.Barrier(2, timeout=10)  # on two threads, the first two loads wait for each other


class _Loads:
    name = "quick"
    load_first = False

    @classmethod
    def from_profile(cls, profile):
        with _lock:
            STARTED.append(cls.name)
            among_first_two = len(STARTED) <= 2
        if among_first_two and threading.current_thread() is not threading.main_thread():
            _first_two.wait()
        return cls()


class Quick(_Loads):
    name = "quick"


class Other(_Loads):
    name = "other"


class Slow(_Loads):
    name = "slow"
    load_first = True


@pytest.fixture
def fake_registry(monkeypatch):
    STARTED.clear()
    monkeypatch.setattr(registry, "REGISTRY", {
        name: f"{__name__}:{cls}" for name, cls in (("quick", "Quick"), ("other", "Other"), ("slow", "Slow"))})


@pytest.mark.parametrize("lanes", [None, DetectorLanes(1), DetectorLanes(2)])
def test_detectors_come_back_in_the_names_order(fake_registry, lanes):
    # when three detectors are loaded, one after another or on two threads
    try:
        loaded = registry.load_detectors(("quick", "other", "slow"), load_profile(), lanes)
    finally:
        if lanes is not None:
            lanes.close()
    # then they are in the order asked for
    assert [d.name for d in loaded] == ["quick", "other", "slow"]


def test_on_two_threads_the_slowest_load_starts_first(fake_registry):
    # given a detector whose load takes longest (load_first), named last
    lanes = DetectorLanes(2)
    # when the detectors load on two threads
    try:
        registry.load_detectors(("quick", "other", "slow"), load_profile(), lanes)
    finally:
        lanes.close()
    # then its load was among the first two started, so the last one started is a quick one
    assert STARTED[2] == "other" and sorted(STARTED) == ["other", "quick", "slow"]


def test_one_thread_loads_in_the_names_order(fake_registry):
    registry.load_detectors(("quick", "other", "slow"), load_profile())
    assert STARTED == ["quick", "other", "slow"]


def test_the_insignia_detector_loads_first():
    from media_screen.detectors.insignia import InsigniaDetector

    assert InsigniaDetector.load_first is True
