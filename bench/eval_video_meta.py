#!/usr/bin/env python3
"""Video location metadata against ../shared/eval/video_meta/ground_truth.csv.

For every file: the location found (or not), the expected one, and whether they
agree: within 1e-3 degrees where a location is expected, nothing where there is
none, and 0/0 reported as invalid. Prints a table and a summary; skips when the
evaluation set is absent.

Run:  ~/.venvs/media-screen/bin/python bench/eval_video_meta.py [EVAL_DIR]
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

from media_screen.config import load_profile
from media_screen.inputs.source import Source
from media_screen.metadata import read_metadata
from media_screen.model import FactKind

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "video_meta"
TOLERANCE_DEG = 1e-3


def judge(row: dict, metadata) -> tuple[bool, str]:
    """(agrees with the ground truth, what was found)"""
    location = metadata.location
    invalid = [f.value for f in metadata.of_kind(FactKind.GPS_INVALID)]
    tracks = metadata.of_kind(FactKind.LOCATION_TRACK)
    found = f"{location.lat:.5f}, {location.lon:.5f} ({location.source})" if location else "none"
    if invalid:
        found += f"; invalid: {'; '.join(invalid)}"
    if tracks:
        found += f"; track: {tracks[0].source}"
    expected = row["expected_location"]
    if expected == "yes":
        ok = location is not None and (
            abs(location.lat - float(row["expected_lat"])) <= TOLERANCE_DEG
            and abs(location.lon - float(row["expected_lon"])) <= TOLERANCE_DEG
        )
    elif expected == "zero":
        ok = location is None and any("0/0" in value for value in invalid)
    else:
        ok = location is None and not tracks
    return ok, found


def main(argv: list[str]) -> int:
    eval_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_EVAL
    truth = eval_dir / "ground_truth.csv"
    if not truth.exists():
        print(f"skipped: {truth} not found", file=sys.stderr)
        return 0
    profile = load_profile()
    with open(truth, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    agreed = 0
    print(f"{'file':44} {'expected':20} {'ok':3} {'ms':>6}  found")
    for row in rows:
        path = eval_dir / row["file"]
        started = time.perf_counter()
        metadata = read_metadata(Source.open(path), profile)
        elapsed_ms = (time.perf_counter() - started) * 1000
        ok, found = judge(row, metadata)
        agreed += ok
        expected = row["expected_location"]
        if expected == "yes":
            expected = f"{float(row['expected_lat']):.4f},{float(row['expected_lon']):.4f}"
        print(f"{row['file'][:44]:44} {expected[:20]:20} {'yes' if ok else 'NO':3} {elapsed_ms:6.1f}  {found}")
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row["expected_location"], 0)
        by_kind[row["expected_location"]] += 1
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(by_kind.items()))
    print(f"\n{agreed}/{len(rows)} files agree with the ground truth ({kinds}); tolerance {TOLERANCE_DEG} deg")
    return 0 if agreed == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
