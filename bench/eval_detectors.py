"""Measure the pixel detectors on the real evaluation media in ../shared/eval and print the figures.

    python bench/eval_detectors.py [--eval-dir DIR] [--sets police text_signs ...]

One function per evaluation set; each prints its own figures. Skips cleanly when the
evaluation folder is absent (a user's clone does not have it). Nothing is asserted:
these are measurements, run by hand; the latest output goes in the README.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable

import cv2

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = REPO.parent / "shared" / "eval"
sys.path.insert(0, str(REPO))

from media_screen import detectors as registry  # noqa: E402
from media_screen.config import Profile, load_profile  # noqa: E402
from media_screen.model import Detection, DetectionKind, Frame  # noqa: E402

DEPARTMENT_ITEM = "department_item"


def read_rows(set_dir: Path) -> list[dict[str, str]]:
    with open(set_dir / "ground_truth.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_named(names: Iterable[str], profile: Profile) -> list:
    """The named detectors that are registered (others are reported as missing and skipped)."""
    loaded = []
    for name in names:
        if name not in registry.REGISTRY:
            print(f"  ({name}: not registered, skipped)")
            continue
        loaded.append(registry.detector_class(name).from_profile(profile))
    return loaded


def run_detectors(detectors: list, image_path: Path, timings: dict[str, list[float]]) -> list[Detection]:
    """All detections of `detectors` on one image, in order; ms per detector appended to `timings`."""
    pixels = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
    if pixels is None:
        return []
    frame = Frame(pixels)
    found: list[Detection] = []
    for detector in detectors:
        started = time.perf_counter()
        found.extend(detector.detect(frame))
        timings[detector.name].append((time.perf_counter() - started) * 1000)
    return found


def print_timings(timings: dict[str, list[float]]) -> None:
    for name, values in timings.items():
        if values:
            print(f"  ms per image, {name}: median {statistics.median(values):.0f}, mean {statistics.fmean(values):.0f}")


def counted(detections: Iterable[Detection], profile: Profile) -> list[Detection]:
    return [d for d in detections if d.score >= profile.threshold(d.kind.value)]


def department_items(detections: Iterable[Detection], profile: Profile) -> list[Detection]:
    return [d for d in counted(detections, profile) if profile.detection_rules.get(d.kind.value) == DEPARTMENT_ITEM]


# --- police: marked vehicles, uniformed officers, and their look-alikes --------------------------------------

POLICE_DETECTORS = ("text", "insignia", "police_vehicle")
POLICE_POSITIVE = ("police_vehicles", "officers_uniform")


def eval_police(eval_dir: Path, profile: Profile) -> None:
    """Per-image recall on marked vehicles and officers, false-positive rate on each negative category.

    An image counts as found when any of text, insignia and police_vehicle gives a detection
    that maps to the department-item rule (B.2) at the profile's threshold.
    """
    set_dir = eval_dir / "police"
    rows = read_rows(set_dir)
    detectors = load_named(POLICE_DETECTORS, profile)
    timings: dict[str, list[float]] = defaultdict(list)
    hits: dict[str, list[bool]] = defaultdict(list)
    cues: dict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        found = department_items(run_detectors(detectors, set_dir / row["file"], timings), profile)
        hits[row["category"]].append(bool(found))
        for source in {_source(d) for d in found}:
            cues[row["category"]][source] += 1
    print(f"police ({len(rows)} images; detectors: {', '.join(d.name for d in detectors)})")
    for category in sorted(hits):
        values = hits[category]
        what = "recall" if category in POLICE_POSITIVE else "false-positive rate"
        by_source = ", ".join(f"{k} {v}" for k, v in sorted(cues[category].items()))
        print(f"  {category:32s} {what:20s} {sum(values) / len(values):.3f} ({sum(values)}/{len(values)})"
              + (f"  [{by_source}]" if by_source else ""))
    print_timings(timings)


def _source(detection: Detection) -> str:
    if detection.detector == "police_vehicle":
        return "police_vehicle:" + "+".join(detection.evidence.get("cues", ()))
    return f"{detection.detector}:{detection.kind.value}"


# --- text_signs: licence plates read, and text where there is none -------------------------------------------


def eval_text_signs(eval_dir: Path, profile: Profile) -> None:
    """Plate-string recall on license_plates; detections per image on no_text."""
    from media_screen.detectors.text_rules import plate_string

    set_dir = eval_dir / "text_signs"
    rows = read_rows(set_dir)
    detectors = load_named(("text",), profile)
    timings: dict[str, list[float]] = defaultdict(list)
    exact, near, plates_total = 0, 0, 0
    kinds_by_category: dict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    images_by_category: dict[str, int] = defaultdict(int)
    misses = []
    for row in rows:
        found = counted(run_detectors(detectors, set_dir / row["file"], timings), profile)
        category = row["category"]
        images_by_category[category] += 1
        for kind in {d.kind.value for d in found}:
            kinds_by_category[category][kind] += 1
        if category != "license_plates":
            continue
        plates_total += 1
        truth = plate_string(row["gt_text"])
        read = [plate_string(d.evidence.get("matched", "")) for d in found if d.kind == DetectionKind.PLATE]
        exact += truth in read
        close = any(edit_distance(truth, r) <= 1 for r in read)
        near += close
        if not close:
            misses.append(f"{row['gt_text']} (read: {', '.join(read) or 'no plate'})")
    print(f"text_signs ({len(rows)} images)")
    if plates_total:
        print(f"  plate-string recall, exact (look-alikes folded): {exact / plates_total:.3f} ({exact}/{plates_total})")
        print(f"  plate-string recall, at most one character wrong: {near / plates_total:.3f} ({near}/{plates_total})")
        print(f"  plates missed: {'; '.join(misses) or 'none'}")
    for category in sorted(images_by_category):
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(kinds_by_category[category].items())) or "nothing"
        print(f"  {category:22s} images with each kind (of {images_by_category[category]}): {kinds}")
    print_timings(timings)


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (a swap of two neighbours counts as one edit)."""
    rows = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


SETS: dict[str, Callable[[Path, Profile], None]] = {
    "police": eval_police,
    "text_signs": eval_text_signs,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--sets", nargs="*", choices=sorted(SETS), default=list(SETS))
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"evaluation folder {args.eval_dir} not found; nothing to measure")
        return 0
    profile = load_profile()
    print(f"# eval_detectors {datetime.date.today().isoformat()} on {args.eval_dir}")
    for name in args.sets:
        if (args.eval_dir / name).is_dir():
            SETS[name](args.eval_dir, profile)
        else:
            print(f"{name}: folder missing, skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
