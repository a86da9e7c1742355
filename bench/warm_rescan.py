#!/usr/bin/env python3
"""How long `media-screen scan sample_media` takes when nothing changed since the last scan.

Runs the command line as a user would, with a private cache and data folder (a temporary
folder, so the user's own are not touched): once cold (every detector; fills the cache),
then --runs warm re-scans. For each warm run it prints the wall time from process start to
exit, and from the audit log how many files came from the cache (all of them means no worker
was started and no model loaded), and the CPU time of the command and its children. The deliberately broken samples are ERROR in every run and
count like any file: their errors come from the content, so they are cached too.

The machine's load average is printed beside the figures: on a shared machine other jobs stretch
the wall time of every process start; the CPU time is what the re-scan itself costs.

Run:  ~/.venvs/media-screen/bin/python bench/warm_rescan.py [--runs 5] [--folder sample_media]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def scan(folder: Path, env: dict[str, str], extra: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and every process it started)."""
    command = [sys.executable, "-m", "media_screen", "scan", str(folder), "--quiet", "--format", "jsonl", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    finished = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode not in (0, 1, 3):
        raise SystemExit(f"scan failed ({finished.returncode}): {finished.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def audit_counts(data_dir: Path, skip: int) -> tuple[int, int]:
    """(files scanned, of them from the cache) in the audit log after its first `skip` events."""
    lines = (data_dir / "audit.jsonl").read_text("utf-8").splitlines()[skip:]
    events = [json.loads(line) for line in lines if line.strip()]
    scans = [e for e in events if e.get("event") == "scan"]
    return len(scans), sum(bool(e.get("cached")) for e in scans)


def audit_length(data_dir: Path) -> int:
    path = data_dir / "audit.jsonl"
    return len(path.read_text("utf-8").splitlines()) if path.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=REPO / "sample_media")
    parser.add_argument("--detectors", default=None, help="as `scan --detectors` (default: every default detector)")
    args = parser.parse_args()
    extra = ["--detectors", args.detectors] if args.detectors else []
    home = Path(tempfile.mkdtemp(prefix="media-screen-warm-"))
    env = {**os.environ, "MEDIA_SCREEN_CACHE_DIR": str(home / "cache"), "MEDIA_SCREEN_DATA_DIR": str(home / "data")}
    try:
        cold, cold_cpu = scan(args.folder, env, extra)
        files, cached = audit_counts(home / "data", 0)
        print(f"cold scan of {args.folder.name}: {cold:6.2f} s wall, {cold_cpu:6.2f} s CPU  "
              f"({files} files, {cached} from the cache)")
        walls, cpus = [], []
        for run in range(args.runs):
            before = audit_length(home / "data")
            wall, cpu = scan(args.folder, env, extra)
            walls.append(wall)
            cpus.append(cpu)
            files, cached = audit_counts(home / "data", before)
            print(f"warm re-scan {run + 1}:          {wall:6.2f} s wall, {cpu:6.2f} s CPU  "
                  f"({files} files, {cached} from the cache)")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"warm re-scan, process start to exit: median {statistics.median(walls):.2f} s wall "
              f"(best {min(walls):.2f} s), median {statistics.median(cpus):.2f} s CPU, over {len(walls)} runs "
              f"(load average {load:.1f} on {os.cpu_count()} cores)")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
