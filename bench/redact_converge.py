"""Does `media-screen redact --what faces` give the user a clean copy of real clips of people? Print, per clip,
the rounds of masking and re-scanning it took, whether the copy was kept (its re-scan clean) and the seconds.

    ~/.venvs/media-screen/bin/python bench/redact_converge.py [--height 720] [--seconds 4] [--limit N]
    ~/.venvs/media-screen/bin/python bench/redact_converge.py --police N

With --police N the clips are made instead from N photos of officers and marked vehicles of
../shared/eval/police_real's training part (never its held-back part: media_screen.train.items.data's split),
officers and vehicles taking turns, and redacted as a covert officer would: `--audience covert`, every target.

Clips: the `content_clips` of ../shared/eval/video_meta, read in place, and one clip made from each face
photo of ../shared/eval/faces (`with_faces/` and `annotated/`): the photo, upright, filling a frame of
--height lines (16:9) at 30 frames/s, slowly zoomed in and panned across for --seconds, so its faces move
and grow as a walking crowd's would. The made clips go to a temporary folder, never into the repository;
copies too. All clips are redacted by one `media-screen redact` run (models load once); a clip's seconds
are its own `timings_s.total` (redaction, re-scans and writing). Skips (exit 0) when the eval data is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
CLIPS = EVAL / "video_meta" / "content_clips"
FACES = EVAL / "faces"
PHOTO_SETS = ("with_faces", "annotated")
BIN = Path(sys.executable).parent
FPS = 30
ZOOM = 1.25  # the view narrows to 1 / ZOOM of the frame over the clip


def face_photos() -> list[Path]:
    rows = csv.DictReader((FACES / "ground_truth.csv").open())
    return sorted(FACES / row["file"] for row in rows if row["file"].split("/")[0] in PHOTO_SETS)


def police_photos(count: int) -> list[Path]:
    """`count` training-part photos of officers and marked vehicles of police_real, the two kinds taking turns."""
    from media_screen.train.items.data import Part, load_photos

    training = [p for p in load_photos(EVAL) if p.dataset == "police_real" and p.part is not Part.HOLDOUT]
    kinds = [sorted(p.path for p in training if p.category == kind) for kind in ("officers_uniform", "police_vehicles")]
    pairs = zip(*kinds)
    return [photo for pair in pairs for photo in pair][:count]


def make_clip(photo: Path, target: Path, height: int, seconds: float) -> Path:
    """An H.264 clip of `photo` zoomed in and panned from its top-left towards its bottom-right."""
    width = round(height * 16 / 9 / 2) * 2
    with Image.open(photo) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    cover = max(width / image.width, height / image.height)  # the photo covers the frame
    image = image.resize((max(width, round(image.width * cover)), max(height, round(image.height * cover))),
                         Image.Resampling.LANCZOS)
    frames = max(2, round(seconds * FPS))
    with av.open(str(target), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        for index in range(frames):
            t = index / (frames - 1)
            scale = 1 + (ZOOM - 1) * t
            view_w, view_h = width / scale, height / scale
            left = (image.width - view_w) * (0.25 + 0.5 * t)
            top = (image.height - view_h) * (0.25 + 0.5 * t)
            view = image.resize((width, height), Image.Resampling.BILINEAR,
                                box=(left, top, left + view_w, top + view_h))
            frame = av.VideoFrame.from_ndarray(np.asarray(view), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return target


def redact(inputs: list[Path], out: Path, covert: bool = False) -> tuple[float, dict]:
    how = ["--audience", "covert"] if covert else ["--what", "faces"]
    command = [str(BIN / "media-screen"), "redact", *map(str, inputs), "--out", str(out), *how, "--format", "json"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"media-screen redact failed ({result.returncode}): {result.stderr[-2000:]}")
    return wall, json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--height", type=int, default=720, help="lines of the clips made from photos")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of the clips made from photos")
    parser.add_argument("--limit", type=int, default=0, help="only the first N face photos (0: all)")
    parser.add_argument("--only", default="", help="only the clips and photos whose name holds this text")
    parser.add_argument("--police", type=int, default=0, metavar="N",
                        help="clips from N police_real training photos instead, redacted as a covert officer would")
    args = parser.parse_args()
    if not CLIPS.exists() or not FACES.exists():
        print(f"skipped: {EVAL} not found (the shared eval data is not here)")
        return
    with tempfile.TemporaryDirectory(prefix="redact-converge-") as folder:
        work = Path(folder)
        made = work / "clips"
        made.mkdir()
        if args.police:
            photos = [p for p in police_photos(args.police) if args.only in p.name]
            clips = []
        else:
            photos = [p for p in face_photos() if args.only in p.name][: args.limit or None]
            clips = sorted(c for c in CLIPS.glob("*.mp4") if args.only in c.name)
        clips += [make_clip(p, made / f"{p.parent.name}__{p.stem}.mp4", args.height, args.seconds) for p in photos]
        load = os.getloadavg()
        wall, document = redact(clips, work / "out", covert=bool(args.police))
        load_after = os.getloadavg()
    how = "--audience covert (every target)" if args.police else "--what faces"
    made_from = "police_real training photos" if args.police else "face photos"
    print(f"media-screen redact {how}: {len(clips)} clips ({len(clips) - len(photos)} content clips, "
          f"{len(photos)} made from {made_from} at {args.height}p, {args.seconds:g} s, {FPS} fps), "
          f"{wall:.1f} s wall")
    print(f"load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (2 cores)")
    print(f"{'clip':46s} {'frames':>6s} {'rounds':>6s} {'clean':>5s} {'seconds':>7s} {'tracks':>6s}  problems")
    clean = 0
    rounds_hist: dict[int, int] = {}
    for entry in document["files"]:
        name = Path(entry["source"]).name
        kept = entry["status"] == "written"
        clean += kept
        rounds = entry.get("rounds")
        rounds_hist[rounds] = rounds_hist.get(rounds, 0) + 1
        problems = "; ".join(entry["problems"])[:120]
        print(f"{name[:46]:46s} {entry['frames_total'] or 0:6d} {rounds if rounds is not None else '-':>6} "
              f"{'yes' if kept else 'NO':>5s} {entry['timings_s'].get('total', 0):7.1f} {len(entry['obscured']):6d}"
              f"  {problems}")
    spread = ", ".join(f"{count} in {r} round(s)" for r, count in sorted(rounds_hist.items(), key=str))
    print(f"clean copies: {clean}/{len(document['files'])} ({spread})")


if __name__ == "__main__":
    main()
