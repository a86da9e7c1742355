"""The roof light-bar cue: a saturated red lamp and a saturated blue lamp side by side, above a vehicle-like region.

Works on a copy scaled to at most `work_side` pixels, in HSV. Red and blue pixels are
grouped into blobs; a red blob and a blue blob form a light bar when they sit at the same
height, close together, of similar height, and make a wider-than-tall bar that is small
in the frame. What lies below the bar must not be red itself (a fire engine's body with a
blue beacon on it) and there must be room below it for a vehicle.

These gates were set by looking at the development half of the police evaluation set
(../shared/eval/police); they are deliberately strict, because red and blue things side by
side are common (flags, clothes, tail lights).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from media_screen.model import Box

WORK_SIDE = 480
MIN_SATURATION = 120
MIN_VALUE_RED, MIN_VALUE_BLUE = 110, 90
RED_HUES = (8, 170)  # OpenCV hue 0..180: red is <= 8 or >= 170
BLUE_HUES = (100, 128)
MIN_BLOB_FRACTION, MAX_BLOB_FRACTION = 2e-5, 0.01  # of the frame area
MAX_CENTRE_OFFSET = 0.6  # vertical offset of the lamps' centres, in lamp heights
MAX_GAP = 2.0  # horizontal gap between the lamps, in lamp heights
MAX_HEIGHT_RATIO = 2.5
MIN_ASPECT = 1.2  # bar width / height
MAX_WIDTH_FRACTION = 0.4  # of the frame width
MIN_FILL = 0.12  # lamp pixels / bar box
MAX_RED_BELOW = 0.08  # red fraction of the region below the bar (a red body is a fire engine)


@dataclass(frozen=True)
class LightBar:
    box: Box  # the bar, frame pixels
    vehicle: Box  # the region below it where the vehicle should be, frame pixels
    red: Box
    blue: Box


def find_light_bars(pixels: np.ndarray) -> list[LightBar]:
    """Every red/blue lamp pair that passes the gates, strongest (widest) first."""
    height, width = pixels.shape[:2]
    scale = min(1.0, WORK_SIDE / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # a 1-pixel strip stays 1 pixel, not 0
    small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA) if scale < 1 else pixels
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    red = ((hue <= RED_HUES[0]) | (hue >= RED_HUES[1])) & (sat >= MIN_SATURATION) & (val >= MIN_VALUE_RED)
    blue = (hue >= BLUE_HUES[0]) & (hue <= BLUE_HUES[1]) & (sat >= MIN_SATURATION) & (val >= MIN_VALUE_BLUE)
    area = small.shape[0] * small.shape[1]
    red_blobs, blue_blobs = _blobs(red, area), _blobs(blue, area)
    bars = []
    for r in red_blobs:
        for b in blue_blobs:
            bar = _pair(r, b, red, small.shape)
            if bar is not None:
                bars.append(bar)
    bars.sort(key=lambda pair: -(pair[0][2] - pair[0][0]))
    return [_to_frame(bar, 1.0 / scale, width, height) for bar in _distinct(bars)]


def _blobs(mask: np.ndarray, area: int) -> list[tuple[int, int, int, int, int]]:
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    low, high = max(3.0, area * MIN_BLOB_FRACTION), area * MAX_BLOB_FRACTION
    return [tuple(int(v) for v in stats[i]) for i in range(1, count) if low <= stats[i][4] <= high]


def _pair(r, b, red_mask: np.ndarray, shape):
    (rx, ry, rw, rh, ra), (bx, by, bw, bh, ba) = r, b
    tall = max(rh, bh)
    if abs((ry + rh / 2) - (by + bh / 2)) > MAX_CENTRE_OFFSET * tall:
        return None
    if max(rx, bx) - min(rx + rw, bx + bw) > MAX_GAP * tall or tall > MAX_HEIGHT_RATIO * max(1, min(rh, bh)):
        return None
    x1, y1, x2, y2 = min(rx, bx), min(ry, by), max(rx + rw, bx + bw), max(ry + rh, by + bh)
    bar_w, bar_h = x2 - x1, y2 - y1
    frame_h, frame_w = shape[:2]
    if bar_w < MIN_ASPECT * bar_h or bar_w > MAX_WIDTH_FRACTION * frame_w or (ra + ba) < MIN_FILL * bar_w * bar_h:
        return None
    below = (max(0, int(x1 - bar_w)), y2, min(frame_w, int(x2 + bar_w)), min(frame_h, int(y2 + 2 * bar_w)))
    if below[3] - below[1] < max(3, bar_w // 2):  # no room for a vehicle below
        return None
    if red_mask[below[1] : below[3], below[0] : below[2]].mean() > MAX_RED_BELOW:
        return None
    return (x1, y1, x2, y2), below, (rx, ry, rx + rw, ry + rh), (bx, by, bx + bw, by + bh)


def _distinct(bars: list) -> list:
    kept: list = []
    for bar in bars:
        if not any(_overlaps(bar[0], other[0]) for other in kept):
            kept.append(bar)
    return kept


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _to_frame(bar, factor: float, width: int, height: int) -> LightBar:
    def box(corners) -> Box:
        return Box(*(float(v) * factor for v in corners)).clip(width, height)

    return LightBar(box(bar[0]), box(bar[1]), box(bar[2]), box(bar[3]))
