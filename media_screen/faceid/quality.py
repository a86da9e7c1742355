"""How well a face can be recognised: its size, sharpness and pose, measured on the aligned chip.

Used to pick the one frame of a video track whose face is matched (the best view of that face),
and by bench/eval_faceid.py to measure whether gating out poor faces lowers the false-match rate.
All three are cheap next to the descriptor (no network): the 5 landmarks are already found for
alignment, the sharpness is one Laplacian over the 150 x 150 chip.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FULL_SIZE_PX = 100.0  # faces this tall or taller count as full size (the chip's face is about 100 px)
SHARP_LAPLACIAN = 200.0  # a chip whose Laplacian variance reaches this counts as fully sharp


@dataclass(frozen=True)
class FaceQuality:
    """face_px: the face box's height in frame pixels; sharpness: variance of the Laplacian of the grey
    chip; yaw: the nose's sideways offset from the eyes' midpoint in eye distances (0 frontal, about
    0.5 a half profile)."""

    face_px: float
    sharpness: float
    yaw: float

    @property
    def score(self) -> float:
        """0..1, higher is a better view: size, sharpness and frontality, each capped at 1, multiplied."""
        size = min(1.0, self.face_px / FULL_SIZE_PX)
        sharp = min(1.0, self.sharpness / SHARP_LAPLACIAN)
        frontal = max(0.0, 1.0 - 2.0 * abs(self.yaw))
        return size * sharp * frontal


def yaw_of(points: np.ndarray) -> float:
    """Sideways turn from dlib's 5 landmarks (two corners of each eye, then the base of the nose)."""
    left_eye, right_eye, nose = points[0:2].mean(axis=0), points[2:4].mean(axis=0), points[4]
    axis = right_eye - left_eye
    span = float(axis @ axis)
    if span <= 1e-6:
        return 0.5  # both eyes on one point: no usable pose
    return float((nose - (left_eye + right_eye) / 2) @ axis / span)


def sharpness_of(chip_rgb: np.ndarray) -> float:
    grey = cv2.cvtColor(np.ascontiguousarray(chip_rgb), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def measure(chip_rgb: np.ndarray, points: np.ndarray, face_px: float) -> FaceQuality:
    return FaceQuality(face_px=float(face_px), sharpness=sharpness_of(chip_rgb), yaw=yaw_of(points))
