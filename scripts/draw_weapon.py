#!/usr/bin/env python3
"""Draw a revolver on a plain, lit surface (a seized-weapon product shot): a test picture for the weapons
detector made from shapes only, no photo of a real weapon.

Run:  ~/.venvs/media-screen/bin/python scripts/draw_weapon.py OUT.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 640, 420
# Where the drawn revolver lies (x1, y1, x2, y2), for tests that check a box.
REVOLVER_BOX = (45, 95, 590, 380)


def revolver_picture(seed: int = 1) -> np.ndarray:
    """A BGR picture of a drawn revolver (barrel, cylinder, hammer, wooden grip, trigger guard) on a grey gradient."""
    background = (np.linspace(210, 160, HEIGHT)[:, None, None] * np.ones((HEIGHT, WIDTH, 3))).astype(np.uint8)
    image = Image.fromarray(background)
    draw = ImageDraw.Draw(image)
    black, grey, wood = (30, 30, 32), (70, 72, 78), (55, 35, 25)
    draw.rectangle((230, 130, 590, 175), fill=black)  # barrel
    draw.rectangle((230, 175, 470, 190), fill=grey)  # ejector housing
    draw.rectangle((575, 115, 588, 130), fill=black)  # front sight
    draw.rounded_rectangle((150, 118, 250, 200), 14, fill=grey)  # cylinder
    for x in (168, 192, 216, 240):
        draw.line((x, 122, x, 196), fill=black, width=4)  # flutes
    draw.polygon([(95, 125), (155, 115), (155, 215), (110, 220)], fill=black)  # frame
    draw.polygon([(80, 110), (110, 95), (120, 125)], fill=black)  # hammer
    draw.polygon([(100, 200), (160, 210), (140, 370), (60, 380), (45, 350)], fill=wood)  # grip
    draw.ellipse((150, 195, 225, 265), outline=black, width=8)  # trigger guard
    draw.line((180, 205, 172, 240), fill=black, width=7)  # trigger
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    bgr = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR).astype(np.float64)
    bgr += np.random.default_rng(seed).normal(0, 4, bgr.shape)  # sensor noise
    return np.clip(bgr, 0, 255).astype(np.uint8)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    cv2.imwrite(str(Path(argv[0])), revolver_picture())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
