"""Proposals and crop embeddings of each labelled photo, computed once and cached.

The cache is one `.npz` per photo under the work folder, named by a hash of the photo's path, size and
modification time and of the crop plan, so a changed photo or plan is computed again.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from media_screen.detectors.coco_ssd import SPLIT_RATIO, CocoSsd
from media_screen.detectors.crop_features import CropEmbedder
from media_screen.detectors.police_items import GROUP_ORDER, Crop, CropGroup, CropPlanSettings, crop_pixels, plan_crops
from media_screen.errors import MediaScreenError
from media_screen.inputs.still import decode_file

MAX_PIXELS = 120_000_000


@dataclass(frozen=True)
class PhotoCrops:
    """The crops of one photo: boxes, groups, proposal scores, embeddings and the photo's size."""

    boxes: np.ndarray  # (N, 4)
    groups: tuple[CropGroup, ...]
    proposal_scores: np.ndarray  # (N,)
    embeddings: np.ndarray  # (N, 2560)
    width: int
    height: int

    def crops(self) -> list[Crop]:
        return [Crop(tuple(map(float, b)), g, float(s)) for b, g, s in zip(self.boxes, self.groups, self.proposal_scores)]


class CropComputer:
    """Runs the two backends the way the detector does, on BGR pixels."""

    def __init__(self, plan: CropPlanSettings, threads: int = 2) -> None:
        self.plan = plan
        self.ssd = CocoSsd.load()
        self.embedder = CropEmbedder.load(threads, spatial=True)  # every feature set the ablations compare

    def __call__(self, bgr: np.ndarray) -> PhotoCrops:
        height, width = bgr.shape[:2]
        crops = plan_crops(self.ssd(bgr, self.plan.min_proposal_score), width, height, self.plan)
        return self.embed(bgr, crops)

    def embed(self, bgr: np.ndarray, crops: list[Crop]) -> PhotoCrops:
        height, width = bgr.shape[:2]
        embeddings = np.stack([self.embedder(crop_pixels(bgr, crop, self.plan.person_margin)) for crop in crops])
        return PhotoCrops(
            boxes=np.array([c.box for c in crops], np.float32), groups=tuple(c.group for c in crops),
            proposal_scores=np.array([c.proposal_score for c in crops], np.float32),
            embeddings=embeddings, width=width, height=height,
        )


def decode_bgr(path: Path) -> np.ndarray | None:
    """The photo upright, as a scan decodes it; None when it cannot be read."""
    try:
        return decode_file(path, MAX_PIXELS)[0].pixels
    except MediaScreenError:
        return None


def _cache_name(path: Path, plan: CropPlanSettings) -> str:
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{sorted(asdict(plan).items())}|split {SPLIT_RATIO}|v4"
    return hashlib.sha256(key.encode()).hexdigest()[:32] + ".npz"


CROP_FIELDS = ("boxes", "groups", "scores", "embeddings", "size")  # one PhotoCrops in a cache file


def crop_arrays(crops: PhotoCrops) -> dict[str, np.ndarray]:
    """The arrays one PhotoCrops is stored as (CROP_FIELDS; embeddings in float16)."""
    return {
        "boxes": crops.boxes, "groups": np.array([GROUP_ORDER.index(g) for g in crops.groups], int),
        "scores": crops.proposal_scores, "embeddings": crops.embeddings.astype(np.float16),
        "size": np.array([crops.width, crops.height]),
    }  # fmt: skip


def crops_from(arrays) -> PhotoCrops:
    """The PhotoCrops that `crop_arrays` stored (any mapping of its field names to arrays)."""
    return PhotoCrops(
        boxes=arrays["boxes"], groups=tuple(GROUP_ORDER[int(i)] for i in arrays["groups"]),
        proposal_scores=arrays["scores"], embeddings=arrays["embeddings"].astype(np.float32),
        width=int(arrays["size"][0]), height=int(arrays["size"][1]),
    )


def save_arrays(target: Path, arrays: dict[str, np.ndarray]) -> None:
    """`arrays` written to `target` (.npz) atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own, so that two trainings filling one cache never rename each other's file
    temporary = target.with_name(f"{target.stem}.{os.getpid()}.{threading.get_ident()}.tmp.npz")
    np.savez(temporary, **arrays)
    temporary.replace(target)


def _load(source: Path) -> PhotoCrops:
    with np.load(source, allow_pickle=False) as data:
        return crops_from(data)


def cached_crops(
    paths: Iterable[Path], cache_dir: Path, plan: CropPlanSettings, progress: Callable[[int], None] | None = None
) -> dict[Path, PhotoCrops]:
    """Crops of every readable photo in `paths` (unreadable ones are left out), from the cache when it has them."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    computer: CropComputer | None = None
    result: dict[Path, PhotoCrops] = {}
    for done, path in enumerate(paths, 1):
        target = cache_dir / _cache_name(path, plan)
        if not target.is_file():
            bgr = decode_bgr(path)
            if bgr is None:
                continue
            computer = computer or CropComputer(plan)
            save_arrays(target, crop_arrays(computer(bgr)))
        result[path] = _load(target)
        if progress:
            progress(done)
    return result
