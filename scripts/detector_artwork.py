"""Draw the fictional Concord Police Department marks: shoulder patch, badge and door decal.

Everything here is drawn from primitives with Pillow (shapes, gradients and DejaVu
letters from the fonts matplotlib ships); nothing is traced or copied from a real
department's artwork. The marks are deliberately busy (letters, a seal with a
landscape, stars, stitching) so that local features find them under perspective.

Each function returns an RGBA image: transparent outside the mark.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

NAVY = (22, 38, 84)
GOLD = (214, 172, 58)
DARK_GOLD = (150, 110, 30)
WHITE = (250, 250, 246)
SKY = (96, 160, 222)
GREEN = (44, 122, 64)
RIVER = (40, 92, 170)
RED = (176, 32, 40)


@lru_cache(maxsize=None)
def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    """DejaVu Sans from the installed matplotlib (or the system), else Pillow's built-in font."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    candidates = [Path("/usr/share/fonts/truetype/dejavu") / name]
    try:
        import matplotlib

        candidates.insert(0, Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)
    except ImportError:
        pass
    for path in candidates:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def centered_text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill, **kwargs) -> None:
    draw.text(xy, text, font=font(size), fill=fill, anchor="mm", **kwargs)


def arc_text(image: Image.Image, center: tuple[float, float], radius: float, text: str, size: int, fill,
             start_deg: float, end_deg: float, outward: bool = True) -> None:
    """Letters spread along a circle from start_deg to end_deg (0 = up, clockwise), each rotated to follow it."""
    step = (end_deg - start_deg) / max(len(text) - 1, 1)
    for index, letter in enumerate(text):
        if letter == " ":
            continue
        angle = start_deg + index * step
        tile = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((size, size), letter, font=font(size), fill=fill, anchor="mm")
        tile = tile.rotate(-angle if outward else 180 - angle, resample=Image.BICUBIC)
        theta = math.radians(angle)
        x = center[0] + radius * math.sin(theta)
        y = center[1] - radius * math.cos(theta)
        image.alpha_composite(tile, (int(x - size), int(y - size)))


def star(draw: ImageDraw.ImageDraw, center, outer: float, inner: float, points: int, fill, rotation: float = 0) -> None:
    cx, cy = center
    corners = []
    for i in range(points * 2):
        r = outer if i % 2 == 0 else inner
        a = math.radians(rotation + i * 180 / points)
        corners.append((cx + r * math.sin(a), cy - r * math.cos(a)))
    draw.polygon(corners, fill=fill)


def seal(diameter: int, rim=GOLD, ring_text: str = "SERVE  \u2022  PROTECT  \u2022  SINCE 1869") -> Image.Image:
    """The round seal: a river valley with hills, an oak, a sun, a bridge, inside a lettered ring."""
    s = diameter
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, s - 1, s - 1), fill=rim)
    draw.ellipse((s * 0.04, s * 0.04, s * 0.96, s * 0.96), fill=NAVY)
    arc_text(image, (s / 2, s / 2), s * 0.40, ring_text, int(s * 0.075), WHITE, -135, 135)
    inner = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    idraw = ImageDraw.Draw(inner)
    idraw.rectangle((0, 0, s, s * 0.55), fill=SKY)
    for i in range(12):  # sun rays
        a = math.radians(i * 30 + 8)
        cx, cy = s * 0.66, s * 0.40
        idraw.line((cx, cy, cx + s * 0.2 * math.cos(a), cy + s * 0.2 * math.sin(a)), fill=(250, 214, 90), width=3)
    idraw.ellipse((s * 0.58, s * 0.32, s * 0.74, s * 0.48), fill=(252, 222, 100))
    idraw.polygon([(0, s * 0.62), (s * 0.25, s * 0.38), (s * 0.45, s * 0.58), (s * 0.7, s * 0.44), (s, s * 0.62), (s, s), (0, s)], fill=GREEN)
    idraw.polygon([(s * 0.42, s), (s * 0.5, s * 0.6), (s * 0.56, s * 0.6), (s * 0.75, s)], fill=RIVER)
    for k in range(5):  # bridge arches over the river
        x0 = s * (0.36 + k * 0.08)
        idraw.arc((x0, s * 0.64, x0 + s * 0.08, s * 0.74), 180, 360, fill=WHITE, width=3)
    idraw.line((s * 0.34, s * 0.69, s * 0.78, s * 0.69), fill=WHITE, width=4)
    idraw.rectangle((s * 0.22, s * 0.52, s * 0.25, s * 0.7), fill=(92, 60, 30))  # oak trunk
    for dx, dy, r in ((0, 0, 0.08), (-0.06, 0.03, 0.06), (0.06, 0.03, 0.06), (0, -0.06, 0.06)):
        cx, cy = s * (0.235 + dx), s * (0.47 + dy)
        idraw.ellipse((cx - s * r, cy - s * r, cx + s * r, cy + s * r), fill=(30, 96, 48), outline=(16, 60, 30))
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).ellipse((s * 0.2, s * 0.2, s * 0.8, s * 0.8), fill=255)
    image.paste(inner, (0, 0), mask)
    draw.ellipse((s * 0.2, s * 0.2, s * 0.8, s * 0.8), outline=rim, width=max(2, s // 80))
    return image


def shoulder_patch(width: int = 600, height: int = 720) -> Image.Image:
    """An arched shield patch: gold stitched border, CONCORD arched over the seal, POLICE on a white banner."""
    w, h = width, height
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    outline = [(w * 0.04, h * 0.2)]
    outline += [(w / 2 - w * 0.46 * math.cos(math.radians(a)), h * 0.2 - h * 0.17 * math.sin(math.radians(a))) for a in range(0, 181, 6)]
    outline += [(w * 0.96, h * 0.2), (w * 0.96, h * 0.72), (w / 2, h * 0.98), (w * 0.04, h * 0.72)]
    draw.polygon(outline, fill=GOLD)
    shrink = [(w / 2 + (x - w / 2) * 0.93, h * 0.52 + (y - h * 0.52) * 0.94) for x, y in outline]
    draw.polygon(shrink, fill=NAVY)
    for x, y in shrink[::2]:  # stitching
        draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=WHITE)
    arc_text(image, (w / 2, h * 0.42), w * 0.34, "CONCORD", int(w * 0.1), GOLD, -58, 58)
    badge = seal(int(w * 0.5), ring_text="CITY OF CONCORD \u2022 1869 \u2022")
    image.alpha_composite(badge, (int(w * 0.25), int(h * 0.3)))
    for x in (0.16, 0.84):
        star(draw, (w * x, h * 0.45), w * 0.05, w * 0.02, 5, GOLD)
    draw.rectangle((w * 0.12, h * 0.72, w * 0.88, h * 0.84), fill=WHITE, outline=GOLD, width=4)
    centered_text(draw, (w / 2, h * 0.78), "POLICE", int(h * 0.085), NAVY)
    centered_text(draw, (w / 2, h * 0.89), "DEPT.", int(h * 0.04), GOLD)
    return image


def badge(number: str = "417", width: int = 520, height: int = 620) -> Image.Image:
    """A gold shield badge: CONCORD on the top ribbon, the seal in blue enamel, POLICE below, the officer's number."""
    w, h = width, height
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    shape = [(w * 0.5, h * 0.02), (w * 0.62, h * 0.08), (w * 0.8, h * 0.05), (w * 0.98, h * 0.14), (w * 0.92, h * 0.5),
             (w * 0.8, h * 0.78), (w * 0.5, h * 0.98), (w * 0.2, h * 0.78), (w * 0.08, h * 0.5), (w * 0.02, h * 0.14),
             (w * 0.2, h * 0.05), (w * 0.38, h * 0.08)]
    draw.polygon(shape, fill=DARK_GOLD)
    inner = [(w / 2 + (x - w / 2) * 0.92, h / 2 + (y - h / 2) * 0.93) for x, y in shape]
    gradient = np.linspace(1.15, 0.8, h)[:, None] * np.ones((1, w))
    metal = (np.array(GOLD, dtype=float)[None, None, :] * gradient[..., None]).clip(0, 255).astype(np.uint8)
    plate = Image.fromarray(metal, "RGB")
    engraving = ImageDraw.Draw(plate)
    for k in range(40):  # engraved scroll lines
        y = h * 0.2 + k * h * 0.015
        engraving.arc((w * 0.1, y - h * 0.05, w * 0.9, y + h * 0.05), 200, 340, fill=DARK_GOLD, width=1)
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).polygon(inner, fill=255)
    image.paste(plate.convert("RGBA"), (0, 0), mask)
    draw.rectangle((w * 0.16, h * 0.13, w * 0.84, h * 0.24), fill=NAVY, outline=DARK_GOLD, width=3)
    centered_text(draw, (w / 2, h * 0.185), "CONCORD", int(h * 0.07), GOLD)
    image.alpha_composite(seal(int(w * 0.44), rim=DARK_GOLD, ring_text="\u2022 STATE OF CALIFORNIA \u2022"), (int(w * 0.28), int(h * 0.27)))
    draw.rectangle((w * 0.18, h * 0.62, w * 0.82, h * 0.72), fill=NAVY, outline=DARK_GOLD, width=3)
    centered_text(draw, (w / 2, h * 0.67), "POLICE", int(h * 0.07), GOLD)
    draw.rounded_rectangle((w * 0.34, h * 0.75, w * 0.66, h * 0.86), radius=10, fill=WHITE, outline=DARK_GOLD, width=3)
    centered_text(draw, (w / 2, h * 0.805), number, int(h * 0.075), NAVY)
    return image


def door_decal(width: int = 1000, height: int = 420) -> Image.Image:
    """A door decal on white: a blue swoosh with a gold pinstripe, the seal, CONCORD over a big POLICE, a motto."""
    w, h = width, height
    image = Image.new("RGBA", (w, h), WHITE + (255,))
    draw = ImageDraw.Draw(image)
    top = [(x, h * 0.78 - h * 0.25 * math.sin(math.pi * x / w) ** 2) for x in range(0, w + 1, 10)]
    draw.polygon(top + [(w, h), (0, h)], fill=NAVY)
    draw.line(top, fill=GOLD, width=8)
    image.alpha_composite(seal(int(h * 0.62), ring_text="CONCORD \u2022 CALIFORNIA \u2022 1869 \u2022"), (int(w * 0.03), int(h * 0.05)))
    draw.text((w * 0.3, h * 0.06), "CONCORD", font=font(int(h * 0.14)), fill=NAVY)
    draw.text((w * 0.29, h * 0.2), "POLICE", font=font(int(h * 0.3)), fill=NAVY)
    centered_text(draw, (w * 0.62, h * 0.9), "TO PROTECT AND TO SERVE", int(h * 0.055), WHITE)
    for k in range(3):
        star(draw, (w * (0.86 + k * 0.045), h * 0.12), h * 0.035, h * 0.014, 5, GOLD)
    return image


def soften(image: Image.Image, radius: float = 0.6) -> Image.Image:
    """A little blur so the artwork is not pixel-sharp when photographed."""
    return image.filter(ImageFilter.GaussianBlur(radius))
