#!/usr/bin/env python3
"""Face search at the published size: CenterFace's tiles against YuNet's, timed and scored in one run (issue 13).

Designs, each a faces detector seeing photos at --publish facebook (2048 px long side):
  centerface         the default profile's search: CenterFace over the published picture enlarged 1.5x in
                     tiles, small candidates confirmed by CenterFace close-ups (published_search_network =
                     "centerface")
  yunet-alone-1x     YuNet (yuface) alone, one call over the published picture: its own boxes and scores
  yunet-alone-1.5x   the same over the picture enlarged 1.5x (the library keeps at most 512 faces a call)
  yunet-1.5x         CenterFace's whole-frame pass, then YuNet over the picture enlarged 1.5x in tiles, every
                     YuNet face confirmed by CenterFace close-ups (published_search_network = "yunet",
                     yunet_search_face_px = 24)
  yunet-1.75x        the same enlarged 1.75x (yunet_search_face_px = 28, as in the default profile)
  yunet-2x           the same enlarged 2x (yunet_search_face_px = 32)
Other settings are the profile's [detectors.faces].

Speed: the 12 MP photos that bench/batch_speed.py builds (built here when missing), each decoded once at the
published size as a scan decodes it, then searched by every design in turn, the order rotated photo by photo so
that the load of the shared machine weighs on all alike; one thread; median seconds per photo.
Quality: the faces checks of bench/eval_detectors.py, through its own functions: recall / precision at 0.5 on
faces/annotated, false faces on faces/no_faces, small faces in 12 MP (synthetic and real, with the count of those
at least the legible size at 2048 px). And one check of this bench's own, at the legible size: the astronaut's
face (skimage, tilted) pasted 16, 17, 18 and 20 px tall at 12 random places in each of eight 2048 x 1536
published pictures (the coffee photo), found at IoU 0.5 from score 0.5.

Nothing is asserted: it prints figures.

Run:  ~/.venvs/media-screen/bin/python bench/face_search_designs.py [--count 8] [--designs centerface yunet-1.5x]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from media_screen.worker import limit_threads, thread_environment  # noqa: E402

os.environ.update(thread_environment(1))  # before yuface's OpenMP runtime is loaded

import cv2  # noqa: E402
import numpy as np  # noqa: E402

import batch_speed  # noqa: E402
import eval_detectors  # noqa: E402
from media_screen.config import PublishTarget, load_profile  # noqa: E402
from media_screen.detectors import faces as faces_module  # noqa: E402
from media_screen.detectors.centerface import CenterFaceNet  # noqa: E402
from media_screen.detectors.faces import FaceDetector, FaceSettings, SearchNetwork  # noqa: E402
from media_screen.detectors.model_files import package_model  # noqa: E402
from media_screen.media import decode_still  # noqa: E402
from media_screen.model import Box, Detection, DetectionKind, Frame  # noqa: E402

TARGET = PublishTarget.FACEBOOK


class YuNetAlone:
    """YuNet's own faces (boxes, scores) in one call over the picture enlarged `scale` times; no CenterFace."""

    name = "faces"

    def __init__(self, photo_settings: FaceSettings, scale: float) -> None:
        self.photo_settings = photo_settings
        self.scale = scale
        self._network = faces_module.yunet_network()

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        pixels = frame.pixels
        if self.scale != 1.0:
            size = (round(frame.width * self.scale), round(frame.height * self.scale))
            pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_LINEAR)
        faces = self._network(pixels, self.photo_settings.min_score).to_frame(self.scale, 0, 0)
        return tuple(
            Detection(kind=DetectionKind.FACE, label="face", score=float(score), detector="faces",
                      box=Box(*(float(v) for v in box)).clip(frame.width, frame.height))
            for box, score in zip(faces.boxes, faces.scores)
        )


def designs(profile) -> dict[str, object]:
    """Every design, built from the profile's [detectors.faces] with the search network and size changed."""
    table = dict(profile.detector_settings("faces"))
    base = FaceSettings.from_table(table)
    network = CenterFaceNet(package_model(faces_module.MODEL_PACKAGE, faces_module.MODEL_FILE))

    def faces_detector(search: SearchNetwork, yunet_search_face_px: int = base.yunet_search_face_px) -> FaceDetector:
        settings = dataclasses.replace(base, published_search_network=search, yunet_search_face_px=yunet_search_face_px)
        yunet = faces_module.yunet_network() if search is SearchNetwork.YUNET else None
        return FaceDetector(network, settings, settings.at_published_size(), yunet)

    published = base.at_published_size()
    return {
        "centerface": faces_detector(SearchNetwork.CENTERFACE),
        "yunet-alone-1x": YuNetAlone(published, 1.0),
        "yunet-alone-1.5x": YuNetAlone(published, 1.5),
        "yunet-1.5x": faces_detector(SearchNetwork.YUNET, 24),
        "yunet-1.75x": faces_detector(SearchNetwork.YUNET, 28),
        "yunet-2x": faces_detector(SearchNetwork.YUNET, 32),
    }


def legible_faces_at_random_places(seed: int = 0) -> list[tuple[int, np.ndarray, list[Box]]]:
    """Published pictures (2048 x 1536, the coffee photo) with the astronaut's face pasted `height` px tall at 12
    random places each: [(height, pixels, face boxes)], two pictures per height of 16, 17, 18 and 20 px."""
    from skimage import data

    face = (180, 60, 272, 182)  # the face in skimage.data.astronaut(), as bench/eval_detectors.py measures it
    head = np.ascontiguousarray(data.astronaut()[face[1] - 40 : face[3] + 40, face[0] - 40 : face[2] + 40, ::-1])
    background = cv2.resize(np.ascontiguousarray(data.coffee()[:, :, ::-1]), (2048, 1536),
                            interpolation=cv2.INTER_LINEAR)
    random = np.random.default_rng(seed)
    pictures = []
    for height in (16, 17, 18, 20):
        factor = height / (face[3] - face[1])
        small = cv2.resize(head, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        for _ in range(2):
            canvas, boxes = background.copy(), []
            for index in range(12):  # one in each cell of a 4 x 3 grid, somewhere in its first 300 px
                left = int(100 + (index % 4) * 480 + random.integers(0, 300))
                top = int(100 + (index // 4) * 450 + random.integers(0, 300))
                canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
                margin = 40 * factor
                boxes.append(Box(left + margin, top + margin, left + margin + (face[2] - face[0]) * factor,
                                 top + margin + height))
            pictures.append((height, canvas, boxes))
    return pictures


def legible_check(detector, pictures, threshold: float) -> str:
    """Found / pasted per face height, and the false faces, over the pictures of legible_faces_at_random_places."""
    found_by_height: dict[int, list[int]] = {}
    others = 0
    for height, pixels, boxes in pictures:
        faces = [d for d in detector.detect(Frame(pixels)) if d.score >= threshold]
        missed = eval_detectors._unmatched(faces, boxes, 0.5)
        counts = found_by_height.setdefault(height, [0, 0])
        counts[0] += len(boxes) - len(missed)
        counts[1] += len(boxes)
        others += len(faces) - (len(boxes) - len(missed))
    per_height = ", ".join(f"{height} px {found}/{total}" for height, (found, total) in found_by_height.items())
    return f"legible faces at random places: {per_height}; other detections {others}"


def load_average() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def speed(chosen: dict[str, object], folder: Path, count: int, long_side: int, max_pixels: int) -> dict[str, list]:
    """Seconds per photo of each design, the designs taking turns photo by photo."""
    batch_speed.build_folder(folder, count + 1, 2)
    paths = sorted(folder.glob("mosaic_*.jpg"))[: count + 1]
    warm, *paths = [decode_still(path, max_pixels, long_side)[0] for path in paths]
    for detector in chosen.values():
        detector.detect(warm)  # networks load, shapes warm up
    seconds: dict[str, list[float]] = {name: [] for name in chosen}
    names = list(chosen)
    for index, frame in enumerate(paths):
        for name in names[index % len(names):] + names[: index % len(names)]:
            started = time.perf_counter()
            chosen[name].detect(frame)
            seconds[name].append(time.perf_counter() - started)
    return seconds


def quality(detector, eval_dir: Path, profile, long_side: int) -> tuple[dict[str, str], list[str]]:
    """(annotated / no_faces figures, the lines eval_detectors prints for its small-face checks)."""
    set_dir = eval_dir / "faces"
    rows = eval_detectors.read_rows(set_dir)
    seen = eval_detectors.AtPublishedSize(detector, long_side)
    threshold = profile.threshold(DetectionKind.FACE.value)
    scored = []
    for row in rows:
        frame, _ = decode_still(set_dir / row["file"], profile.max_image_pixels)
        scored.append((row, list(seen.detect(frame))))
    figures = eval_detectors._face_figures(scored, threshold, Box)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        eval_detectors._small_faces_in_a_12_mp_photo(seen, threshold)
        eval_detectors._real_small_faces_in_12_mp_photos(set_dir, rows, seen, threshold)
    return figures, printed.getvalue().rstrip().splitlines()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "media-screen-batch-bench")
    parser.add_argument("--count", type=int, default=8, help="12 MP photos timed (default 8)")
    parser.add_argument("--eval-dir", type=Path, default=eval_detectors.DEFAULT_EVAL)
    parser.add_argument("--designs", nargs="*", help="names of the designs to compare (default: all)")
    args = parser.parse_args()
    limit_threads(1)
    profile = load_profile().analysed_for(TARGET)
    long_side = profile.publish_long_side(TARGET)
    eval_detectors.LONG_SIDE = long_side
    every = designs(profile)
    chosen = {name: every[name] for name in (args.designs or every)}
    print(f"# face_search_designs: --publish {TARGET.value} ({long_side} px), one thread; "
          f"load average before {load_average()}")
    seconds = speed(chosen, args.folder / "photos", args.count, long_side, profile.max_image_pixels)
    print(f"speed: {args.count} photos of 4000x3000 from {args.folder / 'photos'}, decoded at the published size, "
          f"designs taking turns; load average after {load_average()}")
    reference = statistics.median(seconds["centerface"]) if "centerface" in seconds else None
    print(f"  {'design':<18} {'median s/photo':>14} {'min':>7} {'max':>7} {'/ centerface':>13}")
    for name, values in seconds.items():
        ratio = f"{statistics.median(values) / reference:.2f}" if reference else "-"
        print(f"  {name:<18} {statistics.median(values):>14.3f} {min(values):>7.3f} {max(values):>7.3f} {ratio:>13}")
    if not (args.eval_dir / "faces").is_dir():
        print(f"quality: {args.eval_dir / 'faces'} not found, skipped")
        return 0
    print(f"quality (bench/eval_detectors.py's faces checks at {long_side} px; faces counted from score "
          f"{profile.threshold(DetectionKind.FACE.value):g}):")
    pictures = legible_faces_at_random_places()
    for name, detector in chosen.items():
        started = time.perf_counter()
        figures, small_faces = quality(detector, args.eval_dir, profile, long_side)
        small_faces.append(legible_check(detector, pictures, profile.threshold(DetectionKind.FACE.value)))
        print(f"  {name}: annotated recall {figures['recall']}, precision {figures['precision']}, "
              f"precision* {figures['precision_boxed']}; false faces per no_faces photo {figures['false_faces']}; "
              f"|count error| {figures['count_error']}  "
              f"({time.perf_counter() - started:.0f} s, load average {load_average()})")
        for line in small_faces:
            print(f"  {line}")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
