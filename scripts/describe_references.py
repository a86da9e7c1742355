"""Describe the built-in profile's enrolled marks once, for the package: media_screen/assets/references/described.npz.

    python scripts/describe_references.py

Each reference of `[[detectors.insignia.references]]` in the built-in profile is described as the insignia
detector describes it (insignia.describe_image, at the profile's `reference_side`) and stored under its
image's sha256, its side and insignia.METHOD (the OpenCV version and the describing code's version), so a
scan takes the description from the file instead of running SIFT at every process start
(media_screen/detectors/described_marks.py). Run it again after a reference image or the describing code
changes (tests/detectors/test_described_marks.py fails until then) and after OpenCV's version changes (a scan
then describes the marks at load, and that test skips, saying so).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.config import load_profile  # noqa: E402
from media_screen.detectors import described_marks, insignia  # noqa: E402


def described_builtin() -> dict[tuple[str, str, int], dict]:
    """{(method, sha256, side): description} of every reference the built-in profile enrols, and of the mirror
    image of each one the detector also enrols mirrored (every kind but hate symbols)."""
    profile = load_profile()
    side = int(insignia.settings_of(profile)["reference_side"])
    described = {}
    for name, kind, path, _ in insignia._reference_entries(profile):
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        described[(insignia.METHOD, sha256, side)] = insignia.describe_image(data, side, name, path)
        if kind not in insignia.NOT_MIRRORED:
            described[(insignia.MIRRORED_METHOD, sha256, side)] = insignia.describe_image(data, side, name, path, True)
    return described


def main() -> int:
    described = described_builtin()
    described_marks.write(described_marks.DESCRIBED, described)
    size = described_marks.DESCRIBED.stat().st_size
    print(f"{len(described)} references described ({insignia.METHOD}) -> {described_marks.DESCRIBED} ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
