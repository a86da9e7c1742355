"""Regions to obscure and the three styles (media_screen/redact/regions.py).

Irreversibility is tested as "two pictures that differ inside the region give the same output":
for fill and blur whatever the region held; for pixelate whenever the block averages agree.
"""

from __future__ import annotations

import numpy as np
import pytest

from media_screen.model import Box, Detection, DetectionKind
from media_screen.redact.options import RedactOptions, RedactStyle
from media_screen.redact.regions import PIXELATE_MAX_BLOCKS, Shape, mask_of, obscure, obscure_checked, region_for

OPTIONS = RedactOptions()
OPTIONS_PIXELATE = RedactOptions(style=RedactStyle.PIXELATE)


def detection(kind=DetectionKind.FACE, box=Box(40, 30, 80, 90), **evidence) -> Detection:
    return Detection(kind, kind.value, 0.9, box, "test", evidence=evidence)


def noisy(seed: int, height: int = 120, width: int = 160) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_face_is_an_ellipse_over_the_box_scaled_by_1_3():
    region = region_for(detection(), OPTIONS)
    assert region.shape == Shape.ELLIPSE
    bounds = region.bounds
    assert (bounds.width, bounds.height) == pytest.approx((52, 78))
    assert bounds.center == pytest.approx((60, 60))
    mask = mask_of([region], 120, 160)
    assert mask[60, 60] and mask[60, 35] and not mask[0, 0]
    core = Box(40, 30, 80, 90).scaled(0.9)
    assert mask[int(core.y1) : int(core.y2), int(core.x1) : int(core.x2)].all()


def test_text_is_its_quadrilateral_plus_a_margin():
    quad = [[20, 40], [120, 30], [122, 50], [22, 60]]  # a slanted line of text
    region = region_for(detection(DetectionKind.POLICE_TEXT, Box(20, 30, 122, 60), quad=quad), OPTIONS)
    assert region.shape == Shape.POLYGON and len(region.points) == 4
    mask = mask_of([region], 120, 160)
    for x, y in quad:
        assert mask[min(y, 119), min(x, 159)]  # corners covered
    assert mask[45, 70] and not mask[5, 70] and not mask[100, 70]
    assert (mask > 0).sum() < 0.5 * 120 * 160


def test_box_regions_get_a_margin_and_never_wrap_around_the_frame():
    inside = region_for(detection(DetectionKind.POLICE_VEHICLE, Box(50, 50, 70, 70)), OPTIONS)
    assert inside.shape == Shape.BOX and inside.bounds.x1 < 50 and inside.bounds.x2 > 70
    off_frame = region_for(detection(DetectionKind.POLICE_VEHICLE, Box(-90, -90, -40, -40)), OPTIONS)
    assert mask_of([off_frame], 120, 160).sum() == 0


@pytest.mark.parametrize("style", list(RedactStyle))
def test_every_style_changes_only_the_region(style):
    picture = noisy(1)
    region = region_for(detection(), OPTIONS)
    out, mask = obscure(picture, [region], style)
    assert np.array_equal(out[mask == 0], picture[mask == 0])
    assert np.abs(out[mask > 0].astype(int) - picture[mask > 0]).mean() > 30


@pytest.mark.parametrize("style", [RedactStyle.FILL, RedactStyle.BLUR])
def test_fill_and_blur_keep_nothing_of_what_the_region_held(style):
    # given two pictures that differ only inside the region
    region = region_for(detection(), OPTIONS)
    mask = mask_of([region], 120, 160) > 0
    first, second = noisy(1), noisy(1)
    second[mask] = noisy(2)[mask]
    # when both are obscured (same noise seed)
    a, _ = obscure(first, [region], style, np.random.default_rng(0))
    b, _ = obscure(second, [region], style, np.random.default_rng(0))
    # then the outputs are the same: nothing of the region's content got through
    assert np.array_equal(a, b)


def test_pixelate_leaves_at_most_six_noisy_blocks_across():
    region = region_for(detection(), OPTIONS)
    out, mask = obscure(noisy(1), [region], RedactStyle.PIXELATE)
    ys, xs = np.nonzero(mask)
    middle_row = out[int(ys.mean()), xs.min() : xs.max() + 1]
    changes = int((np.abs(np.diff(middle_row.astype(int), axis=0)).sum(axis=1) > 0).sum())
    assert changes + 1 <= PIXELATE_MAX_BLOCKS + 1  # at most 6 blocks (+1 for the ragged edge block)


def test_pixelate_output_depends_only_on_block_averages():
    # given two pictures that differ by a fine +-40 pattern whose local average is zero
    region = region_for(detection(box=Box(48, 32, 80, 96)), OPTIONS)
    first = np.full((120, 160, 3), 100, np.uint8)
    second = first.copy()
    second[::2, ::2] = 140  # a fine pattern ...
    second[1::2, 1::2] = 60  # ... with the same local average
    a, _ = obscure(first, [region], RedactStyle.PIXELATE, np.random.default_rng(0))
    b, mask = obscure(second, [region], RedactStyle.PIXELATE, np.random.default_rng(0))
    # then the obscured regions are the same but for rounding at block edges: the detail is gone
    assert np.abs(a[mask > 0].astype(int) - b[mask > 0]).max() <= 4


def test_what_a_detector_still_sees_through_the_mosaic_is_filled():
    # given two faces, and a detector that keeps seeing the left one unless it is black
    left, right = detection(box=Box(10, 30, 50, 90)), detection(box=Box(100, 30, 140, 90))

    def detect(image):
        return [left] if image[60, 30].any() else []

    # when both are pixelated and checked
    out, done = obscure_checked(noisy(1), [left, right], OPTIONS_PIXELATE, detect)
    # then the left one is filled, the right one stays pixelated
    assert [o.style for o in done] == [RedactStyle.FILL, RedactStyle.PIXELATE]
    assert not out[60, 30].any() and out[60, 120].any()
