"""Test-only detectors for the rounds of masking and re-scanning (redactor.py, follow.py).

- ShadeDetector finds a red square (BGR frames) as a FACE: pure red scores 0.9, a dull red (about RGB
  170, 40, 40) only 0.3: under the share of the threshold that redaction selects (0.7 x 0.5), over the
  one the redactor follows a re-scanned object down to (0.5 x 0.5). A face that is dull in the frames
  the first pass looks at and bright where the re-scan looks is missed by the first pass.
- StubbornDetector sees a face in the middle of every picture, whatever its pixels: no mask can hide it.
"""

from __future__ import annotations

import numpy as np

from media_screen.detectors.base import DetectorInfo
from media_screen.model import Box, Detection, DetectionKind, Frame

BRIGHT = (255, 0, 0)  # RGB
DULL = (170, 40, 40)


class _Face:
    name = "face_stub"

    @classmethod
    def describe(cls, profile) -> DetectorInfo:
        return DetectorInfo(cls.name, "test only", (DetectionKind.FACE,), "none", "test-1", True)

    @classmethod
    def from_profile(cls, profile):
        return cls()


class ShadeDetector(_Face):
    name = "shade"

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        blue, green, red = (frame.pixels[..., i].astype(int) for i in range(3))
        mask = (red > 130) & (green < 90) & (blue < 90)
        if mask.sum() < 20:
            return ()
        ys, xs = np.nonzero(mask)
        box = Box(float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
        score = 0.9 if red[mask].mean() > 225 else 0.3
        return (Detection(DetectionKind.FACE, "face", score, box, self.name),)


class StubbornDetector(_Face):
    name = "stubborn"

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        w, h = frame.width, frame.height
        return (Detection(DetectionKind.FACE, "face", 0.9, Box(w * 0.4, h * 0.4, w * 0.6, h * 0.6), self.name),)
