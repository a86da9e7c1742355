"""The published size: the picture a platform shows, and mapping what was found in it back to the original.

No platform shows a 4000x3000 original (`--publish`, the profile's [publish] table): photos and video
frames are analysed at the long side the platform serves, never enlarged. A JPEG is decoded straight
to about that size by DCT scaling (Pillow's `draft`: 1/2, 1/4 or 1/8 of the coded size, at a fraction
of a full decode's cost) and then resized exactly; other formats are decoded and resized. Detectors
see only the published picture; their boxes are mapped back to original pixels, which is what the
data model promises (model.Box).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping

import numpy as np

from media_screen.model import Box, Detection

# DCT scaling may stop this much short of the published long side; the exact resize then enlarges by at
# most 1 / (1 - DRAFT_SHORTFALL). A 4032 px phone photo decodes at 1/2 (2016 px) for a 2048 px target.
DRAFT_SHORTFALL = 0.1
DCT_REDUCTIONS = (8, 4, 2)
# Evidence values that hold frame pixels: points and boxes, mapped back with the detection's box.
_POINT_EVIDENCE = ("landmarks", "quad")
_BOX_EVIDENCE = ("light_bar", "boxes")


def published_size(width: int, height: int, long_side: int | None) -> tuple[int, int]:
    """(width, height) shown by a platform whose long side is `long_side` (None: the original); never larger."""
    if long_side is None or max(width, height) <= long_side:
        return width, height
    scale = long_side / max(width, height)
    if width >= height:
        return long_side, max(1, round(height * scale))
    return max(1, round(width * scale)), long_side


def dct_reduction(width: int, height: int, long_side: int | None) -> int:
    """The largest JPEG DCT reduction (8, 4, 2; 1 for none) that keeps the long side near `long_side`."""
    if long_side is None:
        return 1
    for reduction in DCT_REDUCTIONS:
        if max(width, height) // reduction >= long_side * (1 - DRAFT_SHORTFALL):
            return reduction
    return 1


def resize_to(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`pixels` resized to (width, height): area averaging to shrink (as platforms do), cubic to enlarge."""
    width, height = size
    if (pixels.shape[1], pixels.shape[0]) == (width, height):
        return pixels
    import cv2  # here: a metadata-only sweep never resizes and need not import OpenCV

    shrinking = width * height < pixels.shape[0] * pixels.shape[1]
    return cv2.resize(pixels, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def to_original(
    detections: Iterable[Detection], analysed: tuple[int, int], original: tuple[int, int]
) -> tuple[Detection, ...]:
    """Detections in the analysed picture's pixels -> the original's (boxes, and the points and boxes in
    their evidence); unchanged when the two sizes are equal."""
    detections = tuple(detections)
    if analysed == original or not detections:
        return detections
    scale_x, scale_y = original[0] / analysed[0], original[1] / analysed[1]
    return tuple(_scaled(d, scale_x, scale_y, original) for d in detections)


def _scaled(detection: Detection, scale_x: float, scale_y: float, original: tuple[int, int]) -> Detection:
    box = detection.box
    scaled = Box(box.x1 * scale_x, box.y1 * scale_y, box.x2 * scale_x, box.y2 * scale_y).clip(*original)
    return dataclasses.replace(detection, box=scaled, evidence=_scaled_evidence(detection.evidence, scale_x, scale_y))


def _scaled_evidence(evidence: Mapping[str, Any], scale_x: float, scale_y: float) -> Mapping[str, Any]:
    if not any(key in evidence for key in (*_POINT_EVIDENCE, *_BOX_EVIDENCE)):
        return evidence
    scaled = dict(evidence)
    for key in _POINT_EVIDENCE:
        if key in scaled:
            scaled[key] = type(scaled[key])(
                type(point)((round(point[0] * scale_x, 1), round(point[1] * scale_y, 1))) for point in scaled[key]
            )
    for key in _BOX_EVIDENCE:
        if key in scaled:
            scaled[key] = type(scaled[key])(
                type(b)((round(b[0] * scale_x, 1), round(b[1] * scale_y, 1), round(b[2] * scale_x, 1),
                         round(b[3] * scale_y, 1))) for b in scaled[key]
            )
    return scaled
