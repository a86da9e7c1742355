"""Milliseconds per photo of the police_items detector, with where the time goes.

    python bench/police_items_speed.py [--photos 60] [--publish facebook|instagram|x|full] [--max-crops N ...] [--compare-before]

Photos: the training part of `police_real` (never the held-back part), decoded beforehand at the
published size as a scan decodes them, so only the detector is timed. Per photo: wall and CPU time of
`detect`, split into the proposal stage (SSD-MobileNet-v2) and the crop embeddings, and the number of
crops. `--max-crops` runs the same photos with other caps on people and vehicles per photo so the cost of
a cap is read in one run; `--compare-before` adds the detector without its proposal gate, and without the
gate with the embedder that keeps every intermediate tensor (the way it ran before 2026-12-05). Trials
alternate photo by photo; photos that show police items and those that do not are also reported apart
(the gate spares only the second kind). Prints figures and the load average;
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.config import PublishTarget, load_profile  # noqa: E402
from media_screen.detectors.crop_features import CropEmbedder  # noqa: E402
from media_screen.detectors.police_items import LinearHead, PoliceItemsDetector, crop_pixels  # noqa: E402
from media_screen.inputs.still import decode_file  # noqa: E402
from media_screen.train.items.data import ItemClass, load_photos  # noqa: E402
from media_screen.train.items.run import DEFAULT_EVAL  # noqa: E402
from media_screen.train.split import Part  # noqa: E402


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--publish", choices=[t.value for t in PublishTarget], default=None)
    parser.add_argument("--max-crops", type=int, nargs="*", default=[])
    parser.add_argument("--compare-before", action="store_true", help="also time the detector without its gate, and with the spatial embedder")
    args = parser.parse_args(argv)

    profile = load_profile(None)
    long_side = profile.publish_long_side(PublishTarget(args.publish) if args.publish else None)
    photos = [p for p in load_photos(args.eval_dir) if p.dataset == "police_real" and p.part is Part.TRAIN]
    photos = sorted(photos, key=lambda p: p.path.name)[: args.photos]
    frames = [decode_file(p.path, profile.max_image_pixels, long_side)[0] for p in photos]
    detector = PoliceItemsDetector.from_profile(profile)
    detector.detect(frames[0])  # warm the interpreters
    print(f"police_items on {len(frames)} training-part photos of police_real at long side {long_side or 'full'} "
          f"(median frame {statistics.median(f.width for f in frames)} x {statistics.median(f.height for f in frames)}); "
          f"load average {os.getloadavg()[0]:.1f}")
    cap = detector.settings.plan.max_crops
    ungated = replace(detector.head, proposal_gate=0.0)
    trials = [("shipped", detector)]
    trials += [(f"max_crops {c}", trial_with(detector, c, detector.embedder, detector.head)) for c in args.max_crops if c != cap]
    if args.compare_before:  # the detector as it ran before 2026-12-05: no gate, every intermediate tensor kept
        trials.append(("no gate", trial_with(detector, cap, detector.embedder, ungated)))
        trials.append(("no gate, spatial embedder", trial_with(detector, cap, CropEmbedder.load(spatial=True), ungated)))
    walls = {name: [] for name, _ in trials}
    cpus = {name: [] for name, _ in trials}
    for frame in frames:  # alternating, so that the machine's load weighs on every trial alike
        for name, trial in trials:
            _, wall, cpu = timed(lambda: trial.detect(frame))
            walls[name].append(wall), cpus[name].append(cpu)
    positive = [p.truth is not ItemClass.BACKGROUND for p in photos]
    print(f"{sum(positive)} photos show police items, {len(positive) - sum(positive)} do not; wall ms per photo, median (mean, 90th):")
    for name, _ in trials:
        cells = []
        for label, keep in (("all", [True] * len(positive)), ("police", positive), ("not police", [not p for p in positive])):
            chosen = sorted(w for w, k in zip(walls[name], keep) if k)
            if chosen:
                cells.append(f"{label} {statistics.median(chosen):.0f} ({statistics.fmean(chosen):.0f}, {chosen[int(0.9 * len(chosen))]:.0f})")
        print(f"  {name:26s} " + "; ".join(cells) + f"; CPU median {statistics.median(cpus[name]):.0f} ms")
    # where the time goes when a frame is searched: the stages run one by one, ungated
    proposal_walls, embed_walls, counts = [], [], []
    for frame in frames:
        crops, proposal_wall, _ = timed(lambda: detector.crops(frame))
        _, embed_wall, _ = timed(lambda: [detector.embedder(crop_pixels(frame.pixels, c, detector.settings.plan.person_margin)) for c in crops])
        proposal_walls.append(proposal_wall), embed_walls.append(embed_wall), counts.append(len(crops))
    print(f"a frame searched: proposals {statistics.median(proposal_walls):.0f} ms, embeddings {statistics.median(embed_walls):.0f} ms "
          f"for a median {statistics.median(counts):.0f} crops (mean {statistics.fmean(counts):.1f}, most {max(counts)}), median wall")
    print(f"load average after {os.getloadavg()[0]:.1f}")
    return 0


def trial_with(detector: PoliceItemsDetector, cap: int, embedder: CropEmbedder, head: LinearHead) -> PoliceItemsDetector:
    plan = replace(detector.settings.plan, max_crops=cap)
    return PoliceItemsDetector(detector.proposals, embedder, head, replace(detector.settings, plan=plan))


if __name__ == "__main__":
    raise SystemExit(main())
