"""The shipped model (media_screen/models/police_yolov8n.onnx) loads offline and finds the department's own patch and badge."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data

from media_screen.detectors.yolo import YoloDetector
from media_screen.model import Box, DetectionKind, Frame
from media_screen.train.composite import load_marks, make_composite, reference_paths
from media_screen.train.network_guard import no_network

CLASSES = ("police_officer", "police_vehicle", "badge", "patch")
MARK_KINDS = {2: DetectionKind.BADGE, 3: DetectionKind.PATCH}


@pytest.fixture(scope="module")
def composites(profile):
    """Three composites of the enrolled patch and badge on scikit-image photos, with their true boxes."""
    marks = load_marks(reference_paths(profile), {"patch": "patch", "badge": "badge"}, CLASSES)
    if not marks:
        pytest.fail("the built-in profile enrols no patch or badge reference under [detectors.insignia]")
    rng = np.random.default_rng(7)
    out = []
    for name in ("coffee", "rocket", "chelsea"):
        background = cv2.cvtColor(getattr(skimage.data, name)(), cv2.COLOR_RGB2BGR)
        out.append(make_composite(background, marks, rng, max_marks=1))
    return out


def _iou(a: Box, b: Box) -> float:
    w = max(0.0, min(a.x2, b.x2) - max(a.x1, b.x1))
    h = max(0.0, min(a.y2, b.y2) - max(a.y1, b.y1))
    union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - w * h
    return w * h / union if union else 0.0


def test_shipped_model_loads_offline_and_finds_pasted_insignia(profile, composites):
    # given the built-in profile's yolo detector, loaded with every network call refused
    with no_network() as attempts:
        detector = YoloDetector.from_profile(profile)
        # when it looks at photos with the department's patch or badge pasted in
        found = [detector.detect(Frame(image)) for image, _ in composites]
    # then nothing tried the network, and most pasted marks are found with the right kind where they are
    assert attempts == []
    hits = 0
    for (image, boxes), detections in zip(composites, found):
        height, width = image.shape[:2]
        truth = boxes[0]
        true_box = Box((truth.cx - truth.w / 2) * width, (truth.cy - truth.h / 2) * height,
                       (truth.cx + truth.w / 2) * width, (truth.cy + truth.h / 2) * height)  # fmt: skip
        hits += any(
            d.kind == MARK_KINDS[truth.class_id]
            and d.score >= profile.threshold(d.kind.value)
            and _iou(d.box, true_box) > 0.4
            for d in detections
        )
    assert hits >= 2


def test_shipped_model_finds_nothing_on_a_blank_frame(profile):
    detector = YoloDetector.from_profile(profile)
    assert detector.detect(Frame(np.full((240, 320, 3), 127, np.uint8))) == ()
