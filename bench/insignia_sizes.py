#!/usr/bin/env python3
"""Issue 13's insignia lever: SIFT at a smaller size than today's 1600 px, what it saves and what it loses.

Each enrolled reference of the default profile (the Concord patch, badge and decal, and the drawn hate
symbols) is warped in mild perspective onto 12 MP photos published at 2048 px (the batch bench's mosaics
of evaluation photos, decoded as a scan decodes them), at several sizes (the side of the square of the mark's
area, in published pixels), a little blurred and shaded, and the photo is JPEG-compressed (quality 85). Then
the insignia detector, with its frame scaled to each `max_side`, looks: a mark counts as found when the
detector names that reference with a box overlapping the pasted one (IoU >= 0.3) at the profile's threshold.
Also printed: other findings at the threshold (false ones; a mark the photo showed before pasting, such as
the real swastika in one of the mosaics, is not counted) and the median milliseconds per photo, one thread.

Run:  ~/.venvs/media-screen/bin/python bench/insignia_sizes.py [--photos 6] [--sides 1600 1280 1024]
A measurement, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.config import load_profile  # noqa: E402
from media_screen.detectors.insignia import InsigniaDetector  # noqa: E402
from media_screen.inputs.still import decode_file  # noqa: E402
from media_screen.model import Box, Frame  # noqa: E402
from media_screen.publish import published_size, resize_to  # noqa: E402
from media_screen.batch.worker import limit_threads  # noqa: E402

MARK_SIDES = (32, 40, 48, 64, 80, 112)  # published pixels
PUBLISHED_LONG_SIDE = 2048


def published(path: Path, max_pixels: int) -> np.ndarray:
    frame, _ = decode_file(path, max_pixels)
    size = published_size(frame.width, frame.height, PUBLISHED_LONG_SIDE)
    return resize_to(frame.pixels, size)


def pasted(background: np.ndarray, mark: np.ndarray, side: int, rng: np.random.Generator) -> tuple[np.ndarray, Box]:
    """`mark` (BGRA) warped onto a random place of a copy of `background`, its area side x side, tilted a little."""
    h, w = mark.shape[:2]
    scale = side / np.sqrt(h * w)
    width, height = w * scale, h * scale
    left = rng.uniform(20, background.shape[1] - width - 20)
    top = rng.uniform(20, background.shape[0] - height - 20)
    jitter = rng.uniform(-0.08, 0.08, size=(4, 2)) * [width, height]  # mild perspective
    quad = np.float32([[left, top], [left + width, top], [left + width, top + height], [left, top + height]]) + jitter
    homography = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), quad.astype(np.float32))
    size = (background.shape[1], background.shape[0])
    warped = cv2.warpPerspective(mark, homography, size, flags=cv2.INTER_AREA, borderValue=(0, 0, 0, 0))
    alpha = cv2.GaussianBlur(warped[:, :, 3:].astype(np.float32) / 255, (0, 0), 0.7)[:, :, None]
    colour = cv2.GaussianBlur(warped[:, :, :3].astype(np.float32) * rng.uniform(0.75, 1.0), (0, 0), 0.7)
    image = (background * (1 - alpha) + colour * alpha).clip(0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    xs, ys = quad[:, 0], quad[:, 1]
    return cv2.imdecode(data, cv2.IMREAD_COLOR), Box(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))


def mark_images(references) -> list[tuple[str, np.ndarray]]:
    """(name, BGRA image) of each enrolled reference (insignia.Reference), as pasted onto the photos."""
    marks = []
    for reference in references:
        mark = cv2.imread(str(reference.path), cv2.IMREAD_UNCHANGED)
        if mark.ndim == 2:
            mark = cv2.cvtColor(mark, cv2.COLOR_GRAY2BGRA)
        elif mark.shape[2] == 3:
            mark = cv2.cvtColor(mark, cv2.COLOR_BGR2BGRA)
        marks.append((reference.name, mark))
    return marks


def reported(detections, threshold: dict) -> list:
    """The detections at the profile's threshold for their kind."""
    return [d for d in detections if d.score >= threshold.get(d.kind.value, 0.5)]


def judged(counted: list, reference: str, box: Box, bare: list) -> tuple[bool, int]:
    """Whether the pasted mark was found (that reference, IoU >= 0.3 with where it was pasted), and how many
    other findings are false (not the hit, and not a mark the photo showed before pasting: `bare`)."""
    hit = [d for d in counted if d.evidence.get("reference") == reference and d.box.iou(box) >= 0.3]
    already = [d for d in counted if any(d.evidence.get("reference") == e.evidence.get("reference")
                                         and d.box.iou(e.box) >= 0.3 for e in bare)]
    return bool(hit), len([d for d in counted if d not in hit[:1] and d not in already])


@dataclass
class Setting:
    """What the trials of this bench and bench/insignia_features.py are made from."""

    threshold: dict[str, float]  # the profile's, per kind the insignia detector reports
    base: InsigniaDetector  # the shipped detector of the default profile
    marks: list[tuple[str, np.ndarray]]  # (reference name, BGRA image) to paste
    backgrounds: list[np.ndarray]  # the photos, published at PUBLISHED_LONG_SIDE
    rng: np.random.Generator  # where the marks go: the same trials in every run and both benches


def setting(folder: Path, photos: int) -> Setting | None:
    """The first `photos` mosaics of the batch bench's folder and the shipped detector, on one thread;
    None (after saying how to make them) when the folder holds none."""
    paths = sorted((folder / "photos").glob("mosaic_*.jpg"))[:photos]
    if not paths:
        print(f"no photos in {folder / 'photos'}: run bench/batch_speed.py --count N --folder ... first")
        return None
    limit_threads(1)
    profile = load_profile()
    base = InsigniaDetector.from_profile(profile)
    return Setting(
        threshold={kind: profile.threshold(kind) for kind in ("badge", "patch", "insignia", "hate_symbol")},
        base=base,
        marks=mark_images([r for r in base.references if not r.mirrored]),  # the enrolled files, as they are
        backgrounds=[published(path, profile.max_image_pixels) for path in paths],
        rng=np.random.default_rng(13),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "media-screen-batch-bench")
    parser.add_argument("--photos", type=int, default=6)
    parser.add_argument("--sides", type=int, nargs="+", default=[1600, 1280, 1024])
    args = parser.parse_args()
    chosen = setting(args.folder, args.photos)
    if chosen is None:
        return
    threshold, base, references, backgrounds, rng = (
        chosen.threshold, chosen.base, chosen.marks, chosen.backgrounds, chosen.rng)
    trials = []  # (image, reference name, box, mark side, background index) for every photo, reference and size
    for index, background in enumerate(backgrounds):
        for name, mark in references:
            for side in MARK_SIDES:
                image, box = pasted(background, mark, side, rng)
                trials.append((image, name, box, side, index))
    print(f"{len(backgrounds)} photos at {PUBLISHED_LONG_SIDE} px, {len(references)} references, marks "
          f"{', '.join(map(str, MARK_SIDES))} px; load average {os.getloadavg()[0]:.1f}")
    header = "max_side  " + "".join(f"{side:>8}px" for side in MARK_SIDES) + "   false   ms/photo (median)"
    print(header)
    for max_side in args.sides:
        detector = InsigniaDetector(base.references, {**base.settings, "max_side": max_side})
        found = {side: 0 for side in MARK_SIDES}
        tried = {side: 0 for side in MARK_SIDES}
        # what the photos show already (one of the mosaics holds a real swastika): not counted as false
        bare = [reported(detector.detect(Frame(b)), threshold) for b in backgrounds]
        false, times = 0, []
        for image, name, box, side, index in trials:
            started = time.perf_counter()
            detections = detector.detect(Frame(image))
            times.append((time.perf_counter() - started) * 1000)
            hit, wrong = judged(reported(detections, threshold), name, box, bare[index])
            tried[side] += 1
            found[side] += hit
            false += wrong
        cells = "".join(f"{found[s]:>5}/{tried[s]:<4}" for s in MARK_SIDES)
        print(f"{max_side:<9} {cells} {false:>6}   {statistics.median(times):.0f}", flush=True)


if __name__ == "__main__":
    main()
