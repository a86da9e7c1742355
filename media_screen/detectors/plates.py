"""Licence plates found as regions first, then read from a close-up of their characters.

The text detector's OCR reads a plate only when its line finder picks the plate out as a
line, and its plate rule (letters and digits mixed) cannot tell a vanity plate ("GWAGEN")
or an all-digit plate ("1049338") from a word or a number on a sign. This stage adds
the plate's *shape* as evidence:

1. Rectangle-and-contrast proposals: the frame is thresholded against its local mean at
   three block sizes, both polarities; a contour whose bounding box is 1.7-6 times as wide
   as high, fills at least 0.75 of its rotated rectangle and lies within 15 degrees of
   level is a candidate rectangle.
2. Character-like blobs inside it: the rectangle is binarised (Otsu, both polarities) and
   its connected components that are 25-90 % of its height, no wider than tall, and of one
   height and on one row are counted. A plate has 4-10 of them; the row they span is where
   its characters are.
3. The row is read with the OCR's recogniser alone, from full-resolution pixels scaled to
   the recogniser's input height (so a small plate is read upscaled).

A reading counts as a plate when it has as many characters as the region has blobs (one
more or fewer: a broken or a joined character), and either passes the text rules' plate
rule or is 5-8 upper-case letters or digits with no word of `not_words` in it. Signs and
documents rarely pass all three: a word on a sign is seldom in a closed rectangle by
itself, and a line of lower-case text is never a plate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

from media_screen.detectors import ocr
from media_screen.detectors.text_rules import PlateRule, plate_candidates
from media_screen.model import Box

PROPOSAL_MAX_SIDE = 1280  # rectangles are looked for on a copy at most this big
MAX_REGIONS = 6  # plate regions read per frame, largest first
_BLOCK_SIZES = (15, 31, 61)  # local-mean threshold windows, copy pixels
_OFFSET = -5  # grey levels beyond the local mean that count as foreground
_ASPECT = (1.7, 6.0)  # plate width / height: US 2:1, Brazil 3.1:1, EU 4.5:1
_MIN_SIZE = (30, 10)  # smallest rectangle, copy pixels
_MAX_FRACTION = (0.6, 0.4)  # largest rectangle, of the copy's width and height
_MIN_FILL = 0.75  # contour area / its rotated rectangle's area
_MAX_TILT = 15.0  # degrees from level
_BLOBS = (4, 10)  # character-like blobs a plate holds
_SAME_PLACE_IOU = 0.5
_SEPARATORS = re.compile(r"[\s\-·.•:]")


@dataclass(frozen=True)
class PlateRegion:
    """A rectangle that looks like a plate: its box and the row of character-like blobs inside it."""

    box: Box
    characters: Box
    blobs: int


@dataclass(frozen=True)
class PlateReading:
    """What a plate region reads: the recogniser's text, the plate string taken from it, its confidence."""

    region: PlateRegion
    text: str
    plate: str
    score: float


def plate_regions(pixels: np.ndarray, max_regions: int = MAX_REGIONS) -> tuple[PlateRegion, ...]:
    """Plate-like rectangles with a row of characters, largest first, one per place."""
    if pixels.ndim != 3 or min(pixels.shape[:2]) < 16:
        return ()
    gray = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)
    regions = []
    for box in _rectangles(gray):
        crop = gray[int(box.y1) : int(box.y2), int(box.x1) : int(box.x2)]
        row = _character_row(crop)
        if row is not None:
            count, (x1, y1, x2, y2) = row
            characters = Box(box.x1 + x1, box.y1 + y1, box.x1 + x2, box.y1 + y2)
            regions.append(PlateRegion(box, characters, count))
    kept: list[PlateRegion] = []
    for region in sorted(regions, key=lambda r: -r.box.area):
        if all(region.box.iou(other.box) < _SAME_PLACE_IOU for other in kept):
            kept.append(region)
    return tuple(kept[:max_regions])


def read_plates(engine: ocr.OcrEngine, pixels: np.ndarray, rule: PlateRule,
                max_regions: int = MAX_REGIONS) -> tuple[PlateReading, ...]:
    """Every plate region whose close-up reads as a plate."""
    readings = []
    for region in plate_regions(pixels, max_regions):
        text, score = engine.read_line(_row_crop(pixels, region.characters))
        plate = plate_string_of(text, region.blobs, rule)
        if plate and score >= engine.min_score:
            readings.append(PlateReading(region, text, plate, score))
    return tuple(readings)


def plate_string_of(text: str, blobs: int, rule: PlateRule) -> str | None:
    """The plate a region's reading holds, or None: length within one of the blob count, and either the
    text rules' plate (letters and digits mixed) or 5-8 upper-case letters or digits alone."""
    body = _SEPARATORS.sub("", text)
    if not body or abs(len(body) - blobs) > 1 or len(text) - len(body) > 2:
        return None
    candidates = plate_candidates(text, rule)
    if candidates:
        return max(candidates, key=len)
    if not (body.isascii() and all(c.isdigit() or c.isupper() for c in body)):
        return None  # lower case, other symbols
    if not rule.min_chars <= len(body) <= rule.max_chars:
        return None
    if any(run in rule.not_words for run in re.findall("[A-Z]+", text)):
        return None
    return body


def _rectangles(gray: np.ndarray) -> list[Box]:
    """Candidate plate rectangles in frame pixels (found on a copy at most PROPOSAL_MAX_SIDE)."""
    scale = min(1.0, PROPOSAL_MAX_SIDE / max(gray.shape))
    small = gray if scale >= 1.0 else cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    height, width = small.shape
    boxes = []
    for block in _BLOCK_SIZES:
        for polarity in (cv2.THRESH_BINARY, cv2.THRESH_BINARY_INV):
            binary = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, polarity, block, _OFFSET)
            contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
            for contour in contours:
                x, y, w, h = cv2.boundingRect(contour)
                if w < _MIN_SIZE[0] or h < _MIN_SIZE[1]:
                    continue
                if w > _MAX_FRACTION[0] * width or h > _MAX_FRACTION[1] * height:
                    continue
                if not _ASPECT[0] <= w / h <= _ASPECT[1]:
                    continue
                (_, _), (side_a, side_b), angle = cv2.minAreaRect(contour)
                if side_a * side_b <= 0 or cv2.contourArea(contour) / (side_a * side_b) < _MIN_FILL:
                    continue
                if abs((angle + 45) % 90 - 45) > _MAX_TILT:
                    continue
                boxes.append(Box(x / scale, y / scale, (x + w) / scale, (y + h) / scale))
    return boxes


def _character_row(crop: np.ndarray) -> tuple[int, tuple[int, int, int, int]] | None:
    """The longest row of character-like blobs in a grey crop: (count, x1, y1, x2, y2), or None."""
    height = crop.shape[0]
    if crop.size == 0 or height < 8:
        return None
    best: list[np.ndarray] = []
    for polarity in (cv2.THRESH_BINARY, cv2.THRESH_BINARY_INV):
        _, binary = cv2.threshold(crop, 0, 255, polarity | cv2.THRESH_OTSU)
        _, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
        blobs = [s for s in stats[1:] if 0.25 * height <= s[3] <= 0.9 * height
                 and 0.05 * s[3] <= s[2] <= 1.2 * s[3] and s[4] >= 0.15 * s[2] * s[3]]
        if len(blobs) < 3:
            continue
        typical = float(np.median([s[3] for s in blobs]))
        blobs = [s for s in blobs if abs(s[3] - typical) <= 0.25 * typical]  # one character height
        if not blobs:
            continue
        middle = float(np.median([s[1] + s[3] / 2 for s in blobs]))
        blobs = [s for s in blobs if abs(s[1] + s[3] / 2 - middle) <= 0.3 * typical]  # on one row
        if len(blobs) > len(best):
            best = blobs
    if not _BLOBS[0] <= len(best) <= _BLOBS[1]:
        return None
    x1 = min(int(s[0]) for s in best)
    y1 = min(int(s[1]) for s in best)
    x2 = max(int(s[0] + s[2]) for s in best)
    y2 = max(int(s[1] + s[3]) for s in best)
    return len(best), (x1, y1, x2, y2)


def _row_crop(pixels: np.ndarray, characters: Box) -> np.ndarray:
    """The character row with a margin (0.3 of its height each side, 0.2 above and below)."""
    height, width = pixels.shape[:2]
    margin = characters.height
    x1 = int(max(0, characters.x1 - 0.3 * margin))
    y1 = int(max(0, characters.y1 - 0.2 * margin))
    x2 = int(min(width, characters.x2 + 0.3 * margin))
    y2 = int(min(height, characters.y2 + 0.2 * margin))
    return pixels[y1:y2, x1:x2]
