"""Per-image figures on labelled images: recall per positive category, false-positive rate per negative one.

An image counts as flagged when the model finds any of its classes at or above that class's threshold
(every class feeds the same department-item rule). The operating thresholds are the profile's: a class
counts from `[thresholds] <kind>` (its kind through `[detectors.yolo.classes]`), as in a scan. Scores
are computed once per image (the highest score per class); figures at any threshold come from them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from media_screen.config import Profile
from media_screen.train.sources import LabelledImage

THRESHOLD_GRID = tuple(round(0.05 * i, 2) for i in range(2, 19))  # 0.10 .. 0.90


@dataclass(frozen=True)
class ImageScore:
    image: LabelledImage
    best: Mapping[str, float]  # class -> highest score in the image

    def flagged(self, thresholds: Mapping[str, float]) -> bool:
        return any(score >= thresholds.get(name, 1.0) for name, score in self.best.items())


@dataclass(frozen=True)
class CategoryFigure:
    source: str
    category: str
    positive: bool  # recall when True, false-positive rate when False
    images: int
    flagged: int

    @property
    def rate(self) -> float:
        return self.flagged / self.images if self.images else 0.0


def operating_thresholds(profile: Profile, classes: Sequence[str]) -> dict[str, float]:
    """Per class: the profile's threshold for its kind, never below the yolo detector's own floor."""
    yolo = profile.detector_settings("yolo")
    kinds = dict(yolo.get("classes", {}))
    floor = float(yolo.get("min_score", 0.25))
    return {name: max(floor, profile.threshold(str(kinds.get(name, name)))) for name in classes}


def uniform(threshold: float, classes: Sequence[str]) -> dict[str, float]:
    return {name: threshold for name in classes}


@dataclass(frozen=True)
class Figures:
    thresholds: Mapping[str, float]
    categories: tuple[CategoryFigure, ...]
    ms_per_image: float

    def as_dict(self) -> dict:
        return {
            "thresholds": dict(self.thresholds),
            "ms_per_image": round(self.ms_per_image, 1),
            "categories": [
                {
                    "source": c.source,
                    "category": c.category,
                    "measure": "recall" if c.positive else "false_positive_rate",
                    "images": c.images,
                    "flagged": c.flagged,
                    "rate": round(c.rate, 3),
                }
                for c in self.categories
            ],
        }


def score_images(weights: Path, images: Sequence[LabelledImage], imgsz: int) -> tuple[list[ImageScore], float]:
    """Run the model once per image; return the per-class best scores and milliseconds per image."""
    from ultralytics import YOLO

    model = YOLO(str(weights), task="detect")
    names = model.names
    out, elapsed = [], 0.0
    for image in images:
        started = time.perf_counter()
        result = model.predict(str(image.path), imgsz=imgsz, conf=0.05, device="cpu", verbose=False)[0]
        elapsed += time.perf_counter() - started
        best: dict[str, float] = {}
        for cls, conf in zip(result.boxes.cls.tolist(), result.boxes.conf.tolist()):
            name = names[int(cls)]
            best[name] = max(best.get(name, 0.0), float(conf))
        out.append(ImageScore(image, best))
    return out, 1000.0 * elapsed / max(1, len(images))


def figures(scores: Sequence[ImageScore], thresholds: Mapping[str, float], ms_per_image: float = 0.0) -> Figures:
    groups: dict[tuple[str, str], list[ImageScore]] = {}
    for score in scores:
        groups.setdefault((score.image.source, score.image.category), []).append(score)
    categories = tuple(
        CategoryFigure(
            source=source,
            category=category,
            positive=bool(members[0].image.truth),
            images=len(members),
            flagged=sum(m.flagged(thresholds) for m in members),
        )
        for (source, category), members in sorted(groups.items())
    )
    return Figures(dict(thresholds), categories, ms_per_image)


def choose_threshold(scores: Sequence[ImageScore], classes: Sequence[str]) -> float:
    """The one threshold for all classes with the best (true-positive - false-positive rate); ties -> higher.

    Computed on the tune part and reported as a suggestion for the profile's `[thresholds]`.
    """
    positives = [s for s in scores if s.image.truth]
    negatives = [s for s in scores if not s.image.truth]
    if not positives or not negatives:
        return 0.5
    best_value, best_threshold = -2.0, 0.5
    for threshold in THRESHOLD_GRID:
        thresholds = uniform(threshold, classes)
        tpr = sum(s.flagged(thresholds) for s in positives) / len(positives)
        fpr = sum(s.flagged(thresholds) for s in negatives) / len(negatives)
        if tpr - fpr >= best_value:
            best_value, best_threshold = tpr - fpr, threshold
    return best_threshold
