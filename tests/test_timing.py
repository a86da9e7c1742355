"""Stage timings add up per stage, also when the stage fails."""

from __future__ import annotations

import time

import pytest

from media_screen.timing import timed


def test_time_spent_in_a_stage_adds_to_that_stage():
    timings: dict[str, float] = {}
    for _ in range(2):
        with timed(timings, "faces"):
            time.sleep(0.01)
    assert list(timings) == ["faces"] and timings["faces"] >= 0.02


def test_a_stage_that_raises_is_still_timed():
    timings: dict[str, float] = {}
    with pytest.raises(RuntimeError), timed(timings, "decode"):
        raise RuntimeError("corrupt")
    assert timings["decode"] >= 0.0 and "decode" in timings
