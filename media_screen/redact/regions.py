"""Regions to obscure, and the three irreversible ways of obscuring them.

A face becomes an ellipse around its box scaled by 1.3 (the face's outline,
hair line and chin included). Text and insignia become their quadrilateral
(evidence "quad" from the detector), grown into a rotated rectangle with a
margin; anything else is its box plus the margin.

Irreversibility, per style:
- fill: the pixels are replaced by black; nothing of the region survives.
- pixelate: at most 6 blocks across the region's longer side, each block's mean
  shifted by random noise before it is drawn; what survives is a 6x6 (or
  coarser) noisy average, too little to recognise or un-mosaic a face or read text.
  (At 8 blocks CenterFace still found 11 of 49 pixelated eval faces at score >= 0.5;
  at 6 blocks, 1.)
- blur: "blur over a fill": the region is first replaced by the mean colour of
  the ring around it and only then blurred (kernel wider than the region) with
  noise added, so no pixel of the region itself reaches the output; a
  deconvolution has nothing to recover.

After pixelate or blur the picture is searched again (`obscure_checked`): whatever a
detector still recognises through the mosaic is filled. A detection marked FILL_FLAG (the
re-scan of an earlier copy saw it through the chosen style) is filled from the start.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from media_screen.model import Box, Detection, DetectionKind
from media_screen.redact.options import RedactOptions, RedactStyle

PIXELATE_MAX_BLOCKS = 6
PIXELATE_NOISE = 24  # +- this much per block and channel
BLUR_NOISE = 6
FILL_COLOUR = (0, 0, 0)
FILL_FLAG = "redact_fill"  # evidence mark: a detector saw this object through the chosen style; fill it

QUAD_KINDS = frozenset(
    {
        DetectionKind.POLICE_TEXT,
        DetectionKind.IDENTIFYING_TEXT,
        DetectionKind.INVESTIGATION_TEXT,
        DetectionKind.CONFIDENTIAL_TEXT,
        DetectionKind.TEXT,
        DetectionKind.PLATE,
        DetectionKind.INSIGNIA,
        DetectionKind.BADGE,
        DetectionKind.PATCH,
    }
)
QUAD_EVIDENCE_KEYS = ("quad", "polygon", "points")


class Shape(str, enum.Enum):
    ELLIPSE = "ellipse"
    POLYGON = "polygon"
    BOX = "box"


@dataclass(frozen=True)
class Region:
    """One area to obscure, in pixel coordinates of the upright frame."""

    kind: DetectionKind
    shape: Shape
    points: tuple[tuple[float, float], ...]  # polygon corners; ellipse and box: two opposite corners
    score: float
    detector: str

    @property
    def bounds(self) -> Box:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return Box(min(xs), min(ys), max(xs), max(ys))

    def draw(self, mask: np.ndarray, value: int = 255) -> None:
        """Paint the region into a single-channel mask (hard edges, rounded outward)."""
        if self.shape == Shape.ELLIPSE:
            bounds = self.bounds
            cx, cy = bounds.center
            axes = (math.ceil(bounds.width / 2), math.ceil(bounds.height / 2))
            cv2.ellipse(mask, (round(cx), round(cy)), axes, 0, 0, 360, value, thickness=-1, lineType=cv2.LINE_8)
        elif self.shape == Shape.BOX:
            b = self.bounds
            x1, y1 = max(math.floor(b.x1), 0), max(math.floor(b.y1), 0)
            x2, y2 = max(math.ceil(b.x2), 0), max(math.ceil(b.y2), 0)  # a negative end would wrap around
            mask[y1:y2, x1:x2] = value
        else:
            cx, cy = self.bounds.center
            corners = np.array(
                [[_outward(x, cx), _outward(y, cy)] for x, y in self.points], dtype=np.int32
            )
            cv2.fillPoly(mask, [corners], value, lineType=cv2.LINE_8)


def _outward(value: float, centre: float) -> int:
    """Round a corner coordinate away from the centre, so the drawn polygon never shrinks."""
    return math.floor(value) if value < centre else math.ceil(value)


def _quad_of(detection: Detection) -> np.ndarray | None:
    for key in QUAD_EVIDENCE_KEYS:
        value = detection.evidence.get(key)
        if value is None:
            continue
        try:
            points = np.asarray(value, dtype=np.float32).reshape(-1, 2)
        except (TypeError, ValueError):
            continue
        if len(points) >= 3 and np.isfinite(points).all():
            return points
    return None


def region_for(detection: Detection, options: RedactOptions) -> Region:
    """The area to obscure for one detection, margin included (may reach outside the frame)."""
    if detection.kind in (DetectionKind.FACE, DetectionKind.PROTECTED_PERSON):  # a recognised face is a face
        grown = detection.box.scaled(options.face_scale)
        return Region(detection.kind, Shape.ELLIPSE, corner_pair(grown), detection.score, detection.detector)
    quad = _quad_of(detection) if detection.kind in QUAD_KINDS else None
    if quad is not None:
        (cx, cy), (w, h), angle = cv2.minAreaRect(quad)
        pad = max(options.margin_px, options.margin * min(w, h))
        corners = cv2.boxPoints(((cx, cy), (w + 2 * pad, h + 2 * pad), angle))
        points = tuple((float(x), float(y)) for x, y in corners)
        return Region(detection.kind, Shape.POLYGON, points, detection.score, detection.detector)
    box = detection.box
    pad = max(options.margin_px, options.margin * min(box.width, box.height))
    grown = Box(box.x1 - pad, box.y1 - pad, box.x2 + pad, box.y2 + pad)
    return Region(detection.kind, Shape.BOX, corner_pair(grown), detection.score, detection.detector)


def corner_pair(box: Box) -> tuple[tuple[float, float], tuple[float, float]]:
    return (float(box.x1), float(box.y1)), (float(box.x2), float(box.y2))


def mask_of(regions: list[Region] | tuple[Region, ...], height: int, width: int) -> np.ndarray:
    mask = np.zeros((height, width), dtype=np.uint8)
    for region in regions:
        region.draw(mask)
    return mask


def obscure(
    pixels: np.ndarray,
    regions: list[Region] | tuple[Region, ...],
    style: RedactStyle,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A copy of `pixels` (H x W x 3 uint8) with every region obscured, and the union mask drawn."""
    out = pixels.copy()
    height, width = out.shape[:2]
    union = np.zeros((height, width), dtype=np.uint8)
    rng = rng or np.random.default_rng()  # seeded from the OS: the noise cannot be replayed
    for region in regions:
        mask = np.zeros((height, width), dtype=np.uint8)
        region.draw(mask)
        rect = _mask_rect(mask)
        if rect is None:
            continue  # entirely outside the frame
        if style == RedactStyle.FILL:
            out[mask > 0] = FILL_COLOUR
        elif style == RedactStyle.PIXELATE:
            _pixelate(out, mask, rect, rng)
        else:
            _blur_over_fill(out, mask, rect, rng)
        union |= mask
    return out, union


def _mask_rect(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    x, y, w, h = cv2.boundingRect(mask)
    return None if w == 0 or h == 0 else (x, y, x + w, y + h)


def _pixelate(
    out: np.ndarray, mask: np.ndarray, rect: tuple[int, int, int, int], rng: np.random.Generator
) -> None:
    x1, y1, x2, y2 = rect
    patch = out[y1:y2, x1:x2]
    h, w = patch.shape[:2]
    block = max(2, math.ceil(max(w, h) / PIXELATE_MAX_BLOCKS))
    small_w, small_h = max(1, math.ceil(w / block)), max(1, math.ceil(h / block))
    small = cv2.resize(patch, (small_w, small_h), interpolation=cv2.INTER_AREA).astype(np.int16)
    small += rng.integers(-PIXELATE_NOISE, PIXELATE_NOISE + 1, size=small.shape, dtype=np.int16)
    small = np.clip(small, 0, 255).astype(np.uint8)
    blocks = np.repeat(np.repeat(small, block, axis=0), block, axis=1)[:h, :w]
    inside = mask[y1:y2, x1:x2] > 0
    patch[inside] = blocks[inside]


def _blur_over_fill(
    out: np.ndarray, mask: np.ndarray, rect: tuple[int, int, int, int], rng: np.random.Generator
) -> None:
    x1, y1, x2, y2 = rect
    height, width = out.shape[:2]
    size = max(x2 - x1, y2 - y1)
    pad = max(4, size // 2)
    ex1, ey1, ex2, ey2 = max(0, x1 - pad), max(0, y1 - pad), min(width, x2 + pad), min(height, y2 + pad)
    area = out[ey1:ey2, ex1:ex2].astype(np.float32)
    inside = mask[ey1:ey2, ex1:ex2] > 0
    ring = area[~inside]
    fill = ring.mean(axis=0) if len(ring) else np.full(3, 128.0, dtype=np.float32)
    area[inside] = fill  # nothing of the region itself goes into the blur
    sigma = max(2.0, size / 3.0)
    blurred = cv2.GaussianBlur(area, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)
    blurred += rng.normal(0.0, BLUR_NOISE / 2, size=blurred.shape).astype(np.float32)
    target = out[ey1:ey2, ex1:ex2]
    target[inside] = np.clip(blurred[inside], 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Obscured:
    """One detection as it was obscured: its region and the style finally used on it."""

    detection: Detection
    region: Region
    style: RedactStyle


def obscure_checked(
    pixels: np.ndarray,
    detections: list[Detection] | tuple[Detection, ...],
    options: RedactOptions,
    detect: Callable[[np.ndarray], list[Detection]],
    rounds: int = 4,
    view: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, list[Obscured]]:
    """Obscure `detections` in the chosen style, then look again: whatever `detect` still finds
    (a face a detector recognises through a mosaic) is filled: the region it was found in, and its own.

    `detect` returns the selected detections in an image; `view` turns the obscured pixels into
    what a later re-scan will see (e.g. an encode / decode round trip). Fill cannot be seen
    through, so after at most `rounds` checks nothing the detector finds is left unfilled. With no
    detections at all, the check still runs: re-encoding alone can lift an object over a threshold.
    """
    style = options.effective_style
    done = [Obscured(d, region_for(d, options), RedactStyle.FILL if d.evidence.get(FILL_FLAG) else style)
            for d in detections]
    out, _ = obscure(pixels, [o.region for o in done if o.style == style], style)
    out, _ = obscure(out, [o.region for o in done if o.style != style], RedactStyle.FILL)
    for _ in range(rounds):
        seen = detect(view(out) if view else out)
        if not seen:
            break
        to_fill: list[Region] = []
        for found in seen:
            region = region_for(found, options)
            overlapped = [i for i, o in enumerate(done)
                          if o.style != RedactStyle.FILL and seen_through(o.region.bounds, found)]
            for i in overlapped:
                done[i] = Obscured(done[i].detection, done[i].region, RedactStyle.FILL)
                to_fill.append(done[i].region)
            if not overlapped:
                done.append(Obscured(found, region, RedactStyle.FILL))
            to_fill.append(region)
        out, _ = obscure(out, to_fill, RedactStyle.FILL)
    return out, done


def seen_through(bounds: Box, detection: Detection) -> bool:
    """A still's rule for an object found again after masking: its centre lies in a mask's bounds, so the
    detector saw that mask's object through it. (Video's rule, `video._under_mask`, asks for most of the box,
    since a finding about a whole scene has its centre in whatever mask covers the frame's middle; in a still
    the object found again is always masked too, so the centre is enough.)"""
    return bounds.contains(detection.box.center)
