"""Per-photo figures of the police-item head on the held-back part, at its operating thresholds.

A photo is flagged when any crop's calibrated score for a class reaches 0.5 (the class's threshold),
exactly as a scan counts it. Recall for positive categories, false-positive rate for negative ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from media_screen.detectors.police_items import LinearHead, located
from media_screen.model import Box
from media_screen.train.items.data import ItemClass, LabelledPhoto
from media_screen.train.items.features import PhotoCrops
from media_screen.train.items.head import photo_scores
from media_screen.train.split import Part


@dataclass(frozen=True)
class Row:
    group: str  # e.g. "police_real / officers_uniform" or "police_real / region: UK"
    measure: str  # recall or false_positive_rate
    photos: int
    flagged: int

    @property
    def rate(self) -> float:
        return self.flagged / self.photos if self.photos else float("nan")


def flagged_boxes(head: LinearHead, crops: PhotoCrops) -> list[tuple[str, tuple[float, float, float, float], float]]:
    """(class, box, calibrated score) of what the detector reports at the operating point, boxes as it lends them."""
    judged = crops.crops()
    scores = head.crop_scores(crops.embeddings, judged)
    if not head.looks_closer(scores[0]):  # the whole frame (the plan's first crop) stops there, as in a scan
        judged, scores = judged[:1], scores[:1]
    return [(found.name, found.box, found.score) for found in located(head, scores, judged, 0.5)]


def holdout_rows(head: LinearHead, photos: list[LabelledPhoto], crops: dict[Path, PhotoCrops]) -> list[Row]:
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    box_hits = [0, 0]
    for photo in photos:
        if photo.part is not Part.HOLDOUT or photo.path not in crops:
            continue
        found = flagged_boxes(head, crops[photo.path])
        positive = photo.truth is not ItemClass.BACKGROUND
        measure = "recall" if positive else "false_positive_rate"
        keys = [f"{photo.dataset} / {photo.category}"]
        if photo.dataset == "police_real" and not positive and photo.category == "negatives_uniform":
            keys.append(f"{photo.dataset} / negatives_uniform: {photo.label_group}")
        if photo.dataset == "police_real" and positive and photo.region:
            keys.append(f"{photo.dataset} / {photo.category} / region: {photo.region}")
        hit = bool(found) if not positive else any(name == photo.truth.value for name, _, _ in found)
        for key in keys:
            counts[(key, measure)][0] += 1
            counts[(key, measure)][1] += int(hit)
        for box in photo.boxes:
            if "police" in box[4]:
                box_hits[0] += 1
                box_hits[1] += int(any(Box(*box[:4]).iou(Box(*b)) >= 0.5 for _, b, _ in found))
    rows = [Row(key, measure, n, k) for (key, measure), (n, k) in sorted(counts.items())]
    if box_hits[0]:
        rows.append(Row("police_real / box labels of police items (IoU >= 0.5)", "recall", *box_hits))
    return rows


# Which held-back negatives each class is ranked against: the look-alikes it must be told from.
LOOK_ALIKES = {
    ItemClass.POLICE_OFFICER: ("negatives_uniform",),
    ItemClass.POLICE_VEHICLE: ("negatives_vehicles", "negatives_emergency_not_police"),
}


def ranking_auc(positives: list[float], negatives: list[float]) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    pos, neg = np.asarray(positives)[:, None], np.asarray(negatives)[None, :]
    return float((pos > neg).mean() + 0.5 * (pos == neg).mean())


def separation(head: LinearHead, photos: list[LabelledPhoto], crops: dict[Path, PhotoCrops]) -> dict[ItemClass, float]:
    """Per class, the held-back ranking AUC of the photo's best score for it, positives against their look-alikes.

    It does not depend on the operating threshold, so learning-curve points that chose different
    thresholds on their own out-of-fold scores can still be compared."""
    held = [p for p in photos if p.part is Part.HOLDOUT and p.path in crops]
    scores = {p.path: photo_scores(head, crops[p.path]) for p in held}
    result = {}
    for item, categories in LOOK_ALIKES.items():
        column = head.classes.index(item.value)
        result[item] = ranking_auc(
            [float(scores[p.path][column]) for p in held if p.truth is item],
            [float(scores[p.path][column]) for p in held if p.truth is ItemClass.BACKGROUND and p.category in categories],
        )
    return result


def under_gate(head: LinearHead, photos: list[LabelledPhoto], crops: dict[Path, PhotoCrops]) -> dict[bool, tuple[int, int]]:
    """Held-back photos whose whole frame falls under the proposal gate: {positive: (under, photos)}."""
    result = {True: [0, 0], False: [0, 0]}
    for photo in photos:
        if photo.part is not Part.HOLDOUT or photo.path not in crops:
            continue
        photo_crops = crops[photo.path]
        scores = head.crop_scores(photo_crops.embeddings, photo_crops.crops())
        counts = result[photo.truth is not ItemClass.BACKGROUND]
        counts[0] += int(not head.looks_closer(scores[0]))
        counts[1] += 1
    return {positive: (under, total) for positive, (under, total) in result.items()}
