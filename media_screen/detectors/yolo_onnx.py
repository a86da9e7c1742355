"""An exported YOLOv8 detection model run with onnxruntime: letterbox, inference, decoding and NMS here.

Screening runs the shipped YOLO models (the police model, NudeNet's) without torch or ultralytics:
onnxruntime is already what runs CenterFace and PP-OCR. Each step follows what ultralytics 8.x does
with the same exported file, so that the boxes agree with it (within a pixel, scores within 0.01;
tests/detectors/test_yolo_onnx.py compares the two on real photos):

* letterbox: scale to fit (up or down), bilinear, pad with grey 114, centred. A model exported at a
  fixed size is fed that size; one with dynamic height and width gets the requested size and only
  the padding up to a multiple of its stride (ultralytics' `auto` letterbox);
* decoding: output (1, 4 + classes, anchors) with boxes as centre, width, height; each anchor takes
  its best class, kept when that score is above `min_score` and, if asked, the class is wanted;
* NMS: greedy, per class (boxes shifted by class * 7680), IoU above `iou` suppressed, at most 300;
* boxes are mapped back through the letterbox and clipped to the image.

Class names come from the model's metadata (a Python dict literal, read with ast.literal_eval and
cleaned like any untrusted text). Sessions are loaded once per process and file.
"""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

import cv2
import numpy as np

from media_screen.detectors.model_files import package_version
from media_screen.errors import ModelUnavailableError
from media_screen.sanitize import clean_text

PAD_VALUE = 114
MAX_WH = 7680  # class offset for per-class NMS, as ultralytics
MAX_DETECTIONS = 300
MAX_NMS = 30000

_sessions: dict[Path, "YoloOnnx"] = {}
_sessions_lock = threading.Lock()


@dataclass(frozen=True)
class BoxArrays:
    """Boxes found in one image: plain numpy arrays in that image's pixels."""

    xyxy: np.ndarray  # (N, 4) float32: x1, y1, x2, y2
    scores: np.ndarray  # (N,) float32 in 0..1
    class_ids: np.ndarray  # (N,) int64
    names: Mapping[int, str]  # class id -> the model's class name

    def __len__(self) -> int:
        return len(self.scores)

    def labels(self) -> list[str]:
        return [self.names.get(int(i), str(int(i))) for i in self.class_ids]

    def select(self, keep: np.ndarray) -> "BoxArrays":
        return BoxArrays(self.xyxy[keep], self.scores[keep], self.class_ids[keep], self.names)


@dataclass(frozen=True)
class Letterbox:
    """How a frame was fitted into the model's input: scale per axis and padding before it."""

    gain_x: float
    gain_y: float
    pad_x: int
    pad_y: int

    def to_frame(self, xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
        boxes = xyxy.astype(np.float32, copy=True)
        boxes[:, [0, 2]] = ((boxes[:, [0, 2]] - self.pad_x) / self.gain_x).clip(0, width)
        boxes[:, [1, 3]] = ((boxes[:, [1, 3]] - self.pad_y) / self.gain_y).clip(0, height)
        return boxes


def onnxruntime_version() -> str:
    return package_version("onnxruntime")


def letterbox(bgr: np.ndarray, target: tuple[int, int], stride: int, auto: bool) -> tuple[np.ndarray, Letterbox]:
    """`bgr` fitted into `target` (height, width), padded; with `auto`, padded only to a multiple of `stride`."""
    height, width = bgr.shape[:2]
    ratio = min(target[0] / height, target[1] / width)
    new_w, new_h = max(round(width * ratio), 1), max(round(height * ratio), 1)
    pad_w, pad_h = target[1] - new_w, target[0] - new_h
    if auto:
        pad_w, pad_h = pad_w % stride, pad_h % stride
    pad_w, pad_h = pad_w / 2, pad_h / 2
    resized = bgr if (width, height) == (new_w, new_h) else cv2.resize(bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    top, bottom = round(pad_h - 0.1), round(pad_h + 0.1)
    left, right = round(pad_w - 0.1), round(pad_w + 0.1)
    padded = cv2.copyMakeBorder(resized, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)
    return padded, Letterbox(new_w / width, new_h / height, left, top)


def non_max_suppression(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept by greedy NMS, best score first: a box is dropped when its IoU with a kept one exceeds `iou`."""
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(best)
        width = (np.minimum(boxes[best, 2], boxes[rest, 2]) - np.maximum(boxes[best, 0], boxes[rest, 0])).clip(0)
        height = (np.minimum(boxes[best, 3], boxes[rest, 3]) - np.maximum(boxes[best, 1], boxes[rest, 1])).clip(0)
        inter = width * height
        overlap = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-12)
        order = rest[overlap <= iou]
    return np.array(keep, dtype=np.int64)


def decode(output: np.ndarray, min_score: float, class_ids: Iterable[int] | None, iou: float) -> tuple[np.ndarray, ...]:
    """(xyxy, scores, class ids) in input pixels from one image's raw output (4 + classes, anchors)."""
    predictions = output.T  # anchors x (4 + classes)
    class_scores = predictions[:, 4:]
    best = class_scores.argmax(1)
    scores = class_scores[np.arange(len(best)), best]
    keep = scores > min_score
    if class_ids is not None:
        keep &= np.isin(best, np.fromiter(class_ids, dtype=np.int64))
    centre, scores, best = predictions[keep, :4], scores[keep], best[keep]
    if len(scores) > MAX_NMS:
        top = np.argsort(-scores, kind="stable")[:MAX_NMS]
        centre, scores, best = centre[top], scores[top], best[top]
    xyxy = np.empty_like(centre)
    xyxy[:, :2] = centre[:, :2] - centre[:, 2:] / 2
    xyxy[:, 2:] = centre[:, :2] + centre[:, 2:] / 2
    kept = non_max_suppression(xyxy + best[:, None] * MAX_WH, scores, iou)[:MAX_DETECTIONS]
    return xyxy[kept], scores[kept], best[kept]


class YoloOnnx:
    """One exported YOLOv8 detection model. Calls are serialised (one session, used by one thread at a time)."""

    def __init__(self, path: Path) -> None:
        import onnxruntime  # imported here: a process that never runs a YOLO model never loads it

        self.path = path
        try:
            self._session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            metadata = self._session.get_modelmeta().custom_metadata_map
            names = ast.literal_eval(metadata.get("names", "{}"))
            self.names: Mapping[int, str] = MappingProxyType({int(k): clean_text(v) for k, v in names.items()})
            self.stride = int(metadata.get("stride", 32))
            exported = ast.literal_eval(metadata.get("imgsz", "[640, 640]"))
        except Exception as exc:  # noqa: BLE001 - onnxruntime and a bad metadata entry raise many types
            raise ModelUnavailableError(
                f"cannot load the YOLO model {path}: {type(exc).__name__}: {exc}; "
                "replace it with a detection model exported to ONNX by ultralytics"
            ) from exc
        model_input = self._session.get_inputs()[0]
        self._input_name = model_input.name
        height, width = model_input.shape[2], model_input.shape[3]
        # a fixed input size is the size to feed; a dynamic one takes the size asked for (the export size by default)
        self.fixed_size = (height, width) if isinstance(height, int) and isinstance(width, int) else None
        self.export_size = (int(exported[0]), int(exported[1])) if isinstance(exported, (list, tuple)) else (640, 640)
        self._lock = threading.Lock()

    def class_ids(self, wanted: Iterable[str]) -> list[int]:
        """The ids of the model's classes named in `wanted`."""
        wanted = set(wanted)
        return sorted(i for i, name in self.names.items() if name in wanted)

    def predict(
        self,
        bgr: np.ndarray,
        min_score: float,
        imgsz: int | None = None,
        class_ids: list[int] | None = None,
        iou: float = 0.45,
    ) -> BoxArrays:
        """Boxes scoring above `min_score` in a BGR uint8 image, in its pixels.

        `class_ids` (None: all) filters before NMS and the box limit, so that classes nobody asked for cannot
        crowd out the wanted ones. `imgsz` matters only for a model with a dynamic input size.
        """
        if self.fixed_size is not None:
            target, auto = self.fixed_size, False
        else:
            target, auto = ((imgsz, imgsz) if imgsz else self.export_size), True
        padded, fitted = letterbox(bgr, target, self.stride, auto)
        tensor = np.ascontiguousarray(padded[:, :, ::-1].transpose(2, 0, 1), dtype=np.float32)[None] / 255.0
        with self._lock:
            (output,) = self._session.run(None, {self._input_name: tensor})[:1]
        xyxy, scores, classes = decode(output[0], min_score, class_ids, iou)
        return BoxArrays(
            xyxy=fitted.to_frame(xyxy, bgr.shape[1], bgr.shape[0]).reshape(-1, 4),
            scores=np.clip(scores.astype(np.float32), 0.0, 1.0),
            class_ids=classes.astype(np.int64),
            names=self.names,
        )


def load_onnx(path: Path) -> YoloOnnx:
    """The model at `path`, loaded once per process."""
    key = Path(path).resolve()
    with _sessions_lock:
        if key not in _sessions:
            _sessions[key] = YoloOnnx(key)
        return _sessions[key]


def onnxruntime_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None
