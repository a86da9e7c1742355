"""Labelled images from folders and CSVs, each assigned to its fixed split part.

Two kinds of source:
- folders of images with YOLO box labels (one `.txt` per image, `class cx cy w h`, normalised);
- CSVs of image-level labels. A positive image gets a weak whole-image box only when it is tightly
  cropped (longest side at most `weak_box_max_side`, e.g. the ~224 px eval crops); a larger positive
  has no honest box, so it is kept out of training and used for held-back per-image figures only.
  Negative categories become background images with empty labels.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from media_screen.train.settings import ImageLabelSource, TrainSettings, YoloFolderSource
from media_screen.train.split import Part, part_of

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


@dataclass(frozen=True)
class YoloBox:
    """One box in YOLO format: class index and centre/size normalised to 0..1."""

    class_id: int
    cx: float
    cy: float
    w: float
    h: float

    def line(self) -> str:
        return f"{self.class_id} {self.cx:.6f} {self.cy:.6f} {self.w:.6f} {self.h:.6f}"

    def is_valid(self) -> bool:
        return (
            self.w > 0
            and self.h > 0
            and 0.0 <= self.cx - self.w / 2 + 1e-6
            and self.cx + self.w / 2 <= 1.0 + 1e-6
            and 0.0 <= self.cy - self.h / 2 + 1e-6
            and self.cy + self.h / 2 <= 1.0 + 1e-6
        )


WHOLE_IMAGE = (0.5, 0.5, 1.0, 1.0)


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    source: str
    category: str  # for per-category figures (the CSV category, or the folder source name)
    part: Part
    truth: tuple[str, ...]  # image-level classes present (empty for a negative)
    boxes: tuple[YoloBox, ...] | None  # None: positive without honest boxes (held-back figures only)

    @property
    def trainable(self) -> bool:
        return self.boxes is not None


def collect(settings: TrainSettings) -> list[LabelledImage]:
    images: list[LabelledImage] = []
    for source in settings.image_labels:
        images.extend(read_image_labels(source, settings))
    for folder in settings.yolo_folders:
        images.extend(read_yolo_folder(folder, settings))
    return images


def _part(settings: TrainSettings, key: str) -> Part:
    return part_of(key, settings.salt, settings.holdout_fraction, settings.tune_fraction)


def read_image_labels(source: ImageLabelSource, settings: TrainSettings) -> list[LabelledImage]:
    """Rows of an image-level CSV (`file` column relative to the CSV's folder)."""
    if not source.csv.is_file():
        return []  # an optional source (e.g. ../shared/eval) absent on this machine
    root = source.csv.parent
    out = []
    with source.csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            category = row.get(source.category_column, "")
            path = root / row["file"]
            if not path.is_file():
                continue
            cls = source.classes.get(category)
            negative = category in source.negatives or "*" in source.negatives
            if cls is None and not negative:
                continue  # a category this model does not learn
            part = _part(settings, f"{source.name}/{row['file']}")
            if cls is None:
                out.append(LabelledImage(path, source.name, category, part, (), ()))
                continue
            with Image.open(path) as image:
                tight = max(image.size) <= source.weak_box_max_side
            boxes = (YoloBox(settings.classes.index(cls), *WHOLE_IMAGE),) if tight else None
            out.append(LabelledImage(path, source.name, category, part, (cls,), boxes))
    return out


def read_yolo_folder(source: YoloFolderSource, settings: TrainSettings) -> list[LabelledImage]:
    """Images under `path` with YOLO labels in a parallel `labels/` tree or beside each image."""
    if not source.path.is_dir():
        return []
    names = _folder_class_names(source.path)
    out = []
    for path in sorted(p for p in source.path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        label_path = _label_path(source.path, path)
        boxes = []
        for line in label_path.read_text("utf-8").splitlines() if label_path and label_path.is_file() else []:
            fields = line.split()
            if len(fields) != 5:
                continue
            theirs = names.get(int(fields[0]), fields[0])
            ours = source.classes.get(theirs)
            if ours is None:
                continue
            box = YoloBox(settings.classes.index(ours), *(float(v) for v in fields[1:]))
            if box.is_valid():
                boxes.append(box)
        relative = path.relative_to(source.path).as_posix()
        truth = tuple(sorted({settings.classes[b.class_id] for b in boxes}))
        part = _part(settings, f"{source.name}/{relative}")
        out.append(LabelledImage(path, source.name, source.name, part, truth, tuple(boxes)))
    return out


def _label_path(root: Path, image: Path) -> Path | None:
    relative = image.relative_to(root)
    parts = list(relative.parts)
    if "images" in parts:
        parts[parts.index("images")] = "labels"
        candidate = root.joinpath(*parts).with_suffix(".txt")
        if candidate.is_file():
            return candidate
    beside = image.with_suffix(".txt")
    return beside if beside.is_file() else None


def _folder_class_names(root: Path) -> dict[int, str]:
    """Class names from classes.txt (one per line) or data.yaml `names`, when present."""
    classes_txt = root / "classes.txt"
    if classes_txt.is_file():
        return {i: n.strip() for i, n in enumerate(classes_txt.read_text("utf-8").splitlines()) if n.strip()}
    data_yaml = root / "data.yaml"
    if data_yaml.is_file():
        import yaml

        names = (yaml.safe_load(data_yaml.read_text("utf-8")) or {}).get("names", {})
        return dict(enumerate(names)) if isinstance(names, list) else {int(k): str(v) for k, v in names.items()}
    return {}
