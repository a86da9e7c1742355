"""The COCO proposal stage with and without its 91-class predictors: same detections, less time.

    python bench/coco_ssd_pruned.py [--eval-dir DIR] [--photos 60]

Runs the shipped SSD-MobileNet-v2 graph as it is (OpenCV's DetectionOutput over all 91 classes) and as
`coco_ssd.CocoSsd` runs it (since 2026-12-06 the ONNX file with only the five kept classes, on onnxruntime) on the same
300x300 inputs, then prints how many person and vehicle detections (score >= 0.3) agree (same class,
score within 1e-3, box within 1e-3 of the frame) and the median milliseconds of each, wall and CPU (CPU time
is the steadier figure on a shared machine). Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.detectors.coco_ssd import COCO_GROUPS, INPUT_SIDE, CocoSsd, model_paths  # noqa: E402

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def photos(eval_dir: Path, count: int) -> list[Path]:
    folders = [eval_dir / "police_real" / name for name in ("officers_uniform", "police_vehicles", "negatives_uniform")]
    found = [p for folder in folders if folder.is_dir() for p in sorted(folder.iterdir()) if p.suffix.lower() in PHOTO_SUFFIXES]
    if not found:
        found = sorted(p for p in (REPO / "sample_media").rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
    return found[:: max(1, len(found) // count)][:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--photos", type=int, default=60)
    args = parser.parse_args(argv)
    full = cv2.dnn.readNetFromTensorflow(*(str(p) for p in model_paths()))
    pruned = CocoSsd.load()
    agree = total = extra = 0
    full_ms, pruned_ms, full_cpu, pruned_cpu = [], [], [], []
    for path in photos(args.eval_dir, args.photos):
        bgr = cv2.imread(str(path))
        if bgr is None:
            continue
        started, cpu = time.perf_counter(), time.process_time()
        full.setInput(cv2.dnn.blobFromImage(bgr, size=(INPUT_SIDE, INPUT_SIDE), swapRB=True))
        reference = [r for r in full.forward()[0, 0] if int(r[1]) in COCO_GROUPS and r[2] >= 0.3]
        full_ms.append((time.perf_counter() - started) * 1000)
        full_cpu.append((time.process_time() - cpu) * 1000)
        started, cpu = time.perf_counter(), time.process_time()
        mine = [d for d in pruned._run(bgr) if d[1] >= 0.3]
        pruned_ms.append((time.perf_counter() - started) * 1000)
        pruned_cpu.append((time.process_time() - cpu) * 1000)
        total += len(reference)
        extra += max(0, len(mine) - len(reference))
        for _, class_id, score, *box in reference:
            agree += any(c == int(class_id) and abs(s - score) < 1e-3 and np.abs(b - box).max() < 1e-3 for c, s, b in mine)
    print(f"photos {len(full_ms)}; person/vehicle detections of the full graph: {total}, found the same by the pruned one: {agree}, extra: {extra}")
    print(f"median ms per 300x300 run, wall: full graph {statistics.median(full_ms):.1f}, pruned {statistics.median(pruned_ms):.1f}")
    print(f"median ms per 300x300 run, CPU (all threads): full graph {statistics.median(full_cpu):.1f}, pruned {statistics.median(pruned_cpu):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
