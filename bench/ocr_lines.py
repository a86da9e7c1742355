#!/usr/bin/env python3
"""Where OCR time goes at the published size, how small text may be and still be read, and what skipping the
lines too short to read saves (issue 13's OCR lever). A measurement, not a test: nothing is asserted.

Three parts, each printed as a table (sizes are pixels of the analysed picture, e.g. 2048 px long side):

- `stages`: photos decoded as a scan decodes them at --publish (default facebook): OCR's detection, angle
  classifier and recogniser timed apart (one thread), lines found and their heights (`line_height`).
  Photos: the 12 MP mosaics of bench/batch_speed.py, police_real's full-size officers and vehicles and the
  text_signs set (../shared/eval; skipped when absent).
- `legible`: known text shrunk (area averaging, as a platform shrinks) until its found line is N px tall:
  words rendered in DejaVuSans (dark on light and light on dark) and real lines, the plates and transcribed
  words of text_signs. Per N, the share the recogniser reads right from the line alone, and the share read
  right through the whole OCR as it runs on a published picture (detection on a copy scaled by
  detect_max_side / long side, recognition at the published size), and with detection at the published size.
- `time`: OCR on each photo by two engines, every line read (before) and only lines of at least --min-line-px
  (after), alternating photo by photo in one process: median ms per photo, lines read, ratio, load average.
  (The lever was measured and not kept: the library reads every line; this script filters on its own.)

Run:  ~/.venvs/media-screen/bin/python bench/ocr_lines.py stages|legible|time [--min-line-px 10] [--count N]
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.config import PublishTarget, load_profile  # noqa: E402
from media_screen.detectors import ocr  # noqa: E402
from media_screen.detectors.text_rules import plate_string  # noqa: E402
from media_screen.inputs.still import decode_file  # noqa: E402
from media_screen.batch.worker import limit_threads  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"
MOSAICS = Path(tempfile.gettempdir()) / "media-screen-batch-bench" / "photos"
FONT = REPO / "media_screen" / "assets" / "fonts" / "DejaVuSans.ttf"
HEIGHTS = (6, 7, 8, 9, 10, 11, 12, 14, 16, 20, 24)
WORDS = (
    "POLICE", "SHERIFF", "STATE TROOPER", "HIGHWAY PATROL", "EVIDENCE", "CRIME SCENE", "CONFIDENTIAL",
    "INTERNAL AFFAIRS", "K9 UNIT", "UNIT 4127", "BADGE 2291", "7ABC123", "KX19 PQR", "B MW 4521", "YG9X2G",
    "Police", "Sheriff", "Main Street", "Parking", "Open daily", "Pharmacy", "Exit 12", "Bus stop",
    "Concord", "Welcome", "Coffee shop", "Station Road", "No entry",
)


# --- shared helpers ----------------------------------------------------------------------------------------


def line_height(quad: np.ndarray) -> float:
    """A found line's height in pixels as the recogniser gets it: RapidOCR cuts the quad out as a rectangle
    (its longer left/right edge tall, its longer top/bottom edge wide) and turns one at least 1.5 times
    taller than wide on its side, so that rectangle's width is then the line's height."""
    points = np.asarray(quad, dtype=np.float64)
    width = max(np.linalg.norm(points[0] - points[1]), np.linalg.norm(points[2] - points[3]))
    height = max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2]))
    return float(width if height >= 1.5 * width else height)


def normalised(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def edits(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


def photos(publish: PublishTarget, count: int) -> dict[str, list[Path]]:
    """The photo sets measured: name -> paths."""
    sets: dict[str, list[Path]] = {"12 MP mosaics": sorted(MOSAICS.glob("mosaic_*.jpg"))[:count]}
    if (EVAL / "police_real").is_dir():
        with open(EVAL / "police_real" / "ground_truth.csv", newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if r["category"] in ("officers_uniform", "police_vehicles")]
        sets["police_real officers+vehicles"] = [EVAL / "police_real" / r["file"] for r in rows][:count]
    if (EVAL / "text_signs").is_dir():
        with open(EVAL / "text_signs" / "ground_truth.csv", newline="") as handle:
            sets["text_signs"] = [EVAL / "text_signs" / r["file"] for r in csv.DictReader(handle)][:count]
    return {name: paths for name, paths in sets.items() if paths}


def decoded(path: Path, long_side: int | None) -> np.ndarray | None:
    try:
        frame, _ = decode_file(path, 200_000_000, long_side)
    except Exception:  # noqa: BLE001 - a photo the decoder refuses is left out of the figures
        return None
    return frame.pixels


@dataclass
class Staged:
    detect_ms: float
    classify_ms: float
    recognise_ms: float
    heights: list[float]
    read: int


def staged(engine: ocr.OcrEngine, pixels: np.ndarray, min_line_px: float = 0.0) -> Staged:
    """OCR as OcrEngine.read runs it, each stage timed."""
    started = time.perf_counter()
    quads = engine._find_lines(pixels)  # noqa: SLF001 - the stages timed apart
    found = time.perf_counter()
    heights = [line_height(q) for q in quads]
    kept = [q for q, h in zip(quads, heights) if h >= min_line_px]
    classify = recognise = 0.0
    if kept:
        crops = engine._ocr.get_crop_img_list(pixels, [q.astype(np.float32) for q in kept])  # noqa: SLF001
        before = time.perf_counter()
        crops, _, _ = engine._ocr.text_cls(crops)  # noqa: SLF001
        classified = time.perf_counter()
        engine._ocr.text_rec(crops)  # noqa: SLF001
        classify, recognise = classified - before, time.perf_counter() - classified
    return Staged((found - started) * 1000, classify * 1000, recognise * 1000, heights, len(kept))


# --- stages ------------------------------------------------------------------------------------------------


def run_stages(args: argparse.Namespace) -> None:
    profile = load_profile()
    long_side = profile.publish_long_side(PublishTarget(args.publish))
    settings = profile.detector_settings("text")
    engine = ocr.OcrEngine(args.detect_side or int(settings.get("detect_max_side", 1280)))
    print(f"OCR stages at --publish {args.publish} ({long_side} px long side), detection at "
          f"{engine.detect_max_side} px, one thread; load average {os.getloadavg()[0]:.1f}")
    bins = (0, 8, 10, 12, 14, 16, 20, 32, 10_000)
    print(f"{'photos':34s} {'n':>3s} {'det ms':>7s} {'cls ms':>7s} {'rec ms':>7s} {'lines':>6s} "
          + " ".join(f"{f'{lo}-{hi}' if hi < 10_000 else f'>={lo}':>6s}" for lo, hi in zip(bins, bins[1:]))
          + "   rec+cls ms on lines >= 10 / >= 12 px")
    for name, paths in photos(PublishTarget(args.publish), args.count).items():
        rows, ten, twelve = [], [], []
        for path in paths:
            pixels = decoded(path, long_side)
            if pixels is None:
                continue
            if not rows:
                staged(engine, pixels)  # warm-up
            rows.append(staged(engine, pixels))
            ten.append(staged(engine, pixels, 10))
            twelve.append(staged(engine, pixels, 12))
        heights = [h for r in rows for h in r.heights]
        shares = [sum(lo <= h < hi for h in heights) / max(len(heights), 1) for lo, hi in zip(bins, bins[1:])]
        med = lambda values: statistics.median(values) if values else 0.0  # noqa: E731
        print(f"{name:34s} {len(rows):3d} {med([r.detect_ms for r in rows]):7.0f} "
              f"{med([r.classify_ms for r in rows]):7.0f} {med([r.recognise_ms for r in rows]):7.0f} "
              f"{med([len(r.heights) for r in rows]):6.0f} " + " ".join(f"{s:6.2f}" for s in shares)
              + f"   {med([r.classify_ms + r.recognise_ms for r in ten]):.0f} / "
              f"{med([r.classify_ms + r.recognise_ms for r in twelve]):.0f}")
    print("(det/cls/rec: median ms per photo; lines: median lines found per photo; the height columns: share of "
          "all lines found whose height is in that range, px)")


# --- legible -----------------------------------------------------------------------------------------------


@dataclass
class Sample:
    """Known text in a picture: the picture, the found line's quad there, and the truth."""

    name: str
    pixels: np.ndarray
    quad: np.ndarray
    truth: str
    plate: bool = False


def rendered(word: str, light_on_dark: bool) -> np.ndarray:
    font = ImageFont.truetype(str(FONT), 96)
    left, top, right, bottom = font.getbbox(word)
    pad = 60
    ink, paper = ((245, 245, 245), (120, 40, 30)) if light_on_dark else ((20, 20, 20), (235, 235, 225))
    image = Image.new("RGB", (right - left + 2 * pad, bottom - top + 2 * pad), paper)
    ImageDraw.Draw(image).text((pad - left, pad - top), word, font=font, fill=ink)
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def matched_quad(engine: ocr.OcrEngine, pixels: np.ndarray, region: tuple[float, float, float, float]) -> np.ndarray | None:
    """The found line whose centre is inside region (x1, y1, x2, y2) and covers most of it."""
    best, best_area = None, 0.0
    for quad in engine._find_lines(pixels):  # noqa: SLF001
        cx, cy = quad[:, 0].mean(), quad[:, 1].mean()
        if region[0] <= cx <= region[2] and region[1] <= cy <= region[3]:
            area = cv2.contourArea(quad.astype(np.float32))
            if area > best_area:
                best, best_area = quad, area
    return best


def samples(engine: ocr.OcrEngine) -> tuple[list[Sample], list[str]]:
    out, skipped = [], []
    for word in WORDS:
        for dark in (False, True):
            pixels = rendered(word, dark)
            quads = engine._find_lines(pixels)  # noqa: SLF001 - words of a phrase may be found apart: their union
            if not quads:
                skipped.append(word)
                continue
            points = np.concatenate(quads)
            (x1, y1), (x2, y2) = points.min(axis=0), points.max(axis=0)
            quad = np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])
            out.append(Sample(f"rendered {'light' if dark else 'dark'} {word}", pixels, quad, word))
    if not (EVAL / "text_signs").is_dir():
        return out, skipped
    with open(EVAL / "text_signs" / "ground_truth.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        path = EVAL / "text_signs" / row["file"]
        pixels = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if pixels is None or not row["gt_regions"].strip():
            continue
        regions = ast.literal_eval(row["gt_regions"])
        if row["category"] == "license_plates":
            x, y, w, h = regions[0][:4]
            truths = [(row["gt_text"], (x, y, x + w, y + h), True)]
        else:
            words = [t.strip() for t in row["gt_text"].split("|")]
            if len(words) != len(regions):
                continue
            truths = []
            for text, poly in zip(words, regions):
                xs, ys = poly[0::2], poly[1::2]
                if len(normalised(text)) >= 3 and "#" not in text:
                    truths.append((text, (min(xs), min(ys), max(xs), max(ys)), False))
        for text, region, plate in truths:
            quad = matched_quad(engine, pixels, region)
            if quad is None:
                skipped.append(f"{row['file']} {text}")
                continue
            out.append(Sample(f"{row['file']} {text}", pixels, quad, text, plate))
    return out, skipped


def read_right(truth: str, read: str, plate: bool) -> tuple[bool, bool]:
    """(exact, at most one character wrong); a plate counts when its string is inside what was read."""
    want, got = (plate_string(truth), plate_string(read)) if plate else (normalised(truth), normalised(read))
    if plate:
        if want in got:
            return True, True
        windows = [got[i:i + len(want)] for i in range(max(1, len(got) - len(want) + 1))] + [got]
        return False, any(edits(want, w) <= 1 for w in windows)
    return want == got, edits(want, got) <= 1


def patch(sample: Sample, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The sample's picture shrunk by `scale` (area averaging), cut to its line with some context around it:
    (patch, the line's quad in the patch)."""
    h, w = sample.pixels.shape[:2]
    small = cv2.resize(sample.pixels, (max(8, round(w * scale)), max(8, round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    quad = sample.quad * scale
    line = line_height(quad)
    x1, y1 = int(max(0, quad[:, 0].min() - 2 * line)), int(max(0, quad[:, 1].min() - 2 * line))
    x2 = int(min(small.shape[1], quad[:, 0].max() + 2 * line))
    y2 = int(min(small.shape[0], quad[:, 1].max() + 2 * line))
    return small[y1:y2, x1:x2], (quad - np.array([x1, y1])).astype(np.float32)


def packed(patches: list[tuple[np.ndarray, np.ndarray]], side: int, gap: int) -> list[tuple[np.ndarray, list]]:
    """Patches placed in rows on grey canvases of side x 3/4 side: [(canvas, [(index, quad on canvas)])]."""
    canvases: list[tuple[np.ndarray, list]] = []
    height = round(side * 0.75)
    canvas, placed, x, y, row = None, [], gap, gap, 0
    for index, (pixels, quad) in enumerate(patches):
        ph, pw = min(pixels.shape[0], height - 2 * gap), min(pixels.shape[1], side - 2 * gap)
        if canvas is not None and x + pw + gap > side:
            x, y, row = gap, y + row + gap, 0
        if canvas is None or y + ph + gap > height:
            if canvas is not None:
                canvases.append((canvas, placed))
            canvas, placed, x, y, row = np.full((height, side, 3), 128, np.uint8), [], gap, gap, 0
        canvas[y:y + ph, x:x + pw] = pixels[:ph, :pw]
        placed.append((index, quad + np.array([x, y], np.float32)))
        x, row = x + pw + gap, max(row, ph)
    if canvas is not None:
        canvases.append((canvas, placed))
    return canvases


def readings(engine: ocr.OcrEngine, canvases: list[tuple[np.ndarray, list]], count: int) -> list[tuple[str, float | None]]:
    """Whole OCR of each canvas: per patch, what the lines found over its line read (left to right) and the
    tallest such line's height (None: no line found there)."""
    out: list[tuple[str, float | None]] = [("", None)] * count
    for canvas, placed in canvases:
        lines = engine.read(canvas)
        for index, quad in placed:
            cx, cy = quad[:, 0].mean(), quad[:, 1].mean()
            x1, y1, x2, y2 = quad[:, 0].min(), quad[:, 1].min(), quad[:, 0].max(), quad[:, 1].max()
            hits = []
            for line in lines:
                box = line.box
                lx, ly = box.center
                if (x1 <= lx <= x2 and y1 <= ly <= y2) or (box.x1 <= cx <= box.x2 and box.y1 <= cy <= box.y2):
                    hits.append((box.x1, line.text, line_height(np.asarray(line.quad))))
            if hits:
                hits.sort()
                out[index] = (" ".join(t for _, t, _ in hits), max(h for _, _, h in hits))
    return out


def run_legible(args: argparse.Namespace) -> None:
    profile = load_profile()
    side = profile.publish_long_side(PublishTarget(args.publish)) or 2048
    detect_side = int(profile.detector_settings("text").get("detect_max_side", 1280))
    reference = ocr.OcrEngine(10_000, min_score=0.0)  # finds the samples' lines at their own size
    engines = {f"det {detect_side}": ocr.OcrEngine(detect_side), f"det {side}": ocr.OcrEngine(side)}
    for extra in args.detect_sides:
        engines[f"det {extra}"] = ocr.OcrEngine(extra)
    every, skipped = samples(reference)
    kinds = {"rendered words": [s for s in every if s.name.startswith("rendered")],
             "real plates": [s for s in every if s.plate],
             "real words": [s for s in every if not s.plate and not s.name.startswith("rendered")]}
    print(f"legible line height at --publish {args.publish}: {len(every)} lines "
          f"({', '.join(f'{k} {len(v)}' for k, v in kinds.items())}); {len(skipped)} with no line found at their "
          f"own size left out; load average {os.getloadavg()[0]:.1f}")
    font = ImageFont.truetype(str(FONT), 96)
    cap = font.getbbox("H")[3] - font.getbbox("H")[1]
    ratios = [line_height(s.quad) / cap for s in kinds["rendered words"] if s.truth.upper() == s.truth]
    if ratios:
        print(f"rendered capitals: line height = {statistics.median(ratios):.2f} x the capital letters' height (median)")
    print(f"N: height of the line (line_height) after shrinking; cells: share read right exactly (in brackets: "
          f"at most one character wrong); 'det S': whole OCR of {side} px canvases of such lines, detection on a "
          f"copy S px long, recognition at {side} px; 'found': share whose line the detection found")
    print(f"{'lines':15s} {'N':>3s} {'n':>4s} {'recogniser alone':>17s} "
          + " ".join(f"{name:>13s} {'found':>5s}" for name in engines))
    details = []
    for kind, group in kinds.items():
        for height in HEIGHTS:
            chosen = [s for s in group if line_height(s.quad) >= height]  # never enlarged
            if not chosen:
                continue
            patches = [patch(s, height / line_height(s.quad)) for s in chosen]
            alone = []
            for sample, (pixels, quad) in zip(chosen, patches):
                result, _ = reference._ocr.text_rec(reference._ocr.get_crop_img_list(pixels, [quad]))  # noqa: SLF001
                alone.append(read_right(sample.truth, result[0][0], sample.plate))
                details.append({"kind": kind, "N": height, "sample": sample.name, "alone": result[0][0]})
            canvases = packed(patches, side, gap=max(24, 3 * height))
            cells = []
            for name, engine in engines.items():
                read = readings(engine, canvases, len(chosen))
                right = [read_right(s.truth, text, s.plate) for s, (text, _) in zip(chosen, read)]
                found = sum(h is not None for _, h in read) / len(chosen)
                cells.append(f"{share(right):>13s} {found:5.2f}")
                for record, (text, _) in zip(details[-len(chosen):], read):
                    record[name] = text
            print(f"{kind:15s} {height:3d} {len(chosen):4d} {share(alone):>17s} " + " ".join(cells), flush=True)
    if args.details:
        Path(args.details).write_text(json.dumps(details, indent=1, ensure_ascii=False))


def share(pairs: list[tuple[bool, bool]]) -> str:
    n = max(len(pairs), 1)
    return f"{sum(p[0] for p in pairs) / n:.2f} ({sum(p[1] for p in pairs) / n:.2f})"


# --- time --------------------------------------------------------------------------------------------------


def run_time(args: argparse.Namespace) -> None:
    profile = load_profile()
    long_side = profile.publish_long_side(PublishTarget(args.publish))
    engine = ocr.OcrEngine(int(profile.detector_settings("text").get("detect_max_side", 1280)))
    settings = {"before": 0.0, "after": args.min_line_px}
    before_load = os.getloadavg()
    print(f"OCR per photo at --publish {args.publish}, every line read (before) or only lines >= {args.min_line_px:g} "
          f"px (after), alternating photo by photo, one thread; load average before {before_load[0]:.1f}")
    print(f"{'photos':34s} {'n':>3s} {'before ms':>10s} {'after ms':>9s} {'ratio':>6s} "
          f"{'lines read before':>18s} {'after':>6s}")
    for name, paths in photos(PublishTarget(args.publish), args.count).items():
        ms: dict[str, list[float]] = {k: [] for k in settings}
        read: dict[str, list[int]] = {k: [] for k in settings}
        pictures = [p for p in (decoded(path, long_side) for path in paths) if p is not None]
        for index, pixels in enumerate(pictures):
            order = list(settings) if index % 2 == 0 else list(reversed(settings))
            if index == 0:
                staged(engine, pixels)  # warm-up
            for key in order:
                started = time.perf_counter()
                result = staged(engine, pixels, settings[key])
                ms[key].append((time.perf_counter() - started) * 1000)
                read[key].append(result.read)
        if not pictures:
            continue
        b, a = statistics.median(ms["before"]), statistics.median(ms["after"])
        print(f"{name:34s} {len(pictures):3d} {b:10.0f} {a:9.0f} {a / b:6.2f} "
              f"{sum(read['before']):18d} {sum(read['after']):6d}")
    after_load = os.getloadavg()
    print(f"(median ms per photo for OCR alone; lines read: all photos of the set; load average after "
          f"{', '.join(f'{v:.1f}' for v in after_load)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("stages", "legible", "time"))
    parser.add_argument("--publish", choices=[t.value for t in PublishTarget if t != PublishTarget.FULL],
                        default="facebook")
    parser.add_argument("--count", type=int, default=30, help="photos per set (stages, time)")
    parser.add_argument("--min-line-px", type=float, default=10.0, help="time: the 'after' engine's setting")
    parser.add_argument("--details", help="legible: write every reading to this JSON file")
    parser.add_argument("--detect-side", type=int, help="stages: detection size (default: the profile's)")
    parser.add_argument("--detect-sides", type=int, nargs="*", default=[],
                        help="legible: more detection sizes to try (long side of the detection copy)")
    args = parser.parse_args()
    limit_threads(1)
    {"stages": run_stages, "legible": run_legible, "time": run_time}[args.part](args)


if __name__ == "__main__":
    main()
