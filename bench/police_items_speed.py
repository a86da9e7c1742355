"""Milliseconds per photo of the police_items detector, with where the time goes.

    python bench/police_items_speed.py [--photos 60] [--publish facebook|instagram|x|full] [--max-crops N ...]

Photos: the training part of `police_real` (never the held-back part), decoded beforehand at the
published size as a scan decodes them, so only the detector is timed. Per photo: wall and CPU time of
`detect`, split into the proposal stage (SSD-MobileNet-v2) and the crop embeddings, and the number of
crops. `--max-crops` runs the same photos with other caps on people and vehicles per photo (the shipped
profile's cap first) so the cost of a cap is read in one run; `--spatial-embedder` adds the embedder that
keeps every intermediate tensor (the way it ran before 2026-12-05). Trials alternate photo by photo. Prints figures and the load average;
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
from media_screen.detectors.police_items import PoliceItemsDetector, crop_pixels  # noqa: E402
from media_screen.media import decode_still  # noqa: E402
from media_screen.train.items.data import load_photos  # noqa: E402
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
    parser.add_argument("--spatial-embedder", action="store_true", help="also time the embedder that keeps every tensor")
    args = parser.parse_args(argv)

    profile = load_profile(None)
    long_side = profile.publish_long_side(PublishTarget(args.publish) if args.publish else None)
    photos = [p for p in load_photos(args.eval_dir) if p.dataset == "police_real" and p.part is Part.TRAIN]
    photos = sorted(photos, key=lambda p: p.path.name)[: args.photos]
    frames = [decode_still(p.path, profile.max_image_pixels, long_side)[0] for p in photos]
    detector = PoliceItemsDetector.from_profile(profile)
    detector.detect(frames[0])  # warm the interpreters
    print(f"police_items on {len(frames)} training-part photos of police_real at long side {long_side or 'full'} "
          f"(median frame {statistics.median(f.width for f in frames)} x {statistics.median(f.height for f in frames)}); "
          f"load average {os.getloadavg()[0]:.1f}")
    caps = [detector.settings.plan.max_crops] + [c for c in args.max_crops if c != detector.settings.plan.max_crops]
    trials = [(f"max_crops {cap:2d}", trial_with(detector, cap, detector.embedder)) for cap in caps]
    if args.spatial_embedder:  # the embedder as it was before 2026-12-05: every intermediate tensor kept
        spatial = CropEmbedder.load(spatial=True)
        trials.append((f"max_crops {caps[0]:2d}, spatial embedder", trial_with(detector, caps[0], spatial)))
    timings = {name: ([], [], [], [], []) for name, _ in trials}
    for frame in frames:  # alternating, so that the machine's load weighs on every trial alike
        for name, trial in trials:
            walls, cpus, proposal_walls, embed_walls, counts = timings[name]
            margin = trial.settings.plan.person_margin
            crops, proposal_wall, _ = timed(lambda: trial.crops(frame))
            _, embed_wall, _ = timed(lambda: [trial.embedder(crop_pixels(frame.pixels, c, margin)) for c in crops])
            _, wall, cpu = timed(lambda: trial.detect(frame))
            walls.append(wall), cpus.append(cpu), proposal_walls.append(proposal_wall)
            embed_walls.append(embed_wall), counts.append(len(crops))
    for name, (walls, cpus, proposal_walls, embed_walls, counts) in timings.items():
        print(f"{name}: detect median {statistics.median(walls):.0f} ms wall "
              f"(mean {statistics.fmean(walls):.0f}, 90th {sorted(walls)[int(0.9 * len(walls))]:.0f}), "
              f"{statistics.median(cpus):.0f} ms CPU; proposals {statistics.median(proposal_walls):.0f} ms, "
              f"embeddings {statistics.median(embed_walls):.0f} ms for a median {statistics.median(counts):.0f} crops "
              f"(mean {statistics.fmean(counts):.1f}, most {max(counts)})")
    print(f"load average after {os.getloadavg()[0]:.1f}")
    return 0


def trial_with(detector: PoliceItemsDetector, cap: int, embedder: CropEmbedder) -> PoliceItemsDetector:
    plan = replace(detector.settings.plan, max_crops=cap)
    return PoliceItemsDetector(detector.proposals, embedder, detector.head, replace(detector.settings, plan=plan))


if __name__ == "__main__":
    raise SystemExit(main())
