#!/usr/bin/env python3
"""Still-image GPS metadata against ../shared/eval/exif_gps/ground_truth.csv.

For every file, the location the metadata readers report is compared with the
ground truth: where `expected_location` is yes / yes-xmp the position must be
within 1e-4 degrees of expected_lat / expected_lon; anywhere else (no, zero,
unparseable, invalid, ...) no location may be reported. Prints the figures per
category and per kind of expectation, overall, and every miss. Skips cleanly
when the evaluation set is absent (a user's clone does not have it).

Run:  ~/.venvs/media-screen/bin/python bench/eval_exif_gps.py [EVAL_DIR]
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.config import Profile, load_profile  # noqa: E402
from media_screen.errors import MediaScreenError  # noqa: E402
from media_screen.inputs.source import Source  # noqa: E402
from media_screen.metadata import read_metadata  # noqa: E402

DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "exif_gps"
TOLERANCE_DEG = 1e-4


@dataclass(frozen=True)
class Outcome:
    file: str
    category: str  # the folder-like category column, e.g. with_gps/jpeg, edge_cases
    expected: str  # yes, yes-xmp, no, unparseable, zero, ...
    ok: bool
    found: str


def expects_location(row: dict[str, str]) -> bool:
    return row["expected_location"].strip().lower().startswith("yes")


def judge(row: dict[str, str], location, error: str | None) -> tuple[bool, str]:
    """(agrees with the ground truth, what was found)"""
    found = f"{location.lat:.7f}, {location.lon:.7f} ({location.source})" if location else "no location"
    if error:
        found += f"; error: {error}"
    if expects_location(row):
        ok = location is not None and (
            abs(location.lat - float(row["expected_lat"])) <= TOLERANCE_DEG
            and abs(location.lon - float(row["expected_lon"])) <= TOLERANCE_DEG
        )
    else:
        ok = location is None
    return ok, found


def evaluate(eval_dir: Path, profile: Profile) -> list[Outcome]:
    with open(eval_dir / "ground_truth.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    outcomes = []
    for row in rows:
        path = eval_dir / row["file"]
        location, error = None, None
        try:
            location = read_metadata(Source.open(path), profile).location
        except MediaScreenError as exc:
            error = str(exc)
        ok, found = judge(row, location, error)
        outcomes.append(Outcome(row["file"], row["category"], row["expected_location"], ok, found))
    return outcomes


def tally(outcomes: list[Outcome], key) -> dict[str, tuple[int, int]]:
    """{group: (agreeing, total)}"""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for outcome in outcomes:
        counts[key(outcome)][0] += outcome.ok
        counts[key(outcome)][1] += 1
    return {group: (ok, total) for group, (ok, total) in sorted(counts.items())}


def report(outcomes: list[Outcome]) -> str:
    lines = ["per category:"]
    for group, (ok, total) in tally(outcomes, lambda o: o.category).items():
        lines.append(f"  {group:20s} {ok:3d}/{total:<3d}")
    lines.append("per expectation:")
    meaning = {"yes": "GPS found within 1e-4 deg", "yes-xmp": "GPS found within 1e-4 deg (truth from XMP)"}
    for group, (ok, total) in tally(outcomes, lambda o: o.expected).items():
        lines.append(f"  {group:20s} {ok:3d}/{total:<3d} {meaning.get(group, 'no location reported')}")
    with_gps = [o for o in outcomes if o.expected.lower().startswith("yes")]
    without = [o for o in outcomes if not o.expected.lower().startswith("yes")]
    lines.append(
        f"overall: {sum(o.ok for o in outcomes)}/{len(outcomes)} agree; "
        f"GPS found {sum(o.ok for o in with_gps)}/{len(with_gps)}, "
        f"no location where none or invalid {sum(o.ok for o in without)}/{len(without)}"
    )
    misses = [o for o in outcomes if not o.ok]
    lines.append(f"misses: {len(misses)}")
    lines += [f"  {o.file}: expected {o.expected}, found {o.found}" for o in misses]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    eval_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_EVAL
    if not (eval_dir / "ground_truth.csv").exists():
        print(f"skipped: {eval_dir / 'ground_truth.csv'} not found (the evaluation set is not part of the repo)")
        return 0
    outcomes = evaluate(eval_dir, load_profile())
    print(report(outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
