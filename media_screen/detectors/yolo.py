"""Any YOLO model (exported .onnx, or an ultralytics .pt): where a department's own trained model plugs in.

An .onnx model runs with onnxruntime (yolo_onnx.py: no torch, no ultralytics); a .pt checkpoint needs
ultralytics, which comes with the `train` extra (`pip install 'media-screen[train]'`).

The profile names the model file and maps the model's class names to detection kinds:

    [detectors.yolo]
    model = "police_yolov8n.onnx"   # relative: the models folder (see model_files.py); or absolute
    [detectors.yolo.classes]
    police_vehicle = "police_vehicle"

Classes the table does not map are ignored. A .pt file is a Python pickle, which runs code when
loaded: point the profile only at model files you trust (an exported .onnx file runs no code). The shipped model is trained by `media-screen train`
(models/police_yolov8n.train.toml); until it exists this detector reports itself unavailable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from media_screen.config import Profile
from media_screen.detectors.base import DetectorInfo
from media_screen.detectors.model_files import project_model, require_file
from media_screen.detectors.ultralytics_backend import (
    INSTALL_HINT,
    YoloModel,
    load_model,
    ultralytics_available,
    ultralytics_version,
)
from media_screen.detectors.yolo_onnx import BoxArrays, YoloOnnx, load_onnx, onnxruntime_available, onnxruntime_version
from media_screen.errors import ModelUnavailableError, ProfileError
from media_screen.model import Box, Detection, DetectionKind, Frame

DEFAULT_MODEL = "police_yolov8n.onnx"
HOW_TO_GET_MODEL = (
    "train it with `media-screen train --config models/police_yolov8n.train.toml`, "
    "or point `model` in the profile's detectors.yolo table at a YOLO .pt or .onnx file"
)


@dataclass(frozen=True)
class YoloSettings:
    """The `[detectors.yolo]` table of the profile."""

    model: Path
    classes: Mapping[str, DetectionKind]  # model class name -> kind
    min_score: float = 0.25  # emitted; the policy counts from `[thresholds] <kind>`
    imgsz: int | None = None  # None: the size the model was trained or exported at

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "YoloSettings":
        classes: dict[str, DetectionKind] = {}
        for class_name, kind in dict(table.get("classes", {})).items():
            try:
                classes[str(class_name)] = DetectionKind(str(kind))
            except ValueError:
                known = ", ".join(k.value for k in DetectionKind)
                raise ProfileError(
                    f"[detectors.yolo.classes] {class_name} = {kind!r} is not a detection kind; known: {known}"
                ) from None
        imgsz = table.get("imgsz")
        return cls(
            model=project_model(str(table.get("model", DEFAULT_MODEL))),
            classes=classes,
            min_score=float(table.get("min_score", cls.min_score)),
            imgsz=int(imgsz) if imgsz is not None else None,
        )


def mapped_only(boxes: BoxArrays, classes: Mapping[str, DetectionKind]) -> tuple[BoxArrays, list[DetectionKind]]:
    """The boxes whose class the profile maps, and the kind of each."""
    keep = np.array([label in classes for label in boxes.labels()], dtype=bool)
    kept = boxes.select(keep)
    return kept, [classes[label] for label in kept.labels()]


class YoloDetector:
    """Runs the profile's YOLO model and reports its mapped classes as detections."""

    name = "yolo"

    def __init__(self, model: YoloOnnx | YoloModel, settings: YoloSettings) -> None:
        self.model = model
        self.settings = settings
        # Only mapped classes are asked for, so that others cannot crowd them out of the per-image box limit.
        self._class_ids = model.class_ids(settings.classes)
        if not self._class_ids:
            raise ProfileError(
                f"none of the classes of {model.path.name} ({', '.join(model.names.values())}) "
                "is mapped in the profile's detectors.yolo.classes table"
            )

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        table = profile.detector_settings(cls.name)
        model_path = project_model(str(table.get("model", DEFAULT_MODEL)))
        available, problem = True, None
        try:
            settings = YoloSettings.from_table(table)
            _check_can_load(settings)
            kinds = tuple(dict.fromkeys(settings.classes.values()))
        except (ModelUnavailableError, ProfileError) as exc:
            available, problem, kinds = False, str(exc), ()
        return DetectorInfo(
            name=cls.name,
            description="the department's trained YOLO model (officers, marked vehicles, badges, patches)",
            kinds=kinds,
            model=str(model_path),
            version=_runtime_version(model_path),
            available=available,
            problem=problem,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> "YoloDetector":
        settings = YoloSettings.from_table(profile.detector_settings(cls.name))
        _check_can_load(settings)
        if _is_onnx(settings.model):
            return cls(load_onnx(settings.model), settings)
        return cls(load_model(settings.model, task="detect"), settings)

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        found = self.model.predict(frame.pixels, self.settings.min_score, self.settings.imgsz, self._class_ids)
        kept, kinds = mapped_only(found, self.settings.classes)
        return tuple(
            Detection(
                kind=kind,
                label=label,
                score=float(score),
                box=Box(*(float(v) for v in xyxy)).clip(frame.width, frame.height),
                detector=self.name,
                time_s=frame.time_s,
                evidence={"class": label, "model": self.model.path.name},
            )
            for xyxy, score, label, kind in zip(kept.xyxy, kept.scores, kept.labels(), kinds)
        )


def _is_onnx(path: Path) -> bool:
    return path.suffix.lower() == ".onnx"


def _runtime_version(path: Path) -> str:
    return f"onnxruntime {onnxruntime_version()}" if _is_onnx(path) else f"ultralytics {ultralytics_version()}"


def _check_can_load(settings: YoloSettings) -> None:
    require_file(settings.model, "the YOLO model file", HOW_TO_GET_MODEL)
    if _is_onnx(settings.model):
        if not onnxruntime_available():
            raise ModelUnavailableError("the Python package 'onnxruntime' is not installed; pip install onnxruntime")
    elif not ultralytics_available():
        raise ModelUnavailableError(
            f"the Python package 'ultralytics' is not installed (it runs .pt models; an exported .onnx needs only "
            f"onnxruntime); {INSTALL_HINT}"
        )
