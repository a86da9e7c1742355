"""The redaction check looks again only near what was obscured: crops around the regions, results in frame pixels."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "detectors"))
import detector_samples  # noqa: E402

from media_screen.detectors.faces import FaceDetector  # noqa: E402
from media_screen.model import Box, Detection, DetectionKind, Frame  # noqa: E402
from media_screen.redact.recheck import (  # noqa: E402
    CHECK_FACE_PX,
    check_scale,
    crop_around,
    detect_near,
    merged,
    shifted,
)


def face_at(box: Box, landmarks=((1.0, 2.0),)) -> Detection:
    return Detection(DetectionKind.FACE, "face", 0.9, box, "faces", evidence={"landmarks": landmarks})


def test_crops_grow_by_the_objects_size_stay_in_the_frame_and_merge_when_they_overlap():
    # given two neighbouring faces and one far away in a 640 x 360 frame
    near = [crop_around(Box(100, 100, 140, 140), 640, 360), crop_around(Box(170, 110, 210, 150), 640, 360)]
    far = crop_around(Box(600, 320, 630, 355), 640, 360)
    # then each crop has a face's size of context on each side, clipped to the frame
    assert near[0] == (60, 60, 181, 181) and far[2:] == (640, 360)
    # and the two that overlap become one crop, the far one stays apart
    assert sorted(merged([*near, far])) == [(60, 60, 251, 191), far]


def test_a_detection_from_a_crop_moves_back_with_its_landmarks():
    moved = shifted(face_at(Box(10, 20, 30, 40), ((12.0, 25.0), (28.0, 25.0))), 100, 50)
    assert moved.box == Box(110, 70, 130, 90)
    assert moved.evidence["landmarks"] == ((112.0, 75.0), (128.0, 75.0))


@pytest.fixture(scope="module")
def faces(profile) -> FaceDetector:
    return FaceDetector.from_profile(profile)


@pytest.mark.parametrize("head_scale", [0.65, 1.6])  # a face about 60 px wide (crop as is), and 150 px (shrunk)
def test_looking_near_a_face_finds_what_looking_at_the_whole_frame_finds(faces, head_scale):
    # given the astronaut's face in a 640 x 360 frame of the coffee photo
    x1, y1, x2, y2 = detector_samples.ASTRONAUT_FACE
    head = detector_samples.astronaut()[y1 - 30 : y2 + 30, x1 - 30 : x2 + 30]
    head = cv2.resize(head, None, fx=head_scale, fy=head_scale, interpolation=cv2.INTER_AREA)
    frame = cv2.resize(detector_samples.coffee(), (640, 360))
    frame[60 : 60 + head.shape[0], 380 : 380 + head.shape[1]] = head[: 300, : 260]
    detect = lambda image: [d for d in faces.detect(Frame(image)) if d.score >= 0.5]  # noqa: E731
    (whole,) = detect(frame)
    # when the check looks only near that face
    (near,) = detect_near(frame, [whole], detect)
    # then it finds the same face, in frame pixels
    assert near.box.iou(whole.box) > 0.8
    size = max(whole.box.width, whole.box.height)
    assert np.allclose(near.evidence["landmarks"], whole.evidence["landmarks"], atol=0.05 * size)


def test_regions_covering_most_of_the_frame_are_checked_in_one_whole_frame_run():
    # given one 80 px face filling most of a 100 px frame
    calls = []
    detect_near(np.zeros((100, 100, 3), np.uint8), [face_at(Box(10, 10, 90, 90))], lambda image: calls.append(image.shape) or [])
    # then the whole frame is checked once, shrunk so the face is CHECK_FACE_PX tall
    assert calls == [(80, 80, 3)]


def test_only_crops_holding_nothing_but_faces_are_shrunk():
    face = face_at(Box(100, 100, 260, 260))  # 160 px
    text = Detection(DetectionKind.TEXT, "text", 0.9, Box(120, 270, 250, 300), "text")
    crop = (0, 0, 640, 480)
    assert check_scale(crop, [face]) == pytest.approx(CHECK_FACE_PX / 160)
    assert check_scale(crop, [face, text]) == 1.0  # text keeps every pixel
    assert check_scale(crop, [face_at(Box(0, 0, 40, 40))]) == 1.0  # small faces are not enlarged


def test_a_detection_from_a_shrunk_crop_comes_back_full_size():
    moved = shifted(face_at(Box(10, 20, 30, 40), ((12.0, 25.0),)), 100, 50, scale=0.5)
    assert moved.box == Box(120, 90, 160, 130)
    assert moved.evidence["landmarks"] == ((124.0, 100.0),)
