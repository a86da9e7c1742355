"""Procedurally drawn police insignia: badges, stars, shields, patches and door decals of any department.

Real close-ups of insignia are scarce, so the head learns them from drawings: a random outline (star,
shield, circle, rocker patch, rectangle decal), a random look (metal with a highlight, embroidered
cloth with a stitched border, flat vinyl), random colours and words (POLICE, SHERIFF, STATE TROOPER,
a department name, a badge number), drawn with matplotlib's bundled DejaVu fonts (no download), then
placed as a close-up over a background photo, warped, lit, blurred and JPEG-compressed. Nothing here
comes from a real department's artwork.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

TITLES = ("POLICE", "SHERIFF", "STATE TROOPER", "STATE POLICE", "DEPUTY SHERIFF", "HIGHWAY PATROL",
          "MARSHAL", "CONSTABLE", "POLICE OFFICER", "DETECTIVE", "SERGEANT", "GENDARMERIE", "POLIZEI",
          "POLICIA", "CARABINIERI", "K-9 UNIT", "METROPOLITAN POLICE")  # fmt: skip
PLACES = ("CITY OF RIVERTON", "LAKE COUNTY", "PORT ELLIS", "COUNTY OF MARIN", "NORTH HAVEN", "DEPARTMENT",
          "SPRINGFIELD", "EST. 1887", "PROTECT AND SERVE", "STATE OF OHIO", "FAIRVIEW", "TOWN OF AVON")  # fmt: skip
SHAPES = ("star6", "star5", "shield", "circle", "rocker_patch", "decal", "oval_patch")
LOOKS = ("metal", "embroidery", "vinyl")
METALS = ((212, 175, 55), (192, 192, 192), (184, 115, 51), (230, 200, 120))
CLOTH = ((20, 30, 70), (10, 10, 10), (60, 60, 60), (30, 60, 30), (110, 80, 40), (200, 200, 200), (150, 20, 20))
INKS = ((255, 215, 0), (255, 255, 255), (10, 10, 10), (200, 30, 30), (30, 60, 160))


def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSerif-Bold.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), size)


def _star(cx: float, cy: float, outer: float, points: int, inner_ratio: float) -> list[tuple[float, float]]:
    vertices = []
    for i in range(points * 2):
        radius = outer if i % 2 == 0 else outer * inner_ratio
        angle = -math.pi / 2 + i * math.pi / points
        vertices.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return vertices


def _outline(shape: str, side: int) -> tuple[list[tuple[float, float]] | None, tuple[int, int, int, int]]:
    """The polygon (None: an ellipse in the box) and the bounding box of a mark drawn on a `side` canvas."""
    m = side * 0.06
    if shape == "star6":
        return _star(side / 2, side / 2, side / 2 - m, 6, 0.62), (0, 0, side, side)
    if shape == "star5":
        return _star(side / 2, side / 2 + m, side / 2 - m, 5, 0.5), (0, 0, side, side)
    if shape == "shield":
        w = side - 2 * m
        return [(m, m), (m + w, m), (m + w, side * 0.55), (side / 2, side - m), (m, side * 0.55)], (0, 0, side, side)
    if shape == "rocker_patch":
        return [(m, side * 0.3), (side / 2, m), (side - m, side * 0.3), (side - m, side * 0.75),
                (side / 2, side - m), (m, side * 0.75)], (0, 0, side, side)  # fmt: skip
    if shape == "decal":
        return [(m, side * 0.25), (side - m, side * 0.25), (side - m, side * 0.75), (m, side * 0.75)], (0, 0, side, side)
    return None, (int(m), int(m if shape == "circle" else side * 0.15), int(side - m), int(side - (m if shape == "circle" else side * 0.15)))


def _text_fit(draw: ImageDraw.ImageDraw, text: str, centre: tuple[float, float], width: float, ink, bold=True) -> None:
    size = max(8, int(width / max(len(text), 4) * 1.7))
    font = _font(size, bold)
    while size > 8 and draw.textlength(text, font=font) > width:
        size -= 2
        font = _font(size, bold)
    draw.text(centre, text, fill=ink, font=font, anchor="mm")


def draw_mark(rng: np.random.Generator, side: int = 320) -> tuple[np.ndarray, np.ndarray]:
    """One random insignia: BGR pixels and an alpha mask in 0..1, on a `side` x `side` canvas."""
    shape = SHAPES[rng.integers(len(SHAPES))]
    look = LOOKS[rng.integers(len(LOOKS))]
    base = METALS[rng.integers(len(METALS))] if look == "metal" else CLOTH[rng.integers(len(CLOTH))]
    ink = INKS[rng.integers(len(INKS))]
    if look == "metal":
        ink = (30, 30, 40) if rng.random() < 0.6 else (20, 40, 120)
    canvas = Image.new("RGB", (side, side), base)
    mask = Image.new("L", (side, side), 0)
    polygon, box = _outline(shape, side)
    draw_mask = ImageDraw.Draw(mask)
    if polygon is None:
        draw_mask.ellipse(box, fill=255)
    else:
        draw_mask.polygon(polygon, fill=255)
    draw = ImageDraw.Draw(canvas)
    # a border: stitched (embroidery), raised rim (metal) or a stripe (vinyl)
    border = ink if look != "metal" else tuple(min(255, c + 40) for c in base)
    rim = max(3, side // 40)
    if polygon is None:
        draw.ellipse(box, outline=border, width=rim)
        draw.ellipse(tuple(v + (3 * rim if i < 2 else -3 * rim) for i, v in enumerate(box)), outline=border, width=max(1, rim // 2))
    else:
        draw.line(polygon + [polygon[0]], fill=border, width=rim)
    # a centre emblem: a small star, a seal circle or a monogram
    cx, cy = side / 2, side / 2
    emblem = rng.integers(3)
    if emblem == 0:
        draw.polygon(_star(cx, cy, side * 0.12, 5, 0.45), fill=ink)
    elif emblem == 1:
        draw.ellipse((cx - side * 0.13, cy - side * 0.13, cx + side * 0.13, cy + side * 0.13), outline=ink, width=max(2, side // 60))
    else:
        _text_fit(draw, "".join(rng.choice(list("ABCDEFGHKLMNPRSTW"), 2)), (cx, cy), side * 0.22, ink)
    title = TITLES[rng.integers(len(TITLES))]
    place = PLACES[rng.integers(len(PLACES))]
    top_y, bottom_y = (side * 0.3, side * 0.7) if shape in ("decal", "rocker_patch") else (side * 0.27, side * 0.72)
    _text_fit(draw, title, (cx, top_y), side * (0.8 if shape == "decal" else 0.62), ink)
    if rng.random() < 0.8:
        _text_fit(draw, place if rng.random() < 0.7 else str(rng.integers(100, 9999)), (cx, bottom_y), side * 0.55, ink, bold=rng.random() < 0.5)
    pixels = np.asarray(canvas, np.float32)
    if look == "metal":  # a diagonal highlight and darker edges
        yy, xx = np.mgrid[0:side, 0:side] / side
        pixels *= (0.75 + 0.45 * np.exp(-((xx - yy) ** 2) / 0.05))[..., None]
    elif look == "embroidery":  # thread texture
        pixels += rng.normal(0, 12, (side, side, 1)) * (np.sin(np.arange(side) * 1.3)[None, :, None] + 1)
    alpha = np.asarray(mask.filter(ImageFilter.GaussianBlur(1)), np.float32) / 255.0
    rgb = np.clip(pixels, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(rgb[..., ::-1]), alpha


def close_up(
    rng: np.random.Generator,
    background: np.ndarray,
    side: int = 360,
    mark: tuple[np.ndarray, np.ndarray] | None = None,
    fill: tuple[float, float] = (0.45, 0.95),
) -> np.ndarray:
    """A close-up photo of a drawn mark (default: a new insignia) over a square crop of `background`:
    warped, lit, blurred and JPEG-compressed."""
    bgr, alpha = mark if mark is not None else draw_mark(rng)
    bgr, alpha = cv2.resize(bgr, (320, 320)), cv2.resize(alpha, (320, 320))
    h, w = background.shape[:2]
    crop = min(h, w)
    top, left = int(rng.integers(0, h - crop + 1)), int(rng.integers(0, w - crop + 1))
    scene = cv2.resize(background[top : top + crop, left : left + crop], (side, side)).astype(np.float32)
    if rng.random() < 0.5:  # cloth or car paint behind the mark rather than a scene
        scene[:] = CLOTH[rng.integers(len(CLOTH))][::-1]
        scene += rng.normal(0, 6, scene.shape)
    mark_side = int(side * rng.uniform(*fill))
    source = np.float32([[0, 0], [319, 0], [319, 319], [0, 319]])
    jitter = rng.uniform(-0.12, 0.12, (4, 2)) * mark_side
    offset = rng.uniform(0, side - mark_side, 2)
    target = np.float32([[0, 0], [mark_side, 0], [mark_side, mark_side], [0, mark_side]]) + jitter + offset
    matrix = cv2.getPerspectiveTransform(source, target.astype(np.float32))
    warped = cv2.warpPerspective(bgr, matrix, (side, side)).astype(np.float32)
    warped_alpha = cv2.warpPerspective(alpha, matrix, (side, side))[..., None]
    out = scene * (1 - warped_alpha) + warped * warped_alpha
    out = out * rng.uniform(0.6, 1.3) + rng.uniform(-25, 25)
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 2.0))
    out = np.clip(out, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 95))])
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR) if ok else out
