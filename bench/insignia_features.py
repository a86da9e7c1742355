#!/usr/bin/env python3
"""Issue 13's insignia lever, second form: a cheaper keypoint detector than SIFT, what it saves and what it loses.

SIFT at 1600 px is most of the insignia stage, and most of SIFT is finding keypoints (the Gaussian pyramid of a
picture OpenCV first doubles), not describing them. This bench swaps the features and keeps everything after
them as the detector has it (ratio test, RANSAC instances, sanity and appearance checks, one mark per place),
on `bench/insignia_sizes.py`'s trials: each enrolled reference warped in mild perspective onto 12 MP photos
published at 2048 px, at six sizes, JPEG 85.

Variants (`--variants`):
  sift          the shipped detector (SIFT, 6000 strongest keypoints, L2 matching)
  sift3000      SIFT keeping 3000 keypoints (fewer descriptors to compute and match)
  sift2layers   SIFT with two scales an octave instead of three
  sift2layers3000  both of the above
  orb           ORB (FAST corners, rotated BRIEF, Hamming matching), 6000 keypoints, 8 levels of 1.2
  orb12         ORB with 12 levels (a wider range of sizes, down to about a ninth)
  akaze         AKAZE (nonlinear scale space, binary descriptors, Hamming matching)
Binary-descriptor variants describe each reference at 480, 240 and 120 px, so a mark a tenth of the
reference's size is still within their pyramid's reach; SIFT's references stay at 480 as shipped.

Run:  ~/.venvs/media-screen/bin/python bench/insignia_features.py [--photos 4] [--variants sift orb akaze]
A measurement, not a test: nothing is asserted. Photos come from `bench/batch_speed.py --count N` (its folder).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from insignia_sizes import (  # noqa: E402
    MARK_SIDES, PUBLISHED_LONG_SIDE, judged, mark_images, pasted, reported, setting,
)

from media_screen.detectors import insignia  # noqa: E402
from media_screen.detectors.insignia import InsigniaDetector, Reference  # noqa: E402
from media_screen.model import Frame  # noqa: E402

BINARY_REFERENCE_SIDES = (480, 240, 120)


class HammingDescriptors:
    """`insignia.Descriptors`' interface for binary descriptors: each query's k nearest frame descriptors."""

    def __init__(self, descriptors: np.ndarray) -> None:
        self._descriptors = descriptors
        self._matcher = cv2.BFMatcher(cv2.NORM_HAMMING)

    def nearest(self, query: np.ndarray, k: int) -> list[list[cv2.DMatch]]:
        return [list(m) for m in self._matcher.knnMatch(query, self._descriptors, k=min(k, len(self._descriptors)))]


@dataclasses.dataclass(frozen=True)
class Features:
    """A keypoint detector and descriptor, and how its descriptors are matched."""

    make: Callable[[], cv2.Feature2D]
    binary: bool


VARIANTS = {
    "sift": Features(lambda: cv2.SIFT_create(nfeatures=6000), False),
    "sift3000": Features(lambda: cv2.SIFT_create(nfeatures=3000), False),
    "sift2layers": Features(lambda: cv2.SIFT_create(nfeatures=6000, nOctaveLayers=2), False),
    "sift2layers3000": Features(lambda: cv2.SIFT_create(nfeatures=3000, nOctaveLayers=2), False),
    "orb": Features(lambda: cv2.ORB_create(nfeatures=6000), True),
    "orb12": Features(lambda: cv2.ORB_create(nfeatures=6000, nlevels=12), True),
    "akaze": Features(lambda: cv2.AKAZE_create(), True),
}


class FeaturesDetector(InsigniaDetector):
    """The shipped detector with its frame's keypoints and descriptors made by `features`."""

    def __init__(self, references, settings, features: Features) -> None:
        super().__init__(references, settings)
        self._extractor = features.make()
        self._binary = features.binary

    def _features(self, gray: np.ndarray) -> tuple[tuple, "HammingDescriptors | insignia.Descriptors | None"]:
        keypoints, descriptors = self._extractor.detectAndCompute(gray, None)
        if descriptors is None:
            return (), None
        return keypoints, HammingDescriptors(descriptors) if self._binary else insignia.Descriptors(descriptors)


def binary_references(shipped: tuple[Reference, ...], features: Features) -> tuple[Reference, ...]:
    """Each shipped reference described again by `features` at each of BINARY_REFERENCE_SIDES."""
    described = []
    extractor = features.make()
    shipped = tuple(r for r in shipped if not r.mirrored)  # described again from the files, as enrolled
    for reference, (_, image) in zip(shipped, mark_images(shipped)):
        for side in BINARY_REFERENCE_SIDES:
            factor = side / max(image.shape[:2])
            resized = cv2.resize(image, None, fx=factor, fy=factor,
                                 interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)
            mask = (resized[:, :, 3] > 127).astype(np.uint8) * 255
            gray = np.where(mask > 0, cv2.cvtColor(resized[:, :, :3], cv2.COLOR_BGR2GRAY), 128).astype(np.uint8)
            keypoints, descriptors = extractor.detectAndCompute(gray, cv2.erode(mask, np.ones((5, 5), np.uint8)))
            if descriptors is None or len(keypoints) < 12:
                continue
            x, y, w, h = cv2.boundingRect(mask)
            described.append(dataclasses.replace(
                reference,
                points=np.float32([kp.pt for kp in keypoints]),
                descriptors=descriptors,
                outline=np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]]),
                area=float(w * h),
                angles=np.float32([kp.angle for kp in keypoints]),
            ))  # template and its mask: the shipped reference's (same mark, same TEMPLATE_SIDE)
    return tuple(described)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "media-screen-batch-bench")
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()
    chosen = setting(args.folder, args.photos)  # the same photos and trials as insignia_sizes.py
    if chosen is None:
        return
    threshold, base, marks, backgrounds, rng = (
        chosen.threshold, chosen.base, chosen.marks, chosen.backgrounds, chosen.rng)
    trials = [(index, name, mark, side) for index in range(len(backgrounds)) for name, mark in marks
              for side in MARK_SIDES]  # pasted one at a time, in insignia_sizes.py's order
    print(f"{len(backgrounds)} photos at {PUBLISHED_LONG_SIDE} px, {len(marks)} references, marks "
          f"{', '.join(map(str, MARK_SIDES))} px, frame at {base.settings['max_side']} px, one thread; "
          f"load average {os.getloadavg()[0]:.1f}")
    detectors = {}
    for name in args.variants:
        features = VARIANTS[name]
        references = binary_references(base.references, features) if features.binary else base.references
        detectors[name] = FeaturesDetector(references, base.settings, features)
    # what the photos show already (one of the mosaics holds a real swastika): not counted as false
    bare = {name: [reported(detector.detect(Frame(b)), threshold) for b in backgrounds]
            for name, detector in detectors.items()}
    found = {name: {side: 0 for side in MARK_SIDES} for name in detectors}
    false = {name: 0 for name in detectors}
    times: dict[str, list[float]] = {name: [] for name in detectors}
    for index, reference, mark, side in trials:  # the variants take turns, so load weighs on all alike
        image, box = pasted(backgrounds[index], mark, side, rng)
        for name, detector in detectors.items():
            started = time.perf_counter()
            detections = detector.detect(Frame(image))
            times[name].append((time.perf_counter() - started) * 1000)
            hit, wrong = judged(reported(detections, threshold), reference, box, bare[name][index])
            found[name][side] += hit
            false[name] += wrong
    tried = len(trials) // len(MARK_SIDES)
    first = statistics.median(times[args.variants[0]])
    print("variant          " + "".join(f"{side:>8}px" for side in MARK_SIDES)
          + f"    found  false   ms/photo (median; ratio to {args.variants[0]})")
    for name in detectors:
        cells = "".join(f"{found[name][s]:>5}/{tried:<4}" for s in MARK_SIDES)
        median = statistics.median(times[name])
        print(f"{name:<16} {cells} {sum(found[name].values()):>5}/{len(trials):<4}{false[name]:>3}   "
              f"{median:.0f} ({median / first:.2f})")
    print(f"load average after {os.getloadavg()[0]:.1f}")

if __name__ == "__main__":
    main()
