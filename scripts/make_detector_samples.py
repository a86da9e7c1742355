#!/usr/bin/env python3
"""Make the detector sample photos in sample_media/detectors/ and the enrolled reference marks.

The fictional Concord Police marks are drawn by scripts/detector_artwork.py. Reference
copies go to media_screen/assets/references/ (registered in the default profile); the
photos put the marks, warped in perspective, lit unevenly and blurred, onto real
public-domain photos that ship inside scikit-image (NASA's astronaut and rocket
photos, the coffee cup, the page scan, the cat):

  astronaut_patch.jpg       the astronaut (a real face) with the shoulder patch on her sleeve
  coffee_badge.jpg          the badge (CONCORD / POLICE / 417) lying beside the coffee cup
  marked_car.jpg            a patrol car shape with the door decal and a red/blue light bar, at the rocket's pad
  evidence_plate.jpg        an evidence bag label with a case number and a licence plate on a brick wall
  confidential_page.jpg     the scanned page stamped CONFIDENTIAL / LAW ENFORCEMENT SENSITIVE
  clean_cat.jpg             the cat photo, untouched apart from scaling: nothing to find
  internal_affairs_memo.jpg the scanned page headed INTERNAL AFFAIRS with an IA case number (B.7)
  hate_graffiti.jpg         a brick wall sprayed with a numeric hate code and a hate slogan (B.5)
  seized_revolver.jpg       a revolver drawn by scripts/draw_weapon.py on a plain surface (B.5 weapon)
  hate_symbol_wall.jpg      a swastika drawn by scripts/draw_hate_symbols.py, spray-painted on a rendered
                            wall between a door and a drainpipe (B.5 hate symbol)

Each photo's expected verdicts (from policy.py and the default profile), sections and
detection kinds go into sample_media/expected.json; only this script's keys are replaced.

Run:  ~/.venvs/media-screen/bin/python scripts/make_detector_samples.py [--only NAME ...]
(--only writes just the named photos and their expected.json keys, not the references.)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image, ImageDraw
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parent))
import detector_artwork as art  # noqa: E402
import draw_hate_symbols  # noqa: E402
import draw_weapon  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
REFERENCES = REPO / "media_screen" / "assets" / "references"
OUT = REPO / "sample_media" / "detectors"
EXPECTED = REPO / "sample_media" / "expected.json"
JPEG_QUALITY = 84
RNG_SEED = 7


def rgba_to_bgra(image: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(image.convert("RGBA")), cv2.COLOR_RGBA2BGRA)


def upscale(rgb: np.ndarray, long_side: int) -> np.ndarray:
    """A skimage photo (RGB or gray) as BGR, scaled so its long side is `long_side`."""
    if rgb.ndim == 2:
        rgb = np.stack([rgb] * 3, axis=-1)
    bgr = cv2.cvtColor(rgb[:, :, :3], cv2.COLOR_RGB2BGR)
    factor = long_side / max(bgr.shape[:2])
    return cv2.resize(bgr, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def paste_warped(background: np.ndarray, art_bgra: np.ndarray, quad, light=(1.0, 0.75), blur: float = 1.0) -> None:
    """Warp `art_bgra` onto `quad` (TL, TR, BR, BL) of `background` in place, lit by a gradient and blurred."""
    h, w = art_bgra.shape[:2]
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    homography = cv2.getPerspectiveTransform(source, np.float32(quad))
    size = (background.shape[1], background.shape[0])
    warped = cv2.warpPerspective(art_bgra, homography, size, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    colour = warped[:, :, :3].astype(np.float32)
    alpha = warped[:, :, 3:].astype(np.float32) / 255.0
    ys = np.linspace(0, 1, size[1])[:, None, None]
    colour *= light[0] + (light[1] - light[0]) * ys  # light falls off from top to bottom
    if blur:
        colour = cv2.GaussianBlur(colour, (0, 0), blur)
        alpha = cv2.GaussianBlur(alpha, (0, 0), blur)[:, :, None]
    mixed = background.astype(np.float32) * (1 - alpha) + colour * alpha
    background[:] = mixed.clip(0, 255).astype(np.uint8)


def add_noise(image: np.ndarray, sigma: float = 3.0, seed: int = RNG_SEED) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return (image.astype(np.float32) + noise).clip(0, 255).astype(np.uint8)


def write_jpeg(path: Path, bgr: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError(f"cannot encode {path}")
    path.write_bytes(encoded.tobytes())


# --- the photos ---------------------------------------------------------------------------------------------


def astronaut_patch() -> np.ndarray:
    photo = upscale(data.astronaut(), 900)
    patch = rgba_to_bgra(art.shoulder_patch())
    paste_warped(photo, patch, [(548, 418), (668, 440), (655, 588), (538, 566)], light=(1.0, 0.8), blur=1.0)
    return add_noise(photo)


def coffee_badge() -> np.ndarray:
    photo = upscale(data.coffee(), 960)
    badge = rgba_to_bgra(art.badge("417"))
    paste_warped(photo, badge, [(60, 330), (290, 300), (320, 590), (80, 620)], light=(1.05, 0.85), blur=0.8)
    return add_noise(photo)


def marked_car() -> np.ndarray:
    photo = upscale(data.rocket(), 960)
    car = Image.new("RGBA", (900, 420), (0, 0, 0, 0))
    draw = ImageDraw.Draw(car)
    draw.rounded_rectangle((20, 160, 880, 340), radius=40, fill=(244, 244, 240))  # body
    draw.polygon([(190, 165), (290, 70), (610, 70), (730, 165)], fill=(244, 244, 240))  # cabin
    draw.polygon([(220, 160), (305, 88), (445, 88), (445, 160)], fill=(60, 72, 86))  # windows
    draw.polygon([(460, 160), (460, 88), (600, 88), (700, 160)], fill=(60, 72, 86))
    draw.rectangle((20, 300, 880, 340), fill=(30, 30, 34))  # lower trim
    for cx in (190, 710):
        draw.ellipse((cx - 70, 270, cx + 70, 410), fill=(20, 20, 20))
        draw.ellipse((cx - 35, 305, cx + 35, 375), fill=(150, 150, 156))
    draw.rectangle((330, 44, 450, 70), fill=(225, 20, 30))  # light bar: red half, blue half
    draw.rectangle((450, 44, 570, 70), fill=(20, 60, 235))
    draw.rectangle((320, 66, 580, 74), fill=(40, 40, 40))
    car_bgra = rgba_to_bgra(car)
    decal = rgba_to_bgra(art.door_decal())
    h, w = car_bgra.shape[:2]
    body_quad = np.float32([[300, 175], [760, 175], [760, 300], [300, 300]])  # the doors
    decal_h = cv2.getPerspectiveTransform(np.float32([[0, 0], [1000, 0], [1000, 420], [0, 420]]), body_quad)
    decal_on_car = cv2.warpPerspective(decal, decal_h, (w, h), borderValue=(0, 0, 0, 0))
    keep = decal_on_car[:, :, 3:] > 0
    car_bgra = np.where(keep, decal_on_car, car_bgra)
    paste_warped(photo, car_bgra, [(250, 400), (850, 430), (850, 700), (240, 690)], light=(1.0, 0.85), blur=0.8)
    return add_noise(photo)


def evidence_plate() -> np.ndarray:
    wall = cv2.cvtColor(upscale(data.brick(), 900), cv2.COLOR_BGR2HSV)
    wall[:, :, 0], wall[:, :, 1] = 10, 90  # brick red
    photo = cv2.cvtColor(wall, cv2.COLOR_HSV2BGR)
    label = Image.new("RGBA", (620, 360), (246, 242, 228, 255))
    draw = ImageDraw.Draw(label)
    draw.rectangle((0, 0, 619, 90), fill=(200, 24, 30))
    art.centered_text(draw, (310, 46), "EVIDENCE", 72, (255, 255, 255))
    draw.text((30, 120), "CASE NO. 24-013377", font=art.font(40), fill=(20, 20, 20))
    draw.text((30, 185), "ITEM 3 OF 7", font=art.font(34), fill=(20, 20, 20))
    draw.text((30, 245), "SEIZED BY ________", font=art.font(34, bold=False), fill=(20, 20, 20))
    paste_warped(photo, rgba_to_bgra(label), [(60, 80), (470, 100), (460, 330), (55, 320)], light=(1.05, 0.9), blur=0.7)
    plate = Image.new("RGBA", (600, 300), (250, 250, 250, 255))
    draw = ImageDraw.Draw(plate)
    draw.rounded_rectangle((4, 4, 595, 295), radius=24, outline=(30, 30, 90), width=8)
    art.centered_text(draw, (300, 55), "California", 48, (180, 20, 30))
    art.centered_text(draw, (300, 175), "7KDF291", 112, (20, 30, 110))
    paste_warped(photo, rgba_to_bgra(plate), [(520, 420), (820, 400), (830, 560), (525, 575)], light=(1.0, 0.9), blur=0.8)
    return add_noise(photo)


def confidential_page() -> np.ndarray:
    page = upscale(data.page(), 900)
    photo = cv2.copyMakeBorder(page, 120, 80, 0, 0, cv2.BORDER_CONSTANT, value=(236, 236, 236))
    stamp = Image.new("RGBA", (700, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(stamp)
    draw.rectangle((5, 5, 694, 144), outline=(200, 20, 20, 255), width=10)
    art.centered_text(draw, (350, 76), "CONFIDENTIAL", 78, (200, 20, 20, 255))
    paste_warped(photo, rgba_to_bgra(stamp), [(110, 260), (760, 230), (765, 370), (115, 400)], light=(1.0, 1.0), blur=0.6)
    header = Image.new("RGBA", (900, 80), (0, 0, 0, 0))
    art.centered_text(ImageDraw.Draw(header), (450, 40), "LAW ENFORCEMENT SENSITIVE", 52, (20, 20, 20, 255))
    paste_warped(photo, rgba_to_bgra(header), [(0, 20), (900, 20), (900, 100), (0, 100)], light=(1.0, 1.0), blur=0.5)
    return add_noise(photo)


def internal_affairs_memo() -> np.ndarray:
    page = upscale(data.page(), 900)
    photo = cv2.copyMakeBorder(page, 160, 60, 0, 0, cv2.BORDER_CONSTANT, value=(236, 236, 236))
    header = Image.new("RGBA", (900, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(header)
    art.centered_text(draw, (450, 45), "INTERNAL AFFAIRS", 60, (20, 20, 20, 255))
    art.centered_text(draw, (450, 115), "IA CASE # 24-118", 44, (20, 20, 20, 255))
    paste_warped(photo, rgba_to_bgra(header), [(0, 10), (900, 10), (900, 160), (0, 160)], light=(1.0, 1.0), blur=0.5)
    return add_noise(photo)


def hate_graffiti() -> np.ndarray:
    wall = cv2.cvtColor(upscale(data.brick(), 900), cv2.COLOR_BGR2HSV)
    wall[:, :, 0], wall[:, :, 1] = 12, 70
    photo = cv2.cvtColor(wall, cv2.COLOR_HSV2BGR)
    paint = Image.new("RGBA", (700, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(paint)
    art.centered_text(draw, (350, 80), "1488", 120, (15, 15, 15, 255))
    art.centered_text(draw, (350, 220), "WHITE POWER", 80, (15, 15, 15, 255))
    paste_warped(photo, rgba_to_bgra(paint), [(100, 150), (780, 170), (770, 470), (95, 450)], light=(1.0, 0.9), blur=0.8)
    return add_noise(photo)


def sprayed(symbol: Image.Image, seed: int = RNG_SEED, pad: int = 60) -> np.ndarray:
    """Paint cover (0..1) of a drawn symbol's black strokes, sprayed: soft edges and a grainy overspray mist."""
    ink = 1.0 - np.asarray(symbol.convert("L"), dtype=np.float32) / 255.0
    ink = cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    grain = cv2.GaussianBlur(np.random.default_rng(seed).random(ink.shape, np.float32), (0, 0), 0.8)
    mist = cv2.GaussianBlur(ink, (0, 0), 12.0) * (1 + 0.64 * (grain - grain.mean()))
    return np.clip(0.93 * cv2.GaussianBlur(ink, (0, 0), 2.0) + 0.25 * mist, 0, 1)


def hate_symbol_wall(symbol: Image.Image | None = None, seed: int = RNG_SEED) -> np.ndarray:
    """`symbol` (default: the counter-clockwise swastika of scripts/draw_hate_symbols.py) spray-painted about
    400 px wide on a pebble-dash wall, turned a little and seen a little from the left, between a door and a
    drainpipe. bench/hate_symbol_paint.py renders it with each reference and other seeds."""
    width, height, ground = 1440, 960, 820
    gravel = data.gravel()  # the render; the door's frame hides where two copies of the texture meet (x = 480)
    texture = np.hstack([cv2.resize(np.rot90(gravel), (960, 960), interpolation=cv2.INTER_CUBIC)[:, : width - 960],
                         cv2.resize(gravel, (960, 960), interpolation=cv2.INTER_CUBIC)]).astype(np.float32)
    render = 170 + (cv2.GaussianBlur(texture, (0, 0), 1.2) - texture.mean()) * 0.45
    photo = np.stack([render * 0.62, render * 0.85, render * 1.05], axis=-1)  # ochre (BGR)
    cover = sprayed(symbol if symbol is not None else draw_hate_symbols.swastika(clockwise=False), seed)
    h, w = cover.shape
    homography = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]),
                                             np.float32([[560, 200], [950, 228], [958, 640], [548, 610]]))
    cover = cv2.warpPerspective(cover, homography, (width, height))[:, :, None]
    relief = render[:, :, None] / render.mean()  # the paint lies on the pebbles: it takes their shading
    photo = photo * (1 - cover) + np.float32([30, 26, 28]) * relief * cover
    pavement = cv2.resize(np.tile(data.grass(), (1, 3)), (width, height - ground)).astype(np.float32)
    photo[ground:] = (95 + (pavement - pavement.mean()) * 0.35)[:, :, None]
    photo[ground - 14 : ground] *= np.linspace(1.0, 0.55, 14)[:, None, None]  # the wall's foot in shadow
    across = np.linspace(-1, 1, 40)  # a drainpipe, lit from the left, with its shadow and two brackets
    photo[:ground, 1250:1290] = (120 + 90 * np.sqrt(1 - across**2) - 25 * across)[None, :, None] * [0.95, 0.98, 1.0]
    photo[:ground, 1290:1302] *= 0.7
    for y in (120, 470):
        photo[y : y + 16, 1244:1296] = (70, 72, 75)
    photo[150 : ground - 14, 220:490] = 215  # a green door in a light frame, with its handle
    photo[160 : ground - 14, 230:480] = np.float32([52, 78, 44]) * np.linspace(1.1, 0.85, ground - 174)[:, None, None]
    photo[460:490, 255:272] = (150, 160, 170)
    photo *= np.linspace(0.85, 1.05, width)[None, :, None] * np.linspace(1.05, 0.9, height)[:, None, None]
    return add_noise(photo.clip(0, 255).astype(np.uint8), seed=seed)


def clean_cat() -> np.ndarray:
    return add_noise(upscale(data.chelsea(), 800))


# --- what each photo should give --------------------------------------------------------------------------------
#
# Default profile: department items (police wording, enrolled marks, marked cars) are
# info / permission / permission (official / personal / covert) under B.2, and a face
# with them is a covert BLOCK (B.10); identifying text is info / review / block (B.10);
# plates review / review / block (B.10); investigation material review / block / block
# (B.3); confidential information blocks everyone (B.4 / A.4.c); internal matters (B.7) and
# derogatory wording (B.5) block everyone.

SAMPLES: dict[str, tuple[Callable[[], np.ndarray], dict]] = {
    "astronaut_patch.jpg": (astronaut_patch, {
        "official": "CLEAR", "personal": "PERMISSION_REQUIRED", "covert": "DO_NOT_POST",
        "sections": ["B.10", "B.2"], "detections": ["face", "patch"],
        "note": "shoulder patch found by the insignia detector next to a real face: covert BLOCK (face with police items)",
    }),
    "coffee_badge.jpg": (coffee_badge, {
        "official": "CLEAR", "personal": "PERMISSION_REQUIRED", "covert": "DO_NOT_POST",
        "sections": ["B.10", "B.2"], "detections": ["badge", "police_text", "identifying_text"],
        "note": "badge found by the insignia detector; CONCORD / POLICE and the badge number 417 read by OCR",
    }),
    "marked_car.jpg": (marked_car, {
        "official": "CLEAR", "personal": "PERMISSION_REQUIRED", "covert": "PERMISSION_REQUIRED",
        "sections": ["B.2"], "detections": ["police_vehicle", "police_text", "insignia"],
        "note": "door decal (enrolled), POLICE on the door and a red/blue light bar on the roof",
    }),
    "evidence_plate.jpg": (evidence_plate, {
        "official": "REVIEW", "personal": "DO_NOT_POST", "covert": "DO_NOT_POST",
        "sections": ["B.10", "B.3"], "detections": ["investigation_text", "plate"],
        "note": "EVIDENCE label with a case number (B.3) and a licence plate 7KDF291 (B.10)",
    }),
    "confidential_page.jpg": (confidential_page, {
        "official": "DO_NOT_POST", "personal": "DO_NOT_POST", "covert": "DO_NOT_POST",
        "sections": ["B.4 / A.4.c"], "detections": ["confidential_text"],
        "note": "CONFIDENTIAL stamp and LAW ENFORCEMENT SENSITIVE header on a scanned page",
    }),
    "internal_affairs_memo.jpg": (internal_affairs_memo, {
        "official": "DO_NOT_POST", "personal": "DO_NOT_POST", "covert": "DO_NOT_POST",
        "sections": ["B.7"], "detections": ["internal_text", "investigation_text"],
        "note": "INTERNAL AFFAIRS header and an IA case number (also a case number, B.3) on a scanned page",
    }),
    "hate_graffiti.jpg": (hate_graffiti, {
        "official": "DO_NOT_POST", "personal": "DO_NOT_POST", "covert": "DO_NOT_POST",
        "sections": ["B.5"], "detections": ["derogatory_text"],
        "note": "numeric hate code 1488 and the slogan WHITE POWER sprayed on a brick wall (derogatory lexicon)",
    }),
    "seized_revolver.jpg": (draw_weapon.revolver_picture, {
        "official": "REVIEW", "personal": "REVIEW", "covert": "REVIEW",
        "sections": ["B.5"], "detections": ["weapon"],
        "note": "a drawn revolver alone, as in a seized-weapon photo: review (with a face or a police item, personal and covert would block)",
    }),
    "hate_symbol_wall.jpg": (hate_symbol_wall, {
        "official": "REVIEW", "personal": "DO_NOT_POST", "covert": "DO_NOT_POST",
        "sections": ["B.5"], "detections": ["hate_symbol"],
        "note": "a counter-clockwise swastika (drawn as the reference is) spray-painted on a wall, named by the insignia detector: review for the official account (religious and historical uses exist), not posted from personal or covert accounts",
    }),
    "clean_cat.jpg": (clean_cat, {
        "official": "CLEAR", "personal": "CLEAR", "covert": "CLEAR",
        "sections": [], "detections": [],
        "note": "nothing to find: no text, no marks, no police vehicle",
    }),
}


def write_references() -> None:
    REFERENCES.mkdir(parents=True, exist_ok=True)
    for name, image in (("patch", art.shoulder_patch()), ("badge", art.badge("417")), ("decal", art.door_decal())):
        image.save(REFERENCES / f"{name}.png", optimize=True)


def update_expected(entries: dict[str, dict]) -> None:
    expected = json.loads(EXPECTED.read_text("utf-8")) if EXPECTED.exists() else {}
    expected.update(entries)
    EXPECTED.write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SAMPLES), help="write only these photos")
    args = parser.parse_args(argv)
    if not args.only:
        write_references()
    entries = {}
    for filename, (make, expectation) in SAMPLES.items():
        if args.only and filename not in args.only:
            continue
        path = OUT / filename
        write_jpeg(path, make())
        entries[f"detectors/{filename}"] = {**expectation, "detectors": "all"}
        print(f"{path.relative_to(REPO)}: {path.stat().st_size // 1024} KB")
    update_expected(entries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
