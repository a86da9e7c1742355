"""The change gate: a sampled video frame that looks like the last analysed one reuses its detections."""

from __future__ import annotations

import numpy as np
import pytest

from media_screen.video.frame_change import MAX_REUSE_S, ChangeGate
from media_screen.model import Box, Detection, DetectionKind

FACE = Detection(kind=DetectionKind.FACE, label="face", score=0.9, box=Box(100, 100, 160, 170), detector="faces",
                 time_s=1.0, end_s=1.0)


def still_shot(seed: int) -> np.ndarray:
    """A 1080p frame of a textured still scene, with fresh sensor-like noise (as two samples of one shot)."""
    rng = np.random.default_rng(0)
    scene = rng.integers(40, 200, (27, 48, 3), dtype=np.uint8).repeat(40, axis=0).repeat(40, axis=1)
    noise = np.random.default_rng(seed).normal(0, 3, scene.shape)
    return np.clip(scene + noise, 0, 255).astype(np.uint8)


@pytest.fixture
def gate() -> ChangeGate:
    # given a gate that has seen the detectors find a face on the frame at 1 s
    gate = ChangeGate()
    assert gate.reusable(still_shot(1), 1.0) is None  # nothing analysed yet
    gate.remember(1.0, (FACE,))
    return gate


def test_the_next_sample_of_a_still_shot_reuses_the_detections_at_its_own_time(gate):
    # when the next sample of the same still shot arrives
    reused = gate.reusable(still_shot(2), 2.0)
    # then the face is reused, re-timed to the new sample
    assert reused is not None and len(reused) == 1
    assert reused[0].box == FACE.box and reused[0].time_s == 2.0 and reused[0].end_s == 2.0
    assert gate.reused == 1


def test_a_small_face_walking_into_a_still_shot_makes_the_detectors_run_again(gate):
    # given the same shot with a 24 x 30 px patch in one corner, dark on light or light on dark
    frame = still_shot(2)
    region = frame[1000:1030, 1800:1824]
    region[:] = 30 if region.mean() > 128 else 225
    # when it is sampled, then it counts as changed
    assert gate.reusable(frame, 2.0) is None
    assert gate.reused == 0


def test_reuse_expires_so_a_long_still_shot_is_analysed_again(gate):
    assert gate.reusable(still_shot(2), 1.0 + MAX_REUSE_S) is not None
    assert gate.reusable(still_shot(3), 1.0 + MAX_REUSE_S + 1.0) is None


def test_a_frame_of_another_shape_is_never_reused(gate):
    assert gate.reusable(still_shot(2)[:, :1440], 2.0) is None
