"""The training configuration (TOML): classes, data sources, split, composites and training knobs.

Relative paths resolve against the folder of the configuration file. See
models/police_yolov8n.train.toml for the configuration of the shipped model.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from media_screen.errors import UsageError

STARTS = ("nudenet", "scratch")
DEFAULT_CONFIG_NAME = "police_yolov8n.train.toml"


def default_config_path() -> Path:
    """The configuration of the shipped model, in the repository's models/ folder (training needs the source tree)."""
    return Path(__file__).resolve().parents[2] / "models" / DEFAULT_CONFIG_NAME


@dataclass(frozen=True)
class ImageLabelSource:
    """A CSV of image-level labels: a category column says which class an image shows, or none."""

    name: str
    csv: Path
    licence: str
    classes: Mapping[str, str]  # category -> class name; an image of it gets a weak whole-image box
    negatives: tuple[str, ...]  # categories that are background (empty label); "*" = every category
    category_column: str = "category"
    weak_box_max_side: int = 320  # whole-image boxes only for tightly cropped images at most this large
    report: bool = False  # print held-back figures per category of this source
    repeat: Mapping[str, int] = field(default_factory=dict)  # category -> copies per epoch in the train part


@dataclass(frozen=True)
class YoloFolderSource:
    """A folder of images with YOLO box labels (images/ + labels/, or .txt beside each image)."""

    name: str
    path: Path
    licence: str
    classes: Mapping[str, str]  # the folder's class name (or id as text) -> our class name


@dataclass(frozen=True)
class CompositeSettings:
    count: int = 400  # composites in the train part
    tune_count: int = 60  # composites in the tune part
    classes: Mapping[str, str] = field(default_factory=dict)  # enrolled reference name -> class
    skimage_backgrounds: bool = True
    seed: int = 0


@dataclass(frozen=True)
class TrainSettings:
    config_path: Path
    name: str
    output_dir: Path
    classes: tuple[str, ...]
    starts: tuple[str, ...]
    epochs: int
    imgsz: int
    batch: int
    workers: int
    seed: int
    patience: int
    salt: str
    holdout_fraction: float
    tune_fraction: float
    image_labels: tuple[ImageLabelSource, ...]
    yolo_folders: tuple[YoloFolderSource, ...]
    composites: CompositeSettings
    profile: Path | None  # department profile with the enrolled insignia; None: built-in
    extra: Mapping[str, Any]  # further ultralytics train arguments (augmentation etc.)


def load_settings(path: Path) -> TrainSettings:
    try:
        doc = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read training configuration {path}: {exc}") from exc
    base = Path(path).resolve().parent
    try:
        return _parse(doc, base, Path(path).resolve())
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path}: invalid value: {exc}") from exc


def _parse(doc: Mapping[str, Any], base: Path, config_path: Path) -> TrainSettings:
    model, train, split = doc["model"], doc.get("train", {}), doc.get("split", {})
    classes = tuple(str(c) for c in model["classes"])
    starts = tuple(str(s) for s in model.get("starts", STARTS))
    if not starts or any(s not in STARTS for s in starts):
        raise ValueError(f"model.starts must be a non-empty subset of {STARTS}")
    image_labels = tuple(_image_label_source(t, base, classes) for t in doc.get("image_labels", []))
    yolo_folders = tuple(
        YoloFolderSource(
            name=str(t["name"]),
            path=_resolve(base, t["path"]),
            licence=str(t.get("licence", "unknown")),
            classes=MappingProxyType(_checked_classes(t.get("classes", {}), classes)),
        )
        for t in doc.get("yolo_folders", [])
    )
    comp = doc.get("composites", {})
    composites = CompositeSettings(
        count=int(comp.get("count", 400)),
        tune_count=int(comp.get("tune_count", 60)),
        classes=MappingProxyType(_checked_classes(comp.get("classes", {}), classes)),
        skimage_backgrounds=bool(comp.get("skimage_backgrounds", True)),
        seed=int(comp.get("seed", 0)),
    )
    known = {"epochs", "imgsz", "batch", "workers", "seed", "patience"}
    return TrainSettings(
        config_path=config_path,
        name=str(model["name"]),
        output_dir=_resolve(base, model.get("output_dir", ".")),
        classes=classes,
        starts=starts,
        epochs=int(train.get("epochs", 30)),
        imgsz=int(train.get("imgsz", 256)),
        batch=int(train.get("batch", 16)),
        workers=int(train.get("workers", 1)),
        seed=int(train.get("seed", 0)),
        patience=int(train.get("patience", 100)),
        salt=str(split.get("salt", "media-screen")),
        holdout_fraction=float(split.get("holdout_fraction", 0.35)),
        tune_fraction=float(split.get("tune_fraction", 0.15)),
        image_labels=image_labels,
        yolo_folders=yolo_folders,
        composites=composites,
        profile=_resolve(base, doc["profile"]) if doc.get("profile") else None,
        extra=MappingProxyType({k: v for k, v in train.items() if k not in known}),
    )


def _image_label_source(table: Mapping[str, Any], base: Path, classes: tuple[str, ...]) -> ImageLabelSource:
    return ImageLabelSource(
        name=str(table["name"]),
        csv=_resolve(base, table["csv"]),
        licence=str(table.get("licence", "unknown")),
        classes=MappingProxyType(_checked_classes(table.get("classes", {}), classes)),
        negatives=tuple(str(c) for c in table.get("negatives", ())),
        category_column=str(table.get("category_column", "category")),
        weak_box_max_side=int(table.get("weak_box_max_side", 320)),
        report=bool(table.get("report", False)),
        repeat=MappingProxyType({str(k): max(1, int(v)) for k, v in table.get("repeat", {}).items()}),
    )


def _checked_classes(mapping: Mapping[str, Any], classes: tuple[str, ...]) -> dict[str, str]:
    out = {str(k): str(v) for k, v in mapping.items()}
    unknown = sorted(set(out.values()) - set(classes))
    if unknown:
        raise ValueError(f"maps to classes not in model.classes: {unknown}")
    return out


def _resolve(base: Path, value: Any) -> Path:
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else (base / path).resolve()
