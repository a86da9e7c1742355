"""Per-photo figures of a weapons head on the held-back part, at its operating point.

A photo is flagged when any crop's calibrated score reaches 0.5, as a scan counts it. Recall for weapon
photos (all, and per weapon type), the false-positive rate for each negative group, the ranking AUC of
weapons against the look-alikes, and how often a flagged box holds a labelled weapon box.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from media_screen.detectors.weapons import WeaponHead, reported
from media_screen.train.split import Part
from media_screen.train.weapons.data import WeaponPhoto
from media_screen.train.weapons.features import PhotoFeatures
from media_screen.train.weapons.fit import _covered, crop_probabilities, photo_score


@dataclass(frozen=True)
class Row:
    group: str
    measure: str  # recall or false_positive_rate
    photos: int
    flagged: int

    @property
    def rate(self) -> float:
        return self.flagged / self.photos if self.photos else float("nan")


def _held(photos: list[WeaponPhoto], features: dict[Path, PhotoFeatures]) -> list[WeaponPhoto]:
    return [p for p in photos if p.part is Part.HOLDOUT and p.path in features]


def holdout_rows(head: WeaponHead, photos: list[WeaponPhoto], features: dict[Path, PhotoFeatures]) -> list[Row]:
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    located = [0, 0]
    for photo in _held(photos, features):
        feats = features[photo.path]
        scores = head.calibrated(crop_probabilities(head, feats))
        found = reported(feats.crop_list(), scores, feats.weapon_log_p, 0.5)
        keys = [photo.group]
        if photo.positive:
            keys += ["all weapon photos", f"weapons: {photo.weapon.value}"]
        else:
            keys.append("all negative photos")
        measure = "recall" if photo.positive else "false_positive_rate"
        for key in keys:
            counts[(key, measure)][0] += 1
            counts[(key, measure)][1] += int(bool(found))
        for box in photo.boxes:
            located[0] += 1
            located[1] += int(any(_covered(f.box, box) >= 0.6 for f in found))
    rows = [Row(key, measure, n, k) for (key, measure), (n, k) in sorted(counts.items())]
    if located[0]:
        rows.append(Row("labelled weapon boxes held by a reported box (>= 60 %)", "recall", *located))
    return rows


def ranking_auc(positives: list[float], negatives: list[float]) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    pos, neg = np.asarray(positives)[:, None], np.asarray(negatives)[None, :]
    return float((pos > neg).mean() + 0.5 * (pos == neg).mean())


def separation(head: WeaponHead, photos: list[WeaponPhoto], features: dict[Path, PhotoFeatures]) -> dict[str, float]:
    """Held-back ranking AUC of weapon photos against the look-alikes and against every negative photo."""
    held = _held(photos, features)
    scores = {p.path: photo_score(head, features[p.path]) for p in held}
    weapons = [scores[p.path] for p in held if p.positive]
    return {
        "look-alikes": ranking_auc(weapons, [scores[p.path] for p in held if p.group.startswith("look-alikes")]),
        "all negatives": ranking_auc(weapons, [scores[p.path] for p in held if not p.positive]),
    }
