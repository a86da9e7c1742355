"""YuNet (libfacedetection), the face network compiled into the `yuface` extension.

YuNet (Wu, Peng, Yu, 2023) is a small anchor-free face detector with outputs at strides 8, 16 and 32;
libfacedetection runs it in C++ on an image of any size and returns, per face, a score in percent, a box
(x, y, width, height) and five points, after its own non-maximum suppression. The weights are compiled
into the extension (BSD-3-Clause), so nothing is read from disk or the network.

This module is the only one that sees yuface's arrays; faces.py gets `FaceCandidates` in the same points
order as CenterFace's (the eye, mouth corner on the image's left first).

Measured here (bench/face_search_designs.py, README "Published size"): one call returns at most 512 faces, and
over a crowd only its strongest (a 3072 px picture of a crowd: 195 faces, the weakest scoring 0.84; 411 in six
tiles); its box is shorter than the hand-measured hairline-to-chin height (about four fifths for the astronaut);
one thread takes about 0.7 s for a 2048 x 1536 picture (the wheel's library holds few AVX instructions: 55 that
use 256-bit registers), less than half of CenterFace's time per pixel with OpenCV DNN.
"""

from __future__ import annotations

import importlib.metadata
import threading

import numpy as np

from media_screen.detectors.centerface import FaceCandidates
from media_screen.errors import ModelUnavailableError

PACKAGE = "yuface"
# One row per face: score (percent), x, y, width, height, five points (x, y), and one unused column.
_SCORE, _BOX, _POINTS = 0, slice(1, 5), slice(5, 15)


def package_version() -> str | None:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def _load_detect():
    try:
        from yuface.yuface import detect  # the extension itself: the package's wrapper warns on images over 960 px
    except ImportError as exc:
        raise ModelUnavailableError(
            f"the Python package {PACKAGE!r} (YuNet, the published-size face search) cannot be imported: {exc}. "
            f"Install it with: pip install {PACKAGE} (or re-run scripts/install.sh; its wheels are for Python 3.11), "
            f"or set published_search_network = \"centerface\" in the profile's [detectors.faces]"
        ) from exc
    return detect


class YuNetNet:
    """The network, loaded with the extension; calls are serialised (the library keeps its weights in
    process-wide state, set up on first use)."""

    def __init__(self) -> None:
        self._detect = _load_detect()
        self._lock = threading.Lock()
        self(np.zeros((32, 32, 3), np.uint8), 0.5)  # set the weights up now, not in the first scan

    def __call__(self, bgr: np.ndarray, min_score: float) -> FaceCandidates:
        """Faces in a BGR uint8 image of any size, scoring at least `min_score` (the library itself keeps
        nothing under about 0.2)."""
        image = np.ascontiguousarray(bgr, dtype=np.uint8)
        with self._lock:
            rows = np.asarray(self._detect(image), dtype=np.float32).reshape(-1, 16)
        rows = rows[rows[:, _SCORE] >= min_score * 100]
        if len(rows) == 0:
            return FaceCandidates.empty()
        x, y, width, height = rows[:, _BOX].T
        boxes = np.stack([x, y, x + width, y + height], axis=1)
        return FaceCandidates(
            boxes.astype(np.float32),
            np.clip(rows[:, _SCORE] / 100, 0.0, 1.0).astype(np.float32),
            rows[:, _POINTS].reshape(-1, 5, 2).astype(np.float32),
        )
