"""Reuse what the detectors found on a sampled video frame for the next samples that look the same.

Most video is still for seconds at a time: a talking head, a parked car, a document held to the
camera. Sampled once a second, such a shot gives frames the detectors would answer identically,
at the cost of a full run each (faces, OCR and the rest: about a second per 1080p frame here).

Each sampled frame is reduced to the mean colour (blue, green, red) of each cell of a grid GRID_WIDTH
cells across (a cell is 48 x 48 pixels of a 1080p frame). A frame counts as unchanged when no cell's
mean moved by more than MAX_CELL_CHANGE levels in any channel from the last frame the
detectors actually ran on, and that run is at most MAX_REUSE_S old. A 24 px face appearing in an
otherwise still shot moves its cell by a quarter of its contrast with the background: over the limit
from 24 levels of contrast; a fainter change is analysed at the latest MAX_REUSE_S after the last run.
Compression noise in a still shot moves cells by one or two levels.
Screening only: redaction masks every frame (redact/video.py) and does not use this.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

from media_screen.model import Detection

GRID_WIDTH = 40  # cells across the frame
MIN_CELL_PX = 8  # fewer cells in small frames, where single pixels are mostly compression noise
MAX_CELL_CHANGE = 6.0  # levels (0..255) of one channel of a cell's mean colour
MAX_REUSE_S = 5.0  # detections are reused for at most this long after the run that found them


@dataclass
class ChangeGate:
    """Remembers the last analysed frame; says whether a new one may reuse its detections."""

    analysed_at_s: float | None = None
    cells: np.ndarray | None = None  # cell means of the last analysed frame
    detections: tuple[Detection, ...] = ()
    reused: int = 0  # frames whose detections were reused
    _candidate: np.ndarray | None = None  # cell means of the frame last asked about

    def reusable(self, pixels: np.ndarray, time_s: float) -> tuple[Detection, ...] | None:
        """The earlier detections re-timed to `time_s` when the frame is unchanged, else None."""
        cells = self._candidate = cell_means(pixels)
        if (
            self.cells is not None
            and self.cells.shape == cells.shape
            and time_s - (self.analysed_at_s or 0.0) <= MAX_REUSE_S
            and float(np.abs(cells - self.cells).max()) <= MAX_CELL_CHANGE
        ):
            self.reused += 1
            at = round(time_s, 3)
            return tuple(dataclasses.replace(d, time_s=at, end_s=at) for d in self.detections)
        return None

    def remember(self, time_s: float, detections: tuple[Detection, ...]) -> None:
        """The detectors ran on the frame last passed to `reusable`."""
        self.analysed_at_s, self.cells, self.detections = time_s, self._candidate, detections


def cell_means(pixels: np.ndarray) -> np.ndarray:
    """Mean colour of each cell of a grid GRID_WIDTH cells across (square cells, at least MIN_CELL_PX);
    colour, not grey, so that a change of hue at equal brightness (red on grey-blue) counts."""
    height, width = pixels.shape[:2]
    columns = max(1, min(GRID_WIDTH, width // MIN_CELL_PX))
    rows = max(1, round(columns * height / width))
    return cv2.resize(pixels, (columns, rows), interpolation=cv2.INTER_AREA).astype(np.float32)  # area: mean
