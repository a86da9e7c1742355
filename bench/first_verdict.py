#!/usr/bin/env python3
"""Time from process start to the first verdict, and the memory of a worker, for one cold scan of one photo.

Runs `media-screen scan PHOTO --no-cache --jobs 1` as a user would (one worker process loads the
models and screens the photo; the verdict is printed as the process ends), --runs times, each
in a fresh wrapper process so that the peak resident memory is this run's: the largest of the
scanning process and its worker, which is the worker. Prints wall and CPU time and that peak.
Run it from another checkout (`cd OTHER && python bench/first_verdict.py`) to compare versions: the
command runs the `media_screen` of the current folder.

Run:  ~/.venvs/media-screen/bin/python bench/first_verdict.py [--runs 3] [--detectors LIST] [PHOTO]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

WRAPPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
finished = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_kb": usage.ru_maxrss,
                  "verdict": json.loads(finished.stdout.splitlines()[0])["verdict"]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photo", nargs="?", type=Path, default=REPO / "sample_media" / "detectors" / "coffee_badge.jpg")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--detectors", default=None, help="as `scan --detectors` (default: the default detectors)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="media-screen-first-"))
    env = {**os.environ, "MEDIA_SCREEN_CACHE_DIR": str(home / "cache"), "MEDIA_SCREEN_DATA_DIR": str(home / "data")}
    command = [sys.executable, "-m", "media_screen", "scan", str(args.photo), "--no-cache", "--jobs", "1",
               "--format", "jsonl", "--quiet"] + (["--detectors", args.detectors] if args.detectors else [])
    runs = []
    for run in range(args.runs):
        wrapped = subprocess.run([sys.executable, "-c", WRAPPER, *command], env=env, capture_output=True, text=True)
        runs.append(json.loads(wrapped.stdout))
        r = runs[-1]
        print(f"run {run + 1}: {r['wall']:5.2f} s wall, {r['cpu']:5.2f} s CPU, peak {r['peak_kb'] / 1024:6.0f} MB "
              f"(verdict {r['verdict']})")
    load = os.getloadavg()[0]
    print(f"first verdict: median {statistics.median(r['wall'] for r in runs):.2f} s wall, "
          f"{statistics.median(r['cpu'] for r in runs):.2f} s CPU; worker peak "
          f"{statistics.median(r['peak_kb'] for r in runs) / 1024:.0f} MB (load average {load:.1f})")


if __name__ == "__main__":
    main()
