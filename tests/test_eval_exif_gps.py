"""The exif_gps evaluation set (real camera files in ../shared/eval, skipped when absent).

Every file with GPS is found within 1e-4 degrees; no location is reported where there is
none or where the GPS block is invalid. Same comparison as bench/eval_exif_gps.py.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from media_screen.inputs.source import Source
from media_screen.metadata import read_metadata
from media_screen.model import FactKind
from repo_scripts import repo_script

REPO = Path(__file__).resolve().parent.parent
EVAL_DIR = REPO.parent / "shared" / "eval" / "exif_gps"

pytestmark = pytest.mark.skipif(
    not (EVAL_DIR / "ground_truth.csv").exists(), reason="evaluation set ../shared/eval/exif_gps not present"
)


def load_bench():
    return repo_script("bench/eval_exif_gps.py")


def test_every_location_is_found_and_none_is_invented(profile):
    # given the evaluation set and the bench's comparison
    bench = load_bench()
    # when every file's metadata is read
    outcomes = bench.evaluate(EVAL_DIR, profile)
    # then every file agrees with the ground truth, in both directions
    with_gps = [o for o in outcomes if o.expected.lower().startswith("yes")]
    assert with_gps and len(with_gps) < len(outcomes)  # the set holds both kinds
    misses = [f"{o.file}: expected {o.expected}, found {o.found}" for o in outcomes if not o.ok]
    assert misses == [], "\n".join(misses)


def test_files_with_an_invalid_gps_block_report_it(profile):
    # given the files whose GPS block holds no usable position (0/0 rationals, empty values)
    with open(EVAL_DIR / "ground_truth.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    invalid = [r for r in rows if r["expected_location"] in ("unparseable", "zero", "invalid")]
    if not invalid:
        pytest.skip("no invalid-GPS files in this half of the set")
    for row in invalid:
        path = EVAL_DIR / row["file"]
        metadata = read_metadata(Source.open(path), profile)
        # then each is reported as invalid GPS, not as a location
        assert metadata.location is None
        assert metadata.of_kind(FactKind.GPS_INVALID), row["file"]
