#!/usr/bin/env python3
"""How often the insignia detector finds each drawn hate symbol spray-painted on the wall of the sample
sample_media/detectors/hate_symbol_wall.jpg.

Each of the four references of scripts/draw_hate_symbols.py is painted into that scene
(scripts/make_detector_samples.py, hate_symbol_wall) with --seeds different paint grain and sensor noise,
and looked for as rendered and after a JPEG round trip at the samples' quality. Prints, per symbol, how many
of the renderings gave that symbol's finding (this reference, not another) and the inlier counts. These are renderings of
one drawn scene, not photos: a check of the matcher on painted symbols, not a recall figure.

Run:  ~/.venvs/media-screen/bin/python bench/hate_symbol_paint.py [--seeds 8]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import draw_hate_symbols  # noqa: E402
import make_detector_samples as samples  # noqa: E402

from media_screen.config import load_profile  # noqa: E402
from media_screen.detectors.insignia import InsigniaDetector  # noqa: E402
from media_screen.model import DetectionKind, Frame  # noqa: E402

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    detector = InsigniaDetector.from_profile(load_profile())
    for filename, draw in draw_hate_symbols.SYMBOLS.items():
        inliers = []
        for seed in range(args.seeds):
            rendered = samples.hate_symbol_wall(draw(), seed=seed)
            ok, encoded = cv2.imencode(".jpg", rendered, [cv2.IMWRITE_JPEG_QUALITY, samples.JPEG_QUALITY])
            for pixels in (rendered, cv2.imdecode(encoded, cv2.IMREAD_COLOR)):
                found = [d for d in detector.detect(Frame(pixels))
                         if d.kind == DetectionKind.HATE_SYMBOL and d.evidence["reference_file"] == filename]
                inliers.append(found[0].evidence["inliers"] if found else 0)
        hits = sum(1 for n in inliers if n)
        print(f"{filename:30s} found in {hits:2d} of {len(inliers)} renderings; inliers {inliers}")
    print(f"(load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
