"""Drawn pictures that are not police insignia: the head's look-alike negatives for flat graphics.

Drawn insignia (insignia.py) teach the head what a badge or patch close-up looks like; without drawn
negatives it would learn "a flat, drawn picture" instead. These are drawn the same way, flat colours
and clean edges, but show what is not an insignia: clip-art landscapes, icons, charts, pages of text,
signs with ordinary words, licence plates, stickers and tags with a coloured header. Seeded, so a training
run draws the same ones again.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from media_screen.train.items.insignia import _font, close_up

WORDS = ("OPEN", "SALE", "CAFE", "EXIT", "PARKING", "WELCOME", "MENU", "HOTEL", "PHARMACY", "BAKERY",
         "SCHOOL", "LIBRARY", "STOP", "ONE WAY", "NO ENTRY", "FRAGILE", "TICKETS", "MARKET", "GARAGE")  # fmt: skip


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(0, 256, 3))


def _landscape(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: np.random.Generator) -> None:
    w, h = size
    draw.rectangle((0, 0, w, h), fill=(int(rng.integers(60, 140)), int(rng.integers(120, 200)), int(rng.integers(200, 255))))
    sun = rng.uniform(0.05, 0.12) * w
    cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.35) * h
    draw.ellipse((cx - sun, cy - sun, cx + sun, cy + sun), fill=(255, int(rng.integers(190, 240)), 60))
    for _ in range(int(rng.integers(1, 4))):
        top = rng.uniform(0.35, 0.7) * h
        centre = rng.uniform(0, w)
        span = rng.uniform(0.4, 1.0) * w
        green = (int(rng.integers(20, 90)), int(rng.integers(100, 170)), int(rng.integers(20, 80)))
        draw.ellipse((centre - span, top, centre + span, top + 2 * h), fill=green)
    for _ in range(int(rng.integers(0, 4))):
        x, y = rng.uniform(0, w), rng.uniform(0.4, 0.8) * h
        draw.rectangle((x - 3, y, x + 3, y + 0.15 * h), fill=(110, 70, 30))
        draw.ellipse((x - 0.06 * w, y - 0.1 * h, x + 0.06 * w, y + 0.03 * h), fill=(30, int(rng.integers(80, 130)), 40))


def _chart(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: np.random.Generator) -> None:
    w, h = size
    draw.rectangle((0, 0, w, h), fill=(250, 250, 250))
    bars = int(rng.integers(3, 9))
    for i in range(bars):
        top = rng.uniform(0.2, 0.85) * h
        draw.rectangle((w * (0.1 + 0.8 * i / bars), top, w * (0.1 + 0.8 * (i + 0.7) / bars), h * 0.9), fill=_colour(rng))
    draw.line((w * 0.08, h * 0.9, w * 0.95, h * 0.9), fill=(0, 0, 0), width=2)


def _page(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: np.random.Generator) -> None:
    w, h = size
    draw.rectangle((0, 0, w, h), fill=(245, 245, 240))
    font = _font(max(10, int(h / 22)), bold=False)
    y = h * 0.06
    while y < h * 0.92:
        words = " ".join(rng.choice([w_.lower() for w_ in WORDS], int(rng.integers(3, 7))))
        draw.text((w * 0.06, y), words, fill=(30, 30, 30), font=font)
        y += h / 16


def _sign(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: np.random.Generator) -> None:
    w, h = size
    draw.rectangle((0, 0, w, h), fill=_colour(rng))
    box = (w * 0.08, h * 0.25, w * 0.92, h * 0.75)
    if rng.random() < 0.5:
        draw.rounded_rectangle(box, radius=int(h * 0.05), fill=_colour(rng), outline=_colour(rng), width=4)
    else:
        draw.ellipse(box, fill=_colour(rng))
    word = WORDS[int(rng.integers(len(WORDS)))]
    draw.text((w / 2, h / 2), word, fill=_colour(rng), font=_font(max(12, int(w / (len(word) + 2) * 1.4))), anchor="mm")


def _plate(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: np.random.Generator) -> None:
    w, h = size
    draw.rectangle((0, 0, w, h), fill=(int(rng.integers(80, 160)),) * 3)
    draw.rounded_rectangle((w * 0.1, h * 0.3, w * 0.9, h * 0.7), radius=10, fill=(250, 250, int(rng.integers(150, 250))), outline=(20, 20, 20), width=3)
    text = "".join(rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"), int(rng.integers(5, 8))))
    draw.text((w / 2, h / 2), text, fill=(20, 20, 60), font=_font(int(h * 0.22)), anchor="mm")


def _label(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: np.random.Generator) -> None:
    """A sticker or tag: a white card with a coloured header band and lines of text (name tags, shipping
    and storage labels)."""
    w, h = size
    draw.rectangle((0, 0, w, h), fill=(int(rng.integers(200, 256)),) * 3)
    band = h * rng.uniform(0.18, 0.35)
    draw.rectangle((0, 0, w, band), fill=_colour(rng))
    header = ("HELLO", "FRAGILE", "SHIPPING", "SAMPLE", "VISITOR", "STORAGE", "INVENTORY", "PRIORITY", "LOT")
    draw.text((w / 2, band / 2), header[int(rng.integers(len(header)))], fill=(255, 255, 255), font=_font(max(10, int(band * 0.6))), anchor="mm")
    font = _font(max(9, int(h / 10)), bold=rng.random() < 0.5)
    for row in range(int(rng.integers(1, 4))):
        text = " ".join(rng.choice(["NO.", "ITEM", "DATE", "BOX", "24-0137", "3 OF 7", "BY ______", "REF"], 3))
        draw.text((w * 0.06, band + h * 0.08 + row * h / 6), text, fill=(20, 20, 20), font=font)


def _icon(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: np.random.Generator) -> None:
    w, h = size
    draw.rectangle((0, 0, w, h), fill=_colour(rng))
    for _ in range(int(rng.integers(2, 7))):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.05, 0.3) * min(w, h)
        shape = rng.integers(3)
        if shape == 0:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=_colour(rng))
        elif shape == 1:
            draw.rectangle((x - r, y - r, x + r, y + r), fill=_colour(rng))
        else:
            draw.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], fill=_colour(rng))


KINDS = (_landscape, _chart, _page, _sign, _plate, _label, _icon)


def _drawn(rng: np.random.Generator) -> np.ndarray:
    size = (int(rng.integers(120, 900)), int(rng.integers(100, 700)))
    picture = Image.new("RGB", size)
    KINDS[int(rng.integers(len(KINDS)))](ImageDraw.Draw(picture), size, rng)
    pixels = np.asarray(picture, np.float32) + rng.normal(0, rng.uniform(0, 6), (size[1], size[0], 1))
    return np.ascontiguousarray(np.clip(pixels, 0, 255).astype(np.uint8)[..., ::-1])


def drawn_negative(rng: np.random.Generator, backgrounds: list[np.ndarray]) -> np.ndarray:
    """One drawn picture that is not an insignia, as BGR pixels: on its own, or pasted as a label, sign
    or plate onto a background photo the way drawn insignia are (so the pasting is no clue either)."""
    drawn = _drawn(rng)
    if not backgrounds or rng.random() < 0.5:
        return drawn
    picture = backgrounds[int(rng.integers(len(backgrounds)))]
    side = int(rng.integers(200, 480))
    for _ in range(int(rng.integers(1, 3))):  # one or two things on a wall, a door, a desk
        picture = close_up(rng, picture, side, (drawn, np.ones(drawn.shape[:2], np.float32)), fill=(0.3, 0.7))
        drawn = _drawn(rng)
    return picture
