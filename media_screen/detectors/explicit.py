"""Sexual content (GO 07.08 B.5): NudeNet's YOLOv8 detector, run with onnxruntime (yolo_onnx.py).

The model (`320n.onnx`, inside the installed `nudenet` package, trained at 320 px) finds 18
classes of body parts, covered and exposed, and faces. Only the exposed sexual ones count here;
bellies, feet, armpits and male chests are not B.5 material. The frame is letterboxed to `imgsz`
as ultralytics would (the model's input size is dynamic), without torch or ultralytics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from media_screen.config import Profile
from media_screen.detectors.base import DetectorInfo
from media_screen.detectors.model_files import package_model, package_version
from media_screen.detectors.yolo_onnx import BoxArrays, YoloOnnx, load_onnx, onnxruntime_available, onnxruntime_version
from media_screen.errors import ModelUnavailableError
from media_screen.model import Box, Detection, DetectionKind, Frame

MODEL_PACKAGE = "nudenet"
MODEL_FILE = "320n.onnx"
EXPOSED_CLASSES = (
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "BUTTOCKS_EXPOSED",
    "ANUS_EXPOSED",
)


@dataclass(frozen=True)
class ExplicitSettings:
    """The `[detectors.explicit]` table of the profile."""

    min_score: float = 0.25  # emitted; the policy counts from `[thresholds] explicit`
    imgsz: int = 320  # the model's training size
    classes: tuple[str, ...] = EXPOSED_CLASSES

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "ExplicitSettings":
        return cls(
            min_score=float(table.get("min_score", cls.min_score)),
            imgsz=int(table.get("imgsz", cls.imgsz)),
            classes=tuple(str(name) for name in table.get("classes", EXPOSED_CLASSES)),
        )


def exposed_only(boxes: BoxArrays, classes: tuple[str, ...]) -> BoxArrays:
    """The boxes whose class is one of `classes` (NudeNet's class names)."""
    wanted = set(classes)
    return boxes.select(np.array([label in wanted for label in boxes.labels()], dtype=bool))


class ExplicitDetector:
    """Finds exposed sexual body parts (kind EXPLICIT) with NudeNet's model."""

    name = "explicit"

    def __init__(self, model: YoloOnnx, settings: ExplicitSettings) -> None:
        self.model = model
        self.settings = settings

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        model, available, problem = f"{MODEL_PACKAGE}/{MODEL_FILE}", True, None
        try:
            model = str(package_model(MODEL_PACKAGE, MODEL_FILE))
            if not onnxruntime_available():
                raise ModelUnavailableError("the Python package 'onnxruntime' is not installed; pip install onnxruntime")
        except ModelUnavailableError as exc:
            available, problem = False, str(exc)
        return DetectorInfo(
            name=cls.name,
            description="exposed sexual body parts, B.5 (NudeNet YOLOv8n via onnxruntime)",
            kinds=(DetectionKind.EXPLICIT,),
            model=model,
            version=f"nudenet {package_version(MODEL_PACKAGE)}, onnxruntime {onnxruntime_version()}",
            available=available,
            problem=problem,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> "ExplicitDetector":
        model = load_onnx(package_model(MODEL_PACKAGE, MODEL_FILE))
        return cls(model, ExplicitSettings.from_table(profile.detector_settings(cls.name)))

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        found = self.model.predict(frame.pixels, self.settings.min_score, self.settings.imgsz)
        exposed = exposed_only(found, self.settings.classes)
        return tuple(
            Detection(
                kind=DetectionKind.EXPLICIT,
                label=label.lower(),
                score=float(score),
                box=Box(*(float(v) for v in xyxy)).clip(frame.width, frame.height),
                detector=self.name,
                time_s=frame.time_s,
                evidence={"class": label},
            )
            for xyxy, score, label in zip(exposed.xyxy, exposed.scores, exposed.labels())
        )
