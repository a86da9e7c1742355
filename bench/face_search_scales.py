#!/usr/bin/env python3
"""Face search at the published size: how far the search pass must enlarge the picture (issue 13).

A photo analysed at a platform's size is searched for faces down to the legible size (16 px tall at 2048 px):
CenterFace runs over the published picture enlarged so such a face is `published_search_face_px` tall (24:
1.5x, the shipped setting), every peak from `candidate_score` up becomes a candidate, and each candidate is
confirmed in a close-up where it is 32 px tall. The search pass is most of a photo's face time (six tiles of
a 2048 x 1536 picture enlarged 1.5x). A candidate only has to be a peak, not a confident face, so a search
nearer the published size with a lower candidate score may find the same faces for less network work.

Designs are SEARCH_PX:CANDIDATE_SCORE (the search enlarges SEARCH_PX / 16 times), e.g. `24:0.1` (the float
network searching, as shipped until 2026-12-07; `24:0.1+search` with --search-model FILE runs the search tiles on
that model, every face of it confirmed by the float network: the shipped design with the int8 model),
`20:0.05`, `16:0.03`, or SEARCH_PX:CANDIDATE_SCORE:TILE_PX with the largest search tile fed to the network
changed (`24:0.1:3200`: the whole enlarged picture in one run; shipped 1536). Everything else is the profile's
`[detectors.faces]`.

Speed: the 12 MP photos of bench/batch_speed.py (built when missing), each decoded once at the published size as
a scan decodes it, then searched by every design in turn, the order rotated photo by photo; one thread; median
seconds per photo. On the same photos: faces at score 0.5 found by each design, and how many of the first
design's faces at least 16 px tall it does not find (IoU 0.5): the crowds of the mosaics, against the reference.
Quality: bench/eval_detectors.py's faces checks through its own functions (recall / precision at 0.5 on
faces/annotated, false faces on faces/no_faces, small faces in 12 MP, synthetic and real), and the astronaut's
face pasted 16, 17, 18 and 20 px tall at 12 random places in each of eight 2048 x 1536 pictures (96 faces).

Nothing is asserted: it prints figures.

Run:  ~/.venvs/media-screen/bin/python bench/face_search_scales.py [--count 8] [DESIGN ...]
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

from media_screen.batch.worker import limit_threads, thread_environment  # noqa: E402

os.environ.update(thread_environment(1))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

import batch_speed  # noqa: E402
import eval_detectors  # noqa: E402
from media_screen.config import PublishTarget, load_profile  # noqa: E402
from media_screen.detectors import faces as faces_module  # noqa: E402
from media_screen.detectors.centerface import CenterFaceNet  # noqa: E402
from media_screen.detectors.faces import FaceDetector, FaceSettings  # noqa: E402
from media_screen.detectors.model_files import package_model  # noqa: E402
from media_screen.inputs.still import decode_file  # noqa: E402
from media_screen.model import Box, DetectionKind, Frame  # noqa: E402

TARGET = PublishTarget.FACEBOOK
DEFAULT_DESIGNS = ("24:0.1", "20:0.1", "20:0.05", "16:0.05", "16:0.03")


def detector_for(design: str, base: FaceSettings, network: CenterFaceNet, search: CenterFaceNet | None = None) -> FaceDetector:
    """The faces detector of one design: the profile's settings with the published search changed (and, with
    a third field, the largest search tile the network is fed). A design ending in `+search` runs its search
    tiles on `search` (--search-model), whose faces are all confirmed by `network` in close-up."""
    design, proposals = design.removesuffix("+search"), design.endswith("+search")
    if proposals and search is None:
        raise SystemExit(f"{design}+search needs --search-model")
    search_px, candidate, *tile = design.split(":")
    photo = dataclasses.replace(base.at_published_size(), search_face_px=int(search_px), candidate_score=float(candidate))
    if tile:
        photo = dataclasses.replace(photo, tile_px=int(tile[0]))
    return FaceDetector(network, base, photo, search_network=search if proposals else None)


def legible_faces_at_random_places(seed: int = 0) -> list[tuple[int, np.ndarray, list[Box]]]:
    """Published pictures (2048 x 1536, the coffee photo) with the astronaut's face pasted `height` px tall at 12
    random places each: [(height, pixels, face boxes)], two pictures per height of 16, 17, 18 and 20 px."""
    from skimage import data

    face = (180, 60, 272, 182)  # the face in skimage.data.astronaut(), as bench/eval_detectors.py measures it
    head = np.ascontiguousarray(data.astronaut()[face[1] - 40 : face[3] + 40, face[0] - 40 : face[2] + 40, ::-1])
    background = cv2.resize(np.ascontiguousarray(data.coffee()[:, :, ::-1]), (2048, 1536), interpolation=cv2.INTER_LINEAR)
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
    """Found / pasted per face height, and the other detections, over legible_faces_at_random_places."""
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


def speed(chosen: dict[str, FaceDetector], folder: Path, count: int, long_side: int, max_pixels: int, threshold: float):
    """Seconds per photo of each design (designs taking turns photo by photo), and each design's faces per photo."""
    batch_speed.build_folder(folder, count + 1, 2)
    paths = sorted(folder.glob("mosaic_*.jpg"))[: count + 1]
    warm, *frames = [decode_file(path, max_pixels, long_side)[0] for path in paths]
    for detector in chosen.values():
        detector.detect(warm)  # shapes warm up
    seconds: dict[str, list[float]] = {name: [] for name in chosen}
    faces: dict[str, list[list]] = {name: [] for name in chosen}
    names = list(chosen)
    for index, frame in enumerate(frames):
        for name in names[index % len(names):] + names[: index % len(names)]:
            started = time.perf_counter()
            found = chosen[name].detect(frame)
            seconds[name].append(time.perf_counter() - started)
            faces[name].append([d for d in found if d.score >= threshold])
    return seconds, faces


def lost_against(reference: list[list], other: list[list], min_height: float) -> tuple[int, int]:
    """(reference faces at least min_height tall that `other` does not find at IoU 0.5, such reference faces)."""
    lost = total = 0
    for ref_faces, other_faces in zip(reference, other):
        truth = [d.box for d in ref_faces if d.box.height >= min_height]
        total += len(truth)
        lost += len(eval_detectors._unmatched(other_faces, truth, 0.5))
    return lost, total


def quality(detector, eval_dir: Path, profile, long_side: int, false_at: float) -> tuple[dict[str, str], list[str]]:
    """(annotated / no_faces figures, with `false_faces_low` counted from `false_at`; the lines eval_detectors
    prints for its small-face checks)."""
    set_dir = eval_dir / "faces"
    rows = eval_detectors.read_rows(set_dir)
    seen = eval_detectors.AtPublishedSize(detector, long_side)
    threshold = profile.threshold(DetectionKind.FACE.value)
    scored = []
    for row in rows:
        frame, _ = decode_file(set_dir / row["file"], profile.max_image_pixels)
        scored.append((row, list(seen.detect(frame))))
    figures = eval_detectors._face_figures(scored, threshold, Box)
    figures["false_faces_low"] = eval_detectors._face_figures(scored, false_at, Box)["false_faces"]
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
    parser.add_argument("--no-quality", action="store_true", help="speed and the mosaics' faces only")
    parser.add_argument("--search-model", type=Path, help="a CenterFace model for designs ending in +search, e.g. "
                        "the int8 one of scripts/quantize_centerface.py")
    parser.add_argument("--false-at", type=float, default=0.3, help="also count false faces on faces/no_faces from "
                        "this score (redaction masks from 0.3; default 0.3)")
    parser.add_argument("designs", nargs="*", default=list(DEFAULT_DESIGNS),
                        help="SEARCH_PX:CANDIDATE_SCORE[:TILE_PX][+search] ...")
    args = parser.parse_args()
    limit_threads(1)
    profile = load_profile().analysed_for(TARGET)
    long_side = profile.publish_long_side(TARGET)
    eval_detectors.LONG_SIDE = long_side
    base = FaceSettings.from_table(profile.detector_settings("faces"))
    network = CenterFaceNet(package_model(faces_module.MODEL_PACKAGE, faces_module.MODEL_FILE))
    search = CenterFaceNet(args.search_model) if args.search_model else None
    chosen = {design: detector_for(design, base, network, search) for design in args.designs}
    threshold = profile.threshold(DetectionKind.FACE.value)
    print(f"# face_search_scales: --publish {TARGET.value} ({long_side} px), one thread; load average before "
          f"{load_average()}")
    seconds, faces = speed(chosen, args.folder / "photos", args.count, long_side, profile.max_image_pixels, threshold)
    print(f"speed: {args.count} photos of 4000x3000 from {args.folder / 'photos'}, decoded at the published size, "
          f"designs taking turns; load average after {load_average()}")
    first = args.designs[0]
    reference = statistics.median(seconds[first])
    legible = base.published_min_face_px
    print(f"  {'design':<10} {'median s/photo':>14} {'min':>7} {'max':>7} {'/ ' + first:>10} {'faces':>6}  "
          f"{first}'s faces >= {legible} px not found")
    for name, values in seconds.items():
        lost, total = lost_against(faces[first], faces[name], legible)
        print(f"  {name:<10} {statistics.median(values):>14.3f} {min(values):>7.3f} {max(values):>7.3f} "
              f"{statistics.median(values) / reference:>10.2f} {sum(map(len, faces[name])):>6}  {lost}/{total}")
    if args.no_quality or not (args.eval_dir / "faces").is_dir():
        return 0
    print(f"quality (bench/eval_detectors.py's faces checks at {long_side} px; faces counted from score {threshold:g}):")
    pictures = legible_faces_at_random_places()
    for name, detector in chosen.items():
        figures, small_faces = quality(detector, args.eval_dir, profile, long_side, args.false_at)
        small_faces.append(legible_check(detector, pictures, threshold))
        print(f"  {name}: annotated recall {figures['recall']}, precision {figures['precision']}, "
              f"precision* {figures['precision_boxed']}; false faces per no_faces photo {figures['false_faces']} "
              f"({figures['false_faces_low']} from {args.false_at:g}); "
              f"|count error| {figures['count_error']}")
        for line in small_faces:
            print(f"    {line}", flush=True)
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
