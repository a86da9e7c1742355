"""Look again only where a frame was obscured: detectors run on crops around the regions, not the whole frame.

After a video frame's regions are pixelated or blurred, the redactor checks that no detector still
sees the object through them (regions.obscure_checked). Only those regions changed: everything
else is the frame the detectors already saw, and what they found there was already selected (the
check's threshold is above the selection's). So the check needs to look near the regions, with
enough context for the detector (CONTEXT object sizes on each side, at least MIN_CROP_PX), not at
the whole frame; on a 640x360 clip with a few people that is a few small crops instead of a second
full-frame run. Crops that overlap are merged; when they would cover most of the frame anyway, the
whole frame is checked.

A crop that holds only faces is also shrunk so its smallest face is CHECK_FACE_PX tall: a pixelated
face is at most 6 x 6 blocks (regions.PIXELATE_MAX_BLOCKS) and a blurred one has no detail finer than
a third of its size, so a bigger picture of it carries nothing more for the detector to recognise,
and CenterFace is at home with 64 px faces. Other kinds (text, marks) are checked at full resolution.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import cv2
import numpy as np

from media_screen.model import Box, Detection, DetectionKind
from media_screen.overlap import merge_overlapping
from media_screen.redact.regions import QUAD_EVIDENCE_KEYS

CONTEXT = 1.0  # object sizes of context on each side of an obscured box
MIN_CROP_PX = 64
CHECK_FACE_PX = 64
WHOLE_FRAME_SHARE = 0.9  # crops covering more than this share of the frame: check the whole frame
POINT_EVIDENCE_KEYS = ("landmarks", *QUAD_EVIDENCE_KEYS)  # evidence holding frame coordinates

Crop = tuple[int, int, int, int]  # left, top, right, bottom


def detect_near(
    image: np.ndarray, obscured: Sequence[Detection], detect: Callable[[np.ndarray], list[Detection]]
) -> list[Detection]:
    """`detect` run on crops of `image` around the `obscured` detections; results in `image` pixels."""
    height, width = image.shape[:2]
    crops = merged([crop_around(d.box, width, height) for d in obscured])
    if not crops or sum((r - l) * (b - t) for l, t, r, b in crops) > WHOLE_FRAME_SHARE * width * height:
        crops = [(0, 0, width, height)]
    found: list[Detection] = []
    for crop in crops:
        left, top, right, bottom = crop
        piece = image[top:bottom, left:right]
        scale = check_scale(crop, obscured)
        if scale < 1.0:
            piece = cv2.resize(piece, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        found.extend(shifted(d, left, top, scale) for d in detect(np.ascontiguousarray(piece)))
    return found


def check_scale(crop: Crop, obscured: Sequence[Detection]) -> float:
    """How much a crop may shrink: so that its smallest face is CHECK_FACE_PX tall, when it holds only faces."""
    left, top, right, bottom = crop
    bounds = Box(left, top, right, bottom)
    inside = [d for d in obscured if bounds.contains(d.box.center)]
    if not inside or any(d.kind not in (DetectionKind.FACE, DetectionKind.PROTECTED_PERSON) for d in inside):
        return 1.0
    smallest = min(max(d.box.width, d.box.height) for d in inside)
    return min(1.0, CHECK_FACE_PX / max(smallest, 1.0))


def crop_around(box: Box, width: int, height: int) -> Crop:
    pad = max(CONTEXT * max(box.width, box.height), (MIN_CROP_PX - min(box.width, box.height)) / 2, 0.0)
    return (max(0, int(box.x1 - pad)), max(0, int(box.y1 - pad)),
            min(width, int(box.x2 + pad) + 1), min(height, int(box.y2 + pad) + 1))


def merged(crops: list[Crop]) -> list[Crop]:
    """Overlapping crops joined into their bounding rectangles, until none overlap."""
    return merge_overlapping(
        [c for c in crops if c[2] > c[0] and c[3] > c[1]],
        lambda a, b: a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3],
        lambda a, b: (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])),
    )


def shifted(detection: Detection, dx: float, dy: float, scale: float = 1.0) -> Detection:
    """A detection found in a crop (shrunk by `scale`), moved into the coordinates of the image the crop
    was cut from."""
    box = detection.box
    evidence = dict(detection.evidence)
    for key in POINT_EVIDENCE_KEYS:
        if key in evidence:
            try:
                points = np.asarray(evidence[key], dtype=np.float64).reshape(-1, 2)
            except (TypeError, ValueError):  # not points after all: no wrong coordinates left behind
                del evidence[key]
                continue
            evidence[key] = tuple((float(x) / scale + dx, float(y) / scale + dy) for x, y in points)
    moved = Box(box.x1 / scale + dx, box.y1 / scale + dy, box.x2 / scale + dx, box.y2 / scale + dy)
    return dataclasses.replace(detection, box=moved, evidence=evidence)
