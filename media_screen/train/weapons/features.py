"""Crop embeddings of each labelled photo (cached on disk by the police-item training's cache) and the
ImageNet weapon-group log-probabilities of each crop (computed from them, cheap)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from media_screen.detectors.imagenet_classes import ImagenetClassifier
from media_screen.detectors.police_items import Crop, CropPlanSettings
from media_screen.detectors.weapons import VIEW_GROUPS, Views
from media_screen.train.items.features import PhotoCrops, cached_crops


@dataclass(frozen=True)
class PhotoFeatures:
    crops: PhotoCrops
    weapon_log_p: np.ndarray  # (crops, 3) in WeaponGroup order

    def crop_list(self) -> list[Crop]:
        return self.crops.crops()

    def only(self, views: Views) -> "PhotoFeatures":
        keep = np.array([g in VIEW_GROUPS[views] for g in self.crops.groups])
        c = self.crops
        return PhotoFeatures(
            PhotoCrops(c.boxes[keep], tuple(g for g, k in zip(c.groups, keep) if k), c.proposal_scores[keep],
                       c.embeddings[keep], c.width, c.height),
            self.weapon_log_p[keep],
        )  # fmt: skip


def photo_features(
    paths: Iterable[Path], cache_dir: Path, plan: CropPlanSettings, progress: Callable[[int], None] | None = None
) -> dict[Path, PhotoFeatures]:
    """Features of every readable photo in `paths` (unreadable ones are left out)."""
    crops = cached_crops(paths, cache_dir, plan, progress)
    if not crops:
        return {}
    imagenet = ImagenetClassifier.load()
    return {path: PhotoFeatures(c, imagenet.weapon_log_probabilities(c.embeddings)) for path, c in crops.items()}
