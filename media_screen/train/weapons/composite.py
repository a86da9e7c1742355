"""Composite training photos: small weapons, and small look-alikes, pasted into negative scenes.

Real weapon photos are few and mostly close-ups, while a weapon in a posted photo is often a small part of
a street or a crowd. Each composite pastes one weapon, cut from the box labels of a training photo, at
12-40 % of the scene's long side into a training negative photo, with feathered edges; as many composites
paste a look-alike instead (a tool, phone or remote from `negatives_weapons`, or a patch of another
negative photo), so that "something was pasted here" says nothing about weapons. Only training-part
photos are used. The pictures are written as JPEG files under the work folder (outside the repository)
and go through the same crop features as real photos.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from media_screen.train.items.features import decode_bgr
from media_screen.train.weapons.data import WeaponPhoto
from media_screen.train.weapons.features import photo_features
from media_screen.train.weapons.fit import SYNTHETIC, Example

if TYPE_CHECKING:
    from media_screen.train.weapons.run import WeaponsTrainSettings

SCENE_SIDE = 1024
BACKGROUNDS = 80  # negative scenes used, at most


def _feathered_paste(scene: np.ndarray, patch: np.ndarray, left: int, top: int) -> None:
    h, w = patch.shape[:2]
    edge = max(2, min(h, w) // 10)
    ramp_y = np.minimum(np.arange(h), np.arange(h)[::-1]) / edge
    ramp_x = np.minimum(np.arange(w), np.arange(w)[::-1]) / edge
    alpha = np.clip(np.minimum(ramp_y[:, None], ramp_x[None, :]), 0, 1)[..., None]
    region = scene[top : top + h, left : left + w].astype(np.float32)
    scene[top : top + h, left : left + w] = (region * (1 - alpha) + patch.astype(np.float32) * alpha).astype(np.uint8)


def _scene(picture: np.ndarray) -> np.ndarray:
    scale = SCENE_SIDE / max(picture.shape[:2])
    return cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else picture.copy()


def _paste(rng: np.random.Generator, scene: np.ndarray, patch: np.ndarray) -> tuple[float, float, float, float]:
    """Paste `patch` scaled to 12-40 % of the scene's long side at a random place; its box in the scene."""
    height, width = scene.shape[:2]
    side = rng.uniform(0.12, 0.4) * max(height, width)
    scale = min(side / max(patch.shape[:2]), 0.9 * width / patch.shape[1], 0.9 * height / patch.shape[0])
    patch = cv2.resize(patch, (max(4, int(patch.shape[1] * scale)), max(4, int(patch.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        patch = cv2.flip(patch, 1)
    h, w = patch.shape[:2]
    left, top = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
    _feathered_paste(scene, patch, left, top)
    return float(left), float(top), float(left + w), float(top + h)


def _cut(picture: np.ndarray, box: tuple[float, ...], margin: float = 0.08) -> np.ndarray:
    x1, y1, x2, y2 = box
    grow_x, grow_y = (x2 - x1) * margin, (y2 - y1) * margin
    h, w = picture.shape[:2]
    left, top = int(max(0, x1 - grow_x)), int(max(0, y1 - grow_y))
    right, bottom = int(min(w, x2 + grow_x)), int(min(h, y2 + grow_y))
    return picture[top:bottom, left:right]


def make_composites(count: int, seed: int, training: list[WeaponPhoto], folder: Path) -> list[tuple[Path, bool, tuple, str]]:
    """Write `count` pasted-weapon and `count` pasted-look-alike pictures; (path, positive, boxes, group) each."""
    rng = np.random.default_rng(seed)
    weapon_sources = [p for p in training if p.positive and p.boxes]
    look_alikes = [p for p in training if p.group.startswith("look-alikes")]
    scenes = [p for p in training if not p.positive and not p.group.startswith("look-alikes") and p.dataset == "police_real"]
    scenes = scenes[:: max(1, len(scenes) // BACKGROUNDS)][:BACKGROUNDS]
    if not weapon_sources or not scenes:
        return []
    pictures: dict[Path, np.ndarray | None] = {}

    def picture(path: Path) -> np.ndarray | None:
        if path not in pictures:
            pictures[path] = decode_bgr(path)
        return pictures[path]

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for index in range(2 * count):
        scene_picture = picture(scenes[int(rng.integers(len(scenes)))].path)
        positive = index % 2 == 0
        if positive:
            source = weapon_sources[int(rng.integers(len(weapon_sources)))]
            source_picture = picture(source.path)
            box = source.boxes[int(rng.integers(len(source.boxes)))]
            patch = _cut(source_picture, box) if source_picture is not None else None
            group = f"{SYNTHETIC}: pasted weapon"
        elif look_alikes and rng.random() < 0.6:
            source_picture = picture(look_alikes[int(rng.integers(len(look_alikes)))].path)
            patch = None if source_picture is None else _cut(source_picture, _centre_box(source_picture, 0.7), 0)
            group = f"{SYNTHETIC}: pasted look-alike"
        else:
            source_picture = picture(scenes[int(rng.integers(len(scenes)))].path)
            patch = None if source_picture is None else _cut(source_picture, _random_box(rng, source_picture), 0)
            group = f"{SYNTHETIC}: pasted patch"
        if scene_picture is None or patch is None or min(patch.shape[:2]) < 8:
            continue
        scene = _scene(scene_picture)
        pasted = _paste(rng, scene, patch)
        path = folder / f"{index:04d}.jpg"
        if not path.is_file():
            cv2.imwrite(str(path), scene, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 95))])
        made.append((path, positive, (pasted,) if positive else (), group))
    return made


def _centre_box(picture: np.ndarray, fraction: float) -> tuple[float, float, float, float]:
    h, w = picture.shape[:2]
    return (w * (1 - fraction) / 2, h * (1 - fraction) / 2, w * (1 + fraction) / 2, h * (1 + fraction) / 2)


def _random_box(rng: np.random.Generator, picture: np.ndarray) -> tuple[float, float, float, float]:
    h, w = picture.shape[:2]
    bw, bh = w * rng.uniform(0.15, 0.4), h * rng.uniform(0.15, 0.4)
    left, top = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
    return (left, top, left + bw, top + bh)


def composite_examples(settings: "WeaponsTrainSettings", training: list[WeaponPhoto]) -> list[tuple[Example, str]]:
    """Composite examples for the head (pictures and their features cached under the work folder)."""
    sources = "|".join(sorted(p.key for p in training))
    tag = hashlib.sha256(f"{settings.composites}|{settings.seed}|{sources}|v1".encode()).hexdigest()[:12]
    made = make_composites(settings.composites, settings.seed, training, settings.work_dir / "composites" / tag)
    features = photo_features([path for path, *_ in made], settings.work_dir / "crops", settings.plan)
    return [(Example(features[path], positive, boxes), group) for path, positive, boxes, group in made if path in features]
