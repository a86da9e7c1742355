#!/usr/bin/env python3
"""Text seen in a mirror: what the text detector reads in photos and in their mirror images, with the mirrored
re-reading of unsure lines (detectors/ocr.py, MIRROR_BELOW / MIRROR_MARGIN) off and on.

    python bench/ocr_mirrored.py [--eval-dir DIR] [--part holdout|train|all] [--count N]

A mirror selfie shows every word reversed: a police academy shirt, a vest's POLICE, a name tape. Each photo of
`police_real` (the part chosen; held back by default) is screened by the scan's text detector at the default
publish size as it is and mirrored (every row reversed), each with the re-reading off and on. Per category it
prints the photos with police wording (B.2 / B.10), investigation text (B.3) and plates, and the text detector's
milliseconds per photo. The photos as they are must give the same findings with the re-reading on: what it
changes there is listed photo by photo.

Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.config import load_profile  # noqa: E402
from media_screen.detectors import ocr  # noqa: E402
from media_screen.detectors.text import TextDetector  # noqa: E402
from media_screen.inputs.still import decode_file  # noqa: E402
from media_screen.model import DetectionKind, Frame  # noqa: E402
from media_screen.train.items.data import load_photos  # noqa: E402
from media_screen.train.split import Part  # noqa: E402

DEFAULT_EVAL = REPO.parent / "shared" / "eval"
KINDS = {DetectionKind.POLICE_TEXT: "police", DetectionKind.INVESTIGATION_TEXT: "investigation",
         DetectionKind.PLATE: "plate"}
RUNS = ("as is", "as is, re-read", "mirrored", "mirrored, re-read")


def found(detector: TextDetector, frame: Frame) -> tuple[set[str], float]:
    started = time.perf_counter()
    kinds = {KINDS[d.kind] for d in detector.detect(frame) if d.kind in KINDS}
    return kinds, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--part", choices=("holdout", "train", "all"), default="holdout")
    parser.add_argument("--count", type=int, default=0, help="at most this many photos (0: all)")
    args = parser.parse_args()
    profile = load_profile()
    rereading = TextDetector.from_profile(profile)
    engine = rereading.engine
    plain = TextDetector(ocr.OcrEngine(engine.detect_max_side, engine.min_score, mirror_below=0.0), rereading.rules,
                         rereading.report_other_text, rereading.plate_regions)
    wanted = {"holdout": {Part.HOLDOUT}, "train": {Part.TRAIN, Part.TUNE}, "all": set(Part)}[args.part]
    photos = [p for p in load_photos(args.eval_dir) if p.dataset == "police_real" and p.part in wanted]
    photos = photos[: args.count] if args.count else photos
    counts: dict[str, Counter] = defaultdict(Counter)
    seconds: Counter = Counter()
    changed = []
    for photo in photos:
        frame, _ = decode_file(photo.path, profile.max_image_pixels, profile.publish_long_side(None))
        mirrored = Frame(np.ascontiguousarray(frame.pixels[:, ::-1]))
        results = {}
        for run, pixels, detector in zip(RUNS, (frame, frame, mirrored, mirrored), (plain, rereading) * 2):
            results[run], spent = found(detector, pixels)
            seconds[run] += spent
        row = counts[photo.category]
        row["photos"] += 1
        for run, kinds in results.items():
            for kind in kinds:
                row[(run, kind)] += 1
        if results["as is"] != results["as is, re-read"]:
            changed.append(f"{photo.path.name}: {sorted(results['as is'])} -> {sorted(results['as is, re-read'])}")
    print(f"police_real part {args.part}, {len(photos)} photos; mirrored re-reading of lines under "
          f"{ocr.MIRROR_BELOW:g} confidence, kept when {ocr.MIRROR_MARGIN:g} surer")
    header = "".join(f"{run + ': ' + kind:>28s}" for run in RUNS for kind in ("police",))
    print(f"{'category':32s} {'photos':>6s}{header}   investigation/plate, each run")
    for category in sorted(counts):
        row = counts[category]
        cells = "".join(f"{row[(run, 'police')]:28d}" for run in RUNS)
        other = " | ".join(" ".join(f"{row[(run, k)]}/{row[(run, 'plate')]}" for run in pair for k in ("investigation",))
                           for pair in (RUNS[:2], RUNS[2:]))
        print(f"{category:32s} {row['photos']:6d}{cells}   {other}")
    print("text detector ms per photo: " + ", ".join(f"{run} {1000 * seconds[run] / max(len(photos), 1):.0f}"
                                                     for run in RUNS))
    print(f"photos as they are whose findings the re-reading changed: {len(changed)}")
    for line in changed:
        print("  " + line)


if __name__ == "__main__":
    main()
