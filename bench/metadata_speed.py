#!/usr/bin/env python3
"""Files per second of a metadata-only sweep of a folder, through media-screen and through ExifTool.

    python bench/metadata_speed.py [FOLDER] [--repeat N] [--skip-scan]

Three figures, each the best of N runs over the same warm file cache:
  * the metadata readers: probe + read_metadata (EXIF, XMP, previews, reverse geocoding) per file;
  * `media-screen scan --detectors metadata` as the library runs it (hash, metadata, and the
    full decode that proves the picture is readable), unless --skip-scan;
  * `exiftool -fast -n -gps:all -r FOLDER` when ExifTool is installed (said so when it is not).
The geocoder table is loaded before timing; ExifTool's timing includes its start-up.
FOLDER defaults to ../shared/eval/exif_gps (skipped with a message when absent).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.config import ScanOptions, load_profile  # noqa: E402
from media_screen.errors import MediaScreenError  # noqa: E402
from media_screen.inputs.source import Source  # noqa: E402
from media_screen.metadata import read_metadata  # noqa: E402
from media_screen.metadata.geo import nearest_place  # noqa: E402
from media_screen.pipeline import iter_media_paths, scan_paths  # noqa: E402

DEFAULT_FOLDER = REPO.parent / "shared" / "eval" / "exif_gps"


def best_of(repeat: int, run) -> float:
    """The shortest wall time of `repeat` runs of run()."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def sweep_readers(paths: list[Path], profile) -> None:
    for path in paths:
        try:
            read_metadata(Source.open(path), profile)
        except (MediaScreenError, OSError):
            pass  # not media, or unreadable: counted like any other file


def sweep_scan(folder: Path, profile) -> None:
    for _ in scan_paths([folder], profile, ScanOptions(detectors=("metadata",))):
        pass


def exiftool_files(folder: Path) -> tuple[float, int] | None:
    """(seconds, files ExifTool read) for one run, or None when ExifTool is not installed."""
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        return None
    started = time.perf_counter()
    done = subprocess.run(
        [exiftool, "-fast", "-n", "-gps:all", "-r", str(folder)], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    match = re.search(r"(\d+) image files read", done.stdout + done.stderr)
    return elapsed, int(match.group(1)) if match else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-scan", action="store_true", help="skip the full `scan --detectors metadata` sweep")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"skipped: {args.folder} not found")
        return 0
    profile = load_profile()
    paths = list(iter_media_paths([args.folder]))
    nearest_place(0.0, 0.0)  # load the GeoNames table once, outside the timing
    print(f"folder: {args.folder} ({len(paths)} files; best of {args.repeat} runs)")

    readers_s = best_of(args.repeat, lambda: sweep_readers(paths, profile))
    readers_rate = len(paths) / readers_s
    print(f"media-screen metadata readers      {readers_rate:8.1f} files/s  ({readers_s:.2f} s)")
    scan_rate = None
    if not args.skip_scan:
        scan_s = best_of(args.repeat, lambda: sweep_scan(args.folder, profile))
        scan_rate = len(paths) / scan_s
        print(f"media-screen scan --detectors metadata {scan_rate:4.1f} files/s  ({scan_s:.2f} s; hash + metadata + decode)")

    runs = [exiftool_files(args.folder) for _ in range(args.repeat)]
    if runs[0] is None:
        print("exiftool: not installed, no ratio (install ExifTool, e.g. libimage-exiftool-perl, to compare)")
        return 0
    exif_s, exif_files = min(runs)
    exif_rate = exif_files / exif_s
    print(f"exiftool -fast -n -gps:all -r      {exif_rate:8.1f} files/s  ({exif_s:.2f} s, {exif_files} files)")
    print(f"ratio metadata readers / exiftool  {readers_rate / exif_rate:8.2f}x")
    if scan_rate is not None:
        print(f"ratio scan --detectors metadata / exiftool {scan_rate / exif_rate:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
