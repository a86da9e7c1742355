"""Follow an object the re-scan of a video copy still found, backwards and forwards from where it was seen.

The re-scan samples a frame a second and reports each object once: its best frame (box, time) and the
time range it was seen over. To mask it in every frame it shows in, the redactor builds a track around
that frame: in each frame up to REACH_S before and after, the detector that found it looks near the
object's last known box (recheck.detect_near: small crops, a face shrunk to 64 px) and keeps the
detection that matches it (tracking.match_cost), down to FOLLOW_FACTOR x its threshold, well under what
selected objects in the first pass, since this object already proved it can pass the re-scan. The track
ends after MAX_MISSES frames in a row without it; the redactor holds its mask a stride beyond.

Frames come in decoding order, so the frames before a seed are kept (as crops around the seed's box,
faces shrunk so the face is CROP_FACE_PX tall) until the seed's frame is reached and then searched
newest first. The crops are bounded by REACH_S; an object that leaves the crop going backwards is
held from where it was last seen.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import cv2
import numpy as np

from media_screen.model import Box, Detection, DetectionKind, Frame
from media_screen.redact.recheck import detect_near
from media_screen.video.tracking import match_cost

REACH_S = 3.0  # seconds searched on each side of the frame the re-scan saw the object in
FOLLOW_FACTOR = 0.5  # of the policy threshold
MAX_MISSES = 5  # frames in a row without the object before its track ends
CROP_CONTEXT = 2.0  # object sizes kept on each side of the seed's box for the backward search
CROP_FACE_PX = 64
FACE_KINDS = (DetectionKind.FACE, DetectionKind.PROTECTED_PERSON)

Detect = Callable[[np.ndarray, Detection], list[Detection]]  # (image, seed) -> detections near enough to follow


@dataclass(frozen=True)
class Seed:
    """An object the re-scan found: in frame `index` at `detection.box`, seen from frame `first` to `last`."""

    index: int
    detection: Detection
    first: int
    last: int


@dataclass
class Followed:
    seed: Seed
    keys: list[tuple[int, Detection]] = field(default_factory=list)  # frame index, detection; in frame order


@dataclass
class _Crop:
    index: int
    pixels: np.ndarray
    left: int
    top: int
    scale: float


def seed_at(detection: Detection, times: Sequence[float]) -> Seed:
    """The frames of a re-scan detection: its best frame (evidence best_time_s) and its first and last."""
    best = detection.evidence.get("best_time_s", detection.time_s)
    start = detection.time_s if detection.time_s is not None else best
    end = detection.end_s if detection.end_s is not None else best
    return Seed(_nearest(times, best), detection, _nearest(times, start), _nearest(times, end))


def _nearest(times: Sequence[float], time_s: float | None) -> int:
    if time_s is None:
        return 0
    return min(range(len(times)), key=lambda i: abs(times[i] - float(time_s)))


def follow(frames: Iterable[tuple[int, np.ndarray]], seeds: Sequence[Seed], fps: float, detect: Detect) -> list[Followed]:
    """Tracks around `seeds` from upright BGR `frames` (index, pixels) in decoding order."""
    reach = max(1, round(REACH_S * fps))
    results = [Followed(seed) for seed in seeds]
    behind: list[list[_Crop]] = [[] for _ in seeds]
    ahead: list[tuple[Detection, int] | None] = [None] * len(seeds)  # last box followed forward, misses
    for index, pixels in frames:
        for n, seed in enumerate(seeds):
            if seed.index - reach <= index < seed.index:
                behind[n].append(_crop_of(pixels, index, seed.detection))
            elif index == seed.index:
                found = _match(detect(pixels, seed.detection), seed.detection)
                results[n].keys.append((index, found or seed.detection))
                results[n].keys[:0] = _backwards(behind[n], found or seed.detection, detect)
                behind[n] = []
                ahead[n] = (found or seed.detection, 0)
            elif ahead[n] is not None and index <= seed.index + reach:
                last, misses = ahead[n]
                found = _match(detect(pixels, last), last)
                if found is not None:
                    results[n].keys.append((index, found))
                    ahead[n] = (found, 0)
                else:
                    ahead[n] = (last, misses + 1) if misses + 1 < MAX_MISSES else None
    return [r for r in results if r.keys]


def _backwards(crops: list[_Crop], start: Detection, detect: Detect) -> list[tuple[int, Detection]]:
    keys: list[tuple[int, Detection]] = []
    last, misses = start, 0
    for crop in reversed(crops):
        local = _into_crop(last, crop)
        found = _match([_out_of_crop(d, crop) for d in detect(crop.pixels, local)], last)
        if found is not None:
            keys.insert(0, (crop.index, found))
            last, misses = found, 0
        else:
            misses += 1
            if misses >= MAX_MISSES:
                break
    return keys


def _match(found: list[Detection], last: Detection) -> Detection | None:
    costs = [(cost, i) for i, d in enumerate(found)
             if d.kind == last.kind and (cost := match_cost(last.box, d.box)) is not None]
    return found[min(costs)[1]] if costs else None


def _crop_of(pixels: np.ndarray, index: int, seed: Detection) -> _Crop:
    height, width = pixels.shape[:2]
    box = seed.box
    pad = CROP_CONTEXT * max(box.width, box.height, 1.0)
    left, top = max(0, int(box.x1 - pad)), max(0, int(box.y1 - pad))
    right, bottom = min(width, int(box.x2 + pad) + 1), min(height, int(box.y2 + pad) + 1)
    piece = pixels[top:bottom, left:right]
    scale = 1.0
    if seed.kind in FACE_KINDS:
        scale = min(1.0, CROP_FACE_PX / max(box.width, box.height, 1.0))
    if scale < 1.0:
        piece = cv2.resize(piece, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return _Crop(index, np.ascontiguousarray(piece), left, top, scale)


def _into_crop(detection: Detection, crop: _Crop) -> Detection:
    b, s = detection.box, crop.scale
    return dataclasses.replace(detection, box=Box((b.x1 - crop.left) * s, (b.y1 - crop.top) * s,
                                                  (b.x2 - crop.left) * s, (b.y2 - crop.top) * s), evidence={})


def _out_of_crop(detection: Detection, crop: _Crop) -> Detection:
    b, s = detection.box, crop.scale
    return dataclasses.replace(detection, box=Box(b.x1 / s + crop.left, b.y1 / s + crop.top,
                                                  b.x2 / s + crop.left, b.y2 / s + crop.top), evidence={})


def near(detectors, select: Callable[[Detection], bool]) -> Detect:
    """A Detect that runs the seed's own detector on crops around the seed's box (recheck.detect_near)."""
    by_name = {detector.name: detector for detector in detectors}

    def detect(image: np.ndarray, seed: Detection) -> list[Detection]:
        detector = by_name.get(seed.detector)
        if detector is None:
            return []
        return detect_near(image, [seed], lambda crop: [
            d for d in detector.detect(Frame(pixels=crop)) if select(d)])

    return detect
