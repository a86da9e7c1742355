"""How good a view of a face is: size, sharpness and pose, measured on the aligned chip of real faces."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from media_screen.config import load_profile
from media_screen.detectors.faces import FaceDetector
from media_screen.faceid.embedder import CHIP_PX, FaceEmbedder
from media_screen.faceid.quality import FaceQuality, yaw_of
from media_screen.model import Frame


@pytest.fixture(scope="module")
def align():
    faces, embedder = FaceDetector.from_profile(load_profile()), FaceEmbedder.from_installed()

    def aligned(pixels):
        pixels = np.ascontiguousarray(pixels)
        face = max(faces.detect(Frame(pixels)), key=lambda d: d.box.area)
        return embedder.align(pixels, face.box)

    return aligned


def test_a_blurred_face_scores_below_the_sharp_one(align, astronaut):
    # given the astronaut as it is and blurred
    sharp, blurred = align(astronaut), align(cv2.GaussianBlur(astronaut, (0, 0), 4))
    # then the chips are the descriptor's size, and the blurred view is less sharp and scores lower
    assert sharp.chip.shape == (CHIP_PX, CHIP_PX, 3) and sharp.chip.dtype == np.uint8
    assert blurred.quality.sharpness < sharp.quality.sharpness / 2
    assert blurred.quality.score < sharp.quality.score


def test_a_smaller_face_scores_below_the_full_size_one(align, hopper):
    small = align(cv2.resize(hopper, None, fx=0.15, fy=0.15, interpolation=cv2.INTER_AREA))
    assert small.quality.face_px < 60 and small.quality.score < align(hopper).quality.score


def test_a_mirrored_face_turns_the_other_way(align, astronaut):
    turned, mirrored = align(astronaut).quality.yaw, align(astronaut[:, ::-1]).quality.yaw
    assert abs(turned + mirrored) < 0.05


@pytest.mark.parametrize(
    "points, yaw",
    [
        ([(10, 0), (0, 0), (30, 0), (40, 0), (20, 20)], 0.0),  # nose under the eyes' midpoint: frontal
        ([(10, 0), (0, 0), (30, 0), (40, 0), (27.5, 20)], 0.25),  # nose a quarter of the eye distance aside
        ([(0, 0), (0, 0), (0, 0), (0, 0), (5, 5)], 0.5),  # no eye distance: treated as no usable pose
    ],
)
def test_yaw_is_the_noses_offset_in_eye_distances(points, yaw):
    assert yaw_of(np.array(points, float)) == pytest.approx(yaw, abs=1e-9)


def test_the_score_multiplies_size_sharpness_and_frontality():
    assert FaceQuality(200, 1000, 0.0).score == 1.0
    assert FaceQuality(50, 1000, 0.0).score == pytest.approx(0.5)
    assert FaceQuality(200, 1000, 0.5).score == 0.0
