"""The explicit (B.5) detector: NudeNet through ultralytics, exposed sexual classes only."""

from __future__ import annotations

import numpy as np
import pytest

from detector_samples import ASTRONAUT_FACE
from media_screen.config import parse_profile
from media_screen.detectors.explicit import EXPOSED_CLASSES, ExplicitDetector, exposed_only
from media_screen.detectors.ultralytics_backend import BoxArrays
from media_screen.model import Box, DetectionKind, Frame

NUDENET_NAMES = {
    0: "FEMALE_GENITALIA_COVERED", 1: "FACE_FEMALE", 2: "BUTTOCKS_EXPOSED", 3: "FEMALE_BREAST_EXPOSED",
    4: "FEMALE_GENITALIA_EXPOSED", 5: "MALE_BREAST_EXPOSED", 6: "ANUS_EXPOSED", 7: "FEET_EXPOSED",
    8: "BELLY_COVERED", 9: "FEET_COVERED", 10: "ARMPITS_COVERED", 11: "ARMPITS_EXPOSED", 12: "FACE_MALE",
    13: "BELLY_EXPOSED", 14: "MALE_GENITALIA_EXPOSED", 15: "ANUS_COVERED", 16: "FEMALE_BREAST_COVERED",
    17: "BUTTOCKS_COVERED",
}  # fmt: skip


@pytest.fixture(scope="module")
def explicit(profile) -> ExplicitDetector:
    return ExplicitDetector.from_profile(profile)


def test_the_model_has_the_classes_the_filter_expects(explicit):
    assert dict(explicit.model.names) == NUDENET_NAMES


def test_only_exposed_sexual_classes_pass_the_filter():
    # given one box of every NudeNet class
    ids = np.array(sorted(NUDENET_NAMES))
    same_box = np.tile([0, 0, 10, 10], (len(ids), 1)).astype(np.float32)
    every_class = BoxArrays(same_box, np.full(len(ids), 0.9, np.float32), ids, NUDENET_NAMES)
    # when filtered with the default classes
    kept = exposed_only(every_class, EXPOSED_CLASSES)
    # then exactly the five exposed sexual classes remain; covered parts, faces, feet, bellies, armpits
    # and male chests do not count
    exposed = {"FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED"}
    assert set(kept.labels()) == exposed | {"BUTTOCKS_EXPOSED", "ANUS_EXPOSED"}
    assert len(kept) == 5


def test_a_clothed_astronaut_is_not_explicit(explicit, astronaut_frame):
    assert explicit.detect(astronaut_frame) == ()


def test_a_blank_frame_is_not_explicit(explicit):
    assert explicit.detect(Frame(pixels=np.full((480, 640, 3), 128, np.uint8))) == ()


def test_boxes_come_back_in_frame_coordinates(profile, astronaut):
    # given a profile that (for this test only) counts NudeNet's FACE_FEMALE class, and the astronaut
    # photo placed off-centre in a wider, taller frame
    text = '[detectors.explicit]\nclasses = ["FACE_FEMALE"]\n'
    detector = ExplicitDetector.from_profile(parse_profile(text, profile.base_dir))
    frame = np.full((700, 1100, 3), 90, np.uint8)
    frame[150:662, 500:1012] = astronaut
    # when screened
    found = detector.detect(Frame(pixels=frame))
    # then her face is found where it is in the frame (letterboxing undone), as an EXPLICIT-kind detection
    assert len(found) == 1
    x1, y1, x2, y2 = ASTRONAUT_FACE
    assert found[0].box.iou(Box(x1 + 500, y1 + 150, x2 + 500, y2 + 150)) > 0.5
    assert found[0].kind == DetectionKind.EXPLICIT and found[0].label == "face_female"
    assert found[0].evidence["class"] == "FACE_FEMALE" and 0.25 <= found[0].score <= 1.0
