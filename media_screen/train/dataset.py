"""Build the ultralytics dataset in a work folder outside the repository.

Layout: images/{train,val} and labels/{train,val}, plus data.yaml. Real images are symlinked (never
copied into the project), composites are written as JPEG. `val` is the tune part (real images and
composites); the holdout part is left out entirely and only scored after training.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import cv2
import yaml

from media_screen.config import Profile
from media_screen.errors import UsageError
from media_screen.train.composite import composites, load_marks, reference_paths, skimage_backgrounds
from media_screen.train.settings import TrainSettings
from media_screen.train.sources import LabelledImage, collect
from media_screen.train.split import Part

ULTRALYTICS_PART = {Part.TRAIN: "train", Part.TUNE: "val"}


@dataclass(frozen=True)
class Dataset:
    root: Path
    data_yaml: Path
    images: tuple[LabelledImage, ...]  # every collected real image, all parts
    counts: Mapping[str, Mapping[str, int]]  # "train"/"val" -> "source/category" or "composites" -> images
    references: tuple[str, ...]  # "kind: file" of each enrolled reference used for composites

    def part(self, part: Part) -> list[LabelledImage]:
        return [image for image in self.images if image.part == part]


def build_dataset(settings: TrainSettings, work_dir: Path, profile: Profile) -> Dataset:
    root = work_dir / "dataset"
    if root.exists():
        shutil.rmtree(root)
    images = collect(settings)
    counts: dict[str, Counter] = {"train": Counter(), "val": Counter()}
    repeats = {source.name: source.repeat for source in settings.image_labels}
    for image in images:
        if image.part in ULTRALYTICS_PART and image.trainable:
            split = ULTRALYTICS_PART[image.part]
            copies = repeats.get(image.source, {}).get(image.category, 1) if split == "train" else 1
            for copy in range(copies):
                _link(root, split, image, copy)
            counts[split][f"{image.source}/{image.category}"] += 1
    paths = reference_paths(profile)
    marks = load_marks(paths, settings.composites.classes, settings.classes)
    if marks:
        train_backgrounds = _backgrounds([i for i in images if i.part == Part.TRAIN and not i.truth])
        if settings.composites.skimage_backgrounds:
            train_backgrounds += skimage_backgrounds()
        tune_backgrounds = _backgrounds([i for i in images if i.part == Part.TUNE and not i.truth]) or train_backgrounds
        for split, backgrounds, count, seed in (
            ("train", train_backgrounds, settings.composites.count, settings.composites.seed),
            ("val", tune_backgrounds, settings.composites.tune_count, settings.composites.seed + 1),
        ):
            for index, (pixels, boxes) in enumerate(composites(backgrounds, marks, count, seed)):
                stem = f"composite_{index:05d}"
                _write(root, split, stem, pixels, [b.line() for b in boxes])
                counts[split]["composites"] += 1
    if not sum(counts["train"].values()):
        raise UsageError("the configuration gives no training images: add [[image_labels]] sources (are their "
                         "CSV files there?) or [composites] of the profile's enrolled marks")
    data_yaml = root / "data.yaml"
    data_yaml.write_text(
        yaml.safe_dump(
            {
                "path": str(root),
                "train": "images/train",
                "val": "images/val",
                "names": dict(enumerate(settings.classes)),
            },
            sort_keys=False,
        ),
        "utf-8",
    )
    return Dataset(
        root=root,
        data_yaml=data_yaml,
        images=tuple(images),
        counts={k: dict(sorted(v.items())) for k, v in counts.items()},
        references=tuple(f"{kind}: {path.name}" for kind, path in paths if kind in settings.composites.classes),
    )


def _stem(image: LabelledImage) -> str:
    tag = hashlib.sha1(str(image.path).encode("utf-8")).hexdigest()[:8]
    return f"{image.source}__{image.category}__{image.path.stem}_{tag}".replace("/", "_").replace(" ", "_")


def _link(root: Path, split: str, image: LabelledImage, copy: int = 0) -> None:
    stem = _stem(image) + (f"_copy{copy}" if copy else "")
    target = root / "images" / split / f"{stem}{image.path.suffix.lower()}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(image.path.resolve())
    _labels(root, split, stem, [b.line() for b in image.boxes or ()])


def _write(root: Path, split: str, stem: str, pixels, lines: list[str]) -> None:
    target = root / "images" / split / f"{stem}.jpg"
    target.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(target), pixels, [cv2.IMWRITE_JPEG_QUALITY, 95])
    _labels(root, split, stem, lines)


def _labels(root: Path, split: str, stem: str, lines: list[str]) -> None:
    path = root / "labels" / split / f"{stem}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), "utf-8")


def _backgrounds(images: list[LabelledImage]) -> list:
    out = []
    for image in images:
        pixels = cv2.imread(str(image.path), cv2.IMREAD_COLOR)
        if pixels is not None:
            out.append(pixels)
    return out
