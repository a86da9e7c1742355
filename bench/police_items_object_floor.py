#!/usr/bin/env python3
"""What a redaction masks as officers and police vehicles, with people and vehicles emitted from the operating
point (before 2026-12-07) or from `min_object_score` (0.25, now).

    python bench/police_items_object_floor.py [--eval-dir DIR] [--part holdout|train|all]

A redaction masks a detection from 0.7 x its threshold (0.35 for officers and vehicles). Before, the police
head emitted nothing under its operating point (0.5), so a uniformed officer it scored 0.46 beside a colleague
it scored 0.61 was left in a covert copy that re-scanned CLEAR. Now each person and vehicle crop is emitted from
0.25 (whole frames and tiles still only from 0.5) and the policy still counts from `[thresholds]`.

Per category of `police_real` (the part chosen; held back by default) and every `exif_gps` photo (everyday
photos, never trained on), it prints: photos with at least one person or vehicle masked as an officer or a
marked vehicle before and now, the objects masked before and now, and the photos whose findings (at the
profile's thresholds) differ, which must be none. One police_items run per photo serves both floors.

Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.config import load_profile  # noqa: E402
from media_screen.detectors.police_items import PoliceItemsDetector, located, with_scene_people  # noqa: E402
from media_screen.inputs.still import decode_file  # noqa: E402
from media_screen.model import DetectionKind  # noqa: E402
from media_screen.redact.options import REDACT_THRESHOLD_FACTOR  # noqa: E402
from media_screen.train.items.data import load_photos  # noqa: E402
from media_screen.train.split import Part  # noqa: E402

DEFAULT_EVAL = REPO.parent / "shared" / "eval"
OBJECT_KINDS = {"police_officer": DetectionKind.POLICE_OFFICER, "police_vehicle": DetectionKind.POLICE_VEHICLE,
                "person_in_police_scene": DetectionKind.PERSON_IN_POLICE_SCENE}


def masked_and_counted(detector, crops, scores, min_object_score, profile) -> tuple[int, int]:
    """(objects a redaction masks as officers, scene people or vehicles; findings the policy counts)."""
    found = with_scene_people(crops, located(detector.head, scores, crops, detector.settings.min_score,
                                             min_object_score))
    masked = counted = 0
    for item in found:
        kind = OBJECT_KINDS.get(item.name)
        threshold = profile.threshold(kind.value) if kind else profile.threshold("badge")
        masked += kind is not None and item.score >= REDACT_THRESHOLD_FACTOR * threshold
        counted += item.score >= threshold
    return masked, counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--part", choices=("holdout", "train", "all"), default="holdout")
    args = parser.parse_args()
    profile = load_profile()
    detector = PoliceItemsDetector.from_profile(profile)
    floor_now = detector.settings.min_object_score
    photos = [p for p in load_photos(args.eval_dir, other_sets=("exif_gps",)) if p.dataset != "police"]
    wanted = {"holdout": {Part.HOLDOUT}, "train": {Part.TRAIN, Part.TUNE}, "all": set(Part)}[args.part]
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])  # photos, with before, with now, objects
    for photo in photos:                                                   # before, objects now, findings differ
        if photo.dataset != "exif_gps" and photo.part not in wanted:
            continue
        frame, _ = decode_file(photo.path, profile.max_image_pixels, profile.publish_long_side(None))
        crops, scores = detector.scores(frame)
        before = masked_and_counted(detector, crops, scores, detector.settings.min_score, profile)
        now = masked_and_counted(detector, crops, scores, floor_now, profile)
        name = "everyday photos (exif_gps, all)" if photo.dataset == "exif_gps" else photo.category
        row = rows[name]
        row[0] += 1
        row[1] += before[0] > 0
        row[2] += now[0] > 0
        row[3] += before[0]
        row[4] += now[0]
        row[5] += before[1] != now[1]
    print(f"police_real part: {args.part}; objects emitted from {detector.settings.min_score:g} (before) and "
          f"{floor_now:g} (now); a redaction masks from {REDACT_THRESHOLD_FACTOR:g} x the threshold")
    print(f"{'category':42s} {'photos':>6s} {'with masks before':>18s} {'now':>5s} {'objects before':>15s} "
          f"{'now':>5s} {'findings differ':>16s}")
    for name in sorted(rows):
        photos_n, with_before, with_now, before, now, differ = rows[name]
        print(f"{name:42s} {photos_n:6d} {with_before:18d} {with_now:5d} {before:15d} {now:5d} {differ:16d}")


if __name__ == "__main__":
    main()
