"""Train one starting point with ultralytics on CPU, offline, and return its best checkpoint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2

from media_screen.train.dataset import Dataset
from media_screen.train.nudenet_init import (
    calibrate_batchnorm,
    convert_nudenet,
    max_output_difference,
    nudenet_onnx_path,
    save_checkpoint,
)
from media_screen.train.settings import TrainSettings
from media_screen.train.split import Part

CONVERSION_TOLERANCE = 1e-3  # relative to the largest ONNX output


@dataclass(frozen=True)
class Conversion:
    checkpoint: Path
    max_difference: float  # ONNX vs converted torch model, same input
    output_scale: float


@dataclass(frozen=True)
class FitResult:
    start: str
    weights: Path  # best.pt (by the tune part)
    run_dir: Path
    conversion: Conversion | None


def convert_start(dataset: Dataset, work_dir: Path) -> Conversion:
    """NudeNet ONNX -> ultralytics checkpoint, verified against onnxruntime before any training."""
    onnx_path = nudenet_onnx_path()
    model = convert_nudenet(onnx_path)
    train_images = [i.path for i in dataset.part(Part.TRAIN) if i.trainable][:32]
    if not train_images:  # composites only: a department's own marks and no labelled photos
        train_images = sorted((dataset.root / "images" / "train").glob("*.jpg"))[:32]
    pixels = [p for p in (cv2.imread(str(path), cv2.IMREAD_COLOR) for path in train_images) if p is not None]
    if not pixels:  # build_dataset refuses an empty train part; here none of its images could be read
        raise ValueError("no training image could be read to check the NudeNet conversion on")
    difference, scale = max_output_difference(model, onnx_path, pixels[0])
    if difference > CONVERSION_TOLERANCE * max(scale, 1.0):
        raise ValueError(f"converted NudeNet model differs from its ONNX by {difference:.4g} (scale {scale:.4g})")
    calibrate_batchnorm(model, pixels)
    checkpoint = save_checkpoint(model, work_dir / "starts" / "nudenet_yolov8n.pt", source=str(onnx_path))
    return Conversion(checkpoint, difference, scale)


def provide_local_font() -> Path:
    """Give ultralytics a local font so that its dataset check never downloads Arial.ttf.

    `check_det_dataset` asks for Arial.ttf even when plots are off and downloads it when it is not in
    its config folder; matplotlib's DejaVu Sans, copied there under that name, satisfies it.
    """
    import shutil

    import matplotlib
    from ultralytics.utils import USER_CONFIG_DIR

    target = Path(USER_CONFIG_DIR) / "Arial.ttf"
    if not target.is_file():
        source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return target


def fit(
    settings: TrainSettings, dataset: Dataset, start: str, work_dir: Path, conversion: Conversion | None
) -> FitResult:
    from ultralytics import YOLO

    provide_local_font()
    if start == "nudenet":
        if conversion is None:
            raise ValueError("the nudenet start needs its converted checkpoint")
        model = YOLO(str(conversion.checkpoint), task="detect")
        pretrained = True
    else:
        model = YOLO("yolov8n.yaml", task="detect")
        pretrained = False
    run_dir = work_dir / "runs"
    arguments = {
        **dict(settings.extra),
        "data": str(dataset.data_yaml),
        "epochs": settings.epochs,
        "imgsz": settings.imgsz,
        "batch": settings.batch,
        "workers": settings.workers,
        "seed": settings.seed,
        "patience": settings.patience,
        "device": "cpu",
        "amp": False,  # no AMP check (it would fetch a model)
        "plots": False,  # plots need a font, which ultralytics would download
        "pretrained": pretrained,
        "project": str(run_dir),
        "name": start,
        "exist_ok": True,
        "verbose": False,
    }
    model.train(**arguments)
    weights = run_dir / start / "weights" / "best.pt"
    if not weights.is_file():
        weights = run_dir / start / "weights" / "last.pt"
    return FitResult(start, weights, run_dir / start, conversion if start == "nudenet" else None)
