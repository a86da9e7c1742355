"""Draw the default hate-symbol references (issue 14 item 4) into media_screen/assets/references/hate/.

    python scripts/draw_hate_symbols.py [--out DIR]

Each symbol is its own reference, so that a finding names which one it is (the profile's
[[detectors.insignia.references]] entries with kind = "hate_symbol"):

- swastika_clockwise.png: the hooked cross with arms bent clockwise, standing on a point (45 degrees),
  as on the Nazi flag;
- swastika_counterclockwise.png: its mirror image (arms bent the other way), also used by hate groups;
  the insignia matcher rejects mirrored views, so each orientation needs its own reference;
- ss_runes.png: the two Sig runes (lightning bolts) of the SS;
- celtic_cross_hate.png: the square-armed cross inside a ring with arms reaching past it ("white pride
  world wide" Celtic cross of the ADL Hate Symbols Database), not the long-shafted church cross.

Black strokes on an opaque light square: SIFT finds the symbol's corners inside the square, and the
appearance check compares the grey levels of the whole square. The drawing is geometric and
deterministic; re-running the script rewrites identical files.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from PIL import Image, ImageDraw

SIDE = 480
INK = (0, 0, 0, 255)
GROUND = (245, 245, 240, 255)
OUT = Path(__file__).resolve().parent.parent / "media_screen" / "assets" / "references" / "hate"


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGBA", (SIDE, SIDE), GROUND)
    return image, ImageDraw.Draw(image)


def swastika(clockwise: bool) -> Image.Image:
    """Four arms from the centre, each bent at a right angle; drawn upright, then turned 45 degrees."""
    image, draw = _canvas()
    c, arm, w = SIDE / 2, 120, 34  # centre, arm length to the bend, stroke width
    half = w / 2
    for k in range(4):
        angle = math.pi / 2 * k
        ux, uy = math.cos(angle), math.sin(angle)  # along the arm
        vx, vy = (-uy, ux) if clockwise else (uy, -ux)  # the direction the hook bends
        polygon_arm = [(c + ux * s + vx * t, c + uy * s + vy * t) for s, t in ((-half, -half), (arm + half, -half),
                                                                               (arm + half, half), (-half, half))]
        hook = [(c + ux * s + vx * t, c + uy * s + vy * t) for s, t in ((arm - half, -half), (arm + half, -half),
                                                                        (arm + half, arm), (arm - half, arm))]
        draw.polygon(polygon_arm, fill=INK)
        draw.polygon(hook, fill=INK)
    return image.rotate(45, resample=Image.BICUBIC, fillcolor=GROUND)


def ss_runes() -> Image.Image:
    """Two Sig runes side by side: each a zig-zag bolt of three strokes."""
    image, draw = _canvas()
    for left in (110, 260):
        points = [(left + 80, 60), (left + 10, 250), (left + 100, 230), (left + 30, 420)]
        draw.line(points, fill=INK, width=38)  # mitre-less joints: sharp corners for the keypoints
    return image


def celtic_cross() -> Image.Image:
    """An equal-armed cross whose arms reach past a ring centred on it."""
    image, draw = _canvas()
    c, reach, w, ring, ring_w = SIDE / 2, 200, 44, 120, 30
    draw.rectangle((c - w / 2, c - reach, c + w / 2, c + reach), fill=INK)
    draw.rectangle((c - reach, c - w / 2, c + reach, c + w / 2), fill=INK)
    draw.ellipse((c - ring, c - ring, c + ring, c + ring), outline=INK, width=ring_w)
    return image


SYMBOLS = {
    "swastika_clockwise.png": lambda: swastika(clockwise=True),
    "swastika_counterclockwise.png": lambda: swastika(clockwise=False),
    "ss_runes.png": ss_runes,
    "celtic_cross_hate.png": celtic_cross,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, draw in SYMBOLS.items():
        draw().save(args.out / name, optimize=True)
        print(args.out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
