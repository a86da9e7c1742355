"""The published size (media_screen/publish.py): target sizes, DCT reductions, boxes mapped back to the original."""

from __future__ import annotations

import numpy as np
import pytest

from media_screen.model import Box, Detection, DetectionKind
from media_screen.publish import dct_reduction, published_size, resize_to, to_original


@pytest.mark.parametrize(
    "size, long_side, expected",
    [
        ((4000, 3000), 2048, (2048, 1536)),  # landscape: the long side is exact
        ((3000, 4000), 1080, (810, 1080)),  # portrait
        ((4032, 3024), 4096, (4032, 3024)),  # smaller than the target: never enlarged
        ((1200, 800), 2048, (1200, 800)),
        ((4000, 3000), None, (4000, 3000)),  # full: the original
        ((20000, 10), 2048, (2048, 1)),  # a sliver keeps at least one pixel
    ],
)
def test_published_size_is_the_long_side_never_enlarged(size, long_side, expected):
    assert published_size(*size, long_side) == expected


@pytest.mark.parametrize(
    "size, long_side, expected",
    [
        ((4000, 3000), 2048, 2),  # 2000 px: within the allowed shortfall of 2048, then resized exactly
        ((4032, 3024), 1080, 4),  # 1008 px for 1080
        ((4000, 3000), 480, 8),
        ((4000, 3000), 4096, 1),  # no reduction keeps enough pixels
        ((1600, 1200), 2048, 1),
        ((4000, 3000), None, 1),
    ],
)
def test_dct_reduction_keeps_the_long_side_near_the_target(size, long_side, expected):
    assert dct_reduction(*size, long_side) == expected


def test_resize_to_gives_the_exact_size_and_keeps_a_frame_of_that_size_as_is():
    pixels = np.zeros((300, 400, 3), np.uint8)
    assert resize_to(pixels, (400, 300)) is pixels
    assert resize_to(pixels, (200, 150)).shape == (150, 200, 3)
    assert resize_to(pixels, (410, 308)).shape == (308, 410, 3)


def test_detections_found_at_the_published_size_are_given_in_original_pixels():
    # given a face and a text line found in a 2048x1536 picture of a 4000x3000 photo
    face = Detection(DetectionKind.FACE, "face", 0.9, Box(100, 200, 150, 260), "faces",
                     evidence={"landmarks": ((110.0, 220.0), (140.0, 220.0))})
    text = Detection(DetectionKind.POLICE_TEXT, "police", 0.8, Box(0, 0, 2048, 100), "text",
                     evidence={"quad": [[0.0, 0.0], [2048.0, 0.0], [2048.0, 100.0], [0.0, 100.0]], "text": "POLICE"})
    # when mapped back to the original
    big_face, big_text = to_original([face, text], (2048, 1536), (4000, 3000))
    # then boxes and the points in their evidence are scaled, the rest is kept
    scale = 4000 / 2048
    assert big_face.box == Box(100 * scale, 200 * scale, 150 * scale, 260 * scale)
    assert big_face.evidence["landmarks"][0] == (round(110 * scale, 1), round(220 * scale, 1))
    assert big_text.box.x2 == 4000 and big_text.evidence["quad"][1] == [4000.0, 0.0]
    assert big_text.evidence["text"] == "POLICE" and big_text.score == 0.8


def test_detections_at_the_original_size_are_returned_unchanged():
    face = Detection(DetectionKind.FACE, "face", 0.9, Box(1, 2, 3, 4), "faces")
    assert to_original([face], (640, 480), (640, 480)) == (face,)
