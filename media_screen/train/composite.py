"""Synthetic composites: enrolled insignia warped, lit, blurred and occluded onto background photos.

Each composite pastes one or two of the department's enrolled marks (patch, badge, ...) onto a
background with a random perspective warp, rotation, lighting change, colour cast, blur, partial
occlusion and JPEG re-encoding, and returns YOLO boxes around the pasted marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import cv2
import numpy as np

from media_screen.config import Profile
from media_screen.errors import ModelUnavailableError
from media_screen.train.sources import YoloBox

SKIMAGE_BACKGROUNDS = (
    "astronaut", "brick", "camera", "cat", "chelsea", "clock", "coffee", "coins", "grass",
    "gravel", "hubble_deep_field", "moon", "page", "rocket", "stereo_motorcycle", "text",
)  # fmt: skip


@dataclass(frozen=True)
class Mark:
    """An enrolled reference image: BGR pixels and an alpha mask in 0..1."""

    name: str
    class_id: int
    bgr: np.ndarray
    alpha: np.ndarray


def reference_paths(profile: Profile) -> list[tuple[str, Path]]:
    """Enrolled references of `[detectors.insignia]` as (kind, path): kind is patch, badge, decal, ...

    Accepts `[[detectors.insignia.references]]` tables (kind or name, and path) or a name -> path table.
    """
    section = profile.detector_settings("insignia")
    refs = section.get("references", {})
    if isinstance(refs, Mapping):
        items = [(str(k), v) for k, v in refs.items() if isinstance(v, str)]
    else:
        items = [
            (str(r.get("kind") or r.get("name") or Path(r["path"]).stem), r["path"])
            for r in refs
            if isinstance(r, Mapping) and "path" in r
        ]
    return [(key, profile.resolve_asset(path)) for key, path in items]


def load_marks(paths: Sequence[tuple[str, Path]], class_of: Mapping[str, str], classes: Sequence[str]) -> list[Mark]:
    """The references that map to a class, with an alpha mask (their own, or white surroundings removed)."""
    marks = []
    for name, path in paths:
        if name not in class_of:
            continue
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise ModelUnavailableError(f"enrolled reference {name!r} cannot be read: {path}")
        bgr, alpha = _split_alpha(image)
        marks.append(Mark(name, classes.index(class_of[name]), bgr, alpha))
    return marks


def _split_alpha(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3]), image[:, :, 3].astype(np.float32) / 255.0
    bgr = image[:, :, :3]
    near_white = (bgr.min(axis=2) > 235).astype(np.uint8)
    mask = np.zeros((bgr.shape[0] + 2, bgr.shape[1] + 2), np.uint8)
    h, w = bgr.shape[:2]
    fill = near_white.copy()
    for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
        if fill[y, x] == 1:
            cv2.floodFill(fill, mask, (x, y), 2)
    return np.ascontiguousarray(bgr), (fill != 2).astype(np.float32)


def skimage_backgrounds() -> list[np.ndarray]:
    """Public-domain / permissively licensed photos shipped inside scikit-image (BGR)."""
    import skimage.data

    out = []
    for name in SKIMAGE_BACKGROUNDS:
        image = getattr(skimage.data, name)()
        image = image[0] if isinstance(image, tuple) else image
        image = np.asarray(image)
        if image.dtype != np.uint8:
            image = (image * 255).astype(np.uint8) if image.max() <= 1 else image.astype(np.uint8)
        out.append(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image[:, :, ::-1].copy())
    return out


def make_composite(
    background: np.ndarray, marks: Sequence[Mark], rng: np.random.Generator, max_marks: int = 2
) -> tuple[np.ndarray, list[YoloBox]]:
    """Paste 1..max_marks marks onto a random crop of `background`; return the image and YOLO boxes."""
    canvas = _random_view(background, rng)
    height, width = canvas.shape[:2]
    placed: list[tuple[int, int, int, int]] = []
    boxes = []
    for _ in range(int(rng.integers(1, max_marks + 1))):
        mark = marks[int(rng.integers(len(marks)))]
        for _attempt in range(10):
            warped, alpha = _warp(mark, (width, height), rng)
            rect = _alpha_rect(alpha)
            if rect and not any(_overlap(rect, other) for other in placed):
                break
        else:
            continue
        alpha = _occlude(alpha, rect, rng)
        rect = _alpha_rect(alpha)  # the visible extent
        if rect is None:
            continue
        canvas = (alpha[..., None] * warped + (1 - alpha[..., None]) * canvas).astype(np.float32)
        placed.append(rect)
        x1, y1, x2, y2 = rect
        boxes.append(YoloBox(mark.class_id, (x1 + x2) / 2 / width, (y1 + y2) / 2 / height,
                             (x2 - x1) / width, (y2 - y1) / height))  # fmt: skip
    return _camera(np.clip(canvas, 0, 255).astype(np.uint8), rng), boxes


def _random_view(background: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random crop (at least half of each side), maybe mirrored, scaled to a 224..480 px longest side."""
    h, w = background.shape[:2]
    ch, cw = int(h * rng.uniform(0.5, 1.0)), int(w * rng.uniform(0.5, 1.0))
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    view = background[y : y + ch, x : x + cw]
    if rng.random() < 0.5:
        view = view[:, ::-1]
    scale = rng.uniform(224, 480) / max(ch, cw)
    size = (max(32, round(cw * scale)), max(32, round(ch * scale)))
    return cv2.resize(np.ascontiguousarray(view), size, interpolation=cv2.INTER_AREA).astype(np.float32)


def _warp(mark: Mark, size: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The mark relit, then warped by a random rotation + perspective into a canvas of `size`."""
    width, height = size
    mh, mw = mark.alpha.shape
    side = rng.uniform(0.10, 0.45) * min(width, height)
    scale = side / max(mh, mw)
    w, h = mw * scale, mh * scale
    centre = np.array([rng.uniform(w / 2, width - w / 2), rng.uniform(h / 2, height - h / 2)])
    angle = np.deg2rad(rng.uniform(-30, 30))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    corners = corners * [rng.uniform(0.6, 1.0), 1.0] if rng.random() < 0.5 else corners  # foreshortening
    jitter = rng.uniform(-0.12, 0.12, size=(4, 2)) * [w, h]
    destination = (corners + jitter) @ rotation.T + centre
    source = np.array([[0, 0], [mw, 0], [mw, mh], [0, mh]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, destination.astype(np.float32))
    relit = _relight(mark.bgr.astype(np.float32), rng)
    warped = cv2.warpPerspective(relit, matrix, size, flags=cv2.INTER_LINEAR, borderValue=0)
    alpha = cv2.warpPerspective(mark.alpha, matrix, size, flags=cv2.INTER_LINEAR, borderValue=0)
    sigma = rng.uniform(0.0, 1.6)
    if sigma > 0.3:
        warped = cv2.GaussianBlur(warped, (0, 0), sigma)
        alpha = cv2.GaussianBlur(alpha, (0, 0), sigma)
    return warped, np.clip(alpha, 0, 1)


def _relight(bgr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Gain, offset, colour cast and a linear shading gradient."""
    gain = rng.uniform(0.45, 1.25)
    cast = rng.uniform(0.85, 1.15, size=3)
    h, w = bgr.shape[:2]
    direction = rng.uniform(-1, 1, size=2)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = 1 + rng.uniform(0, 0.4) * ((xs / w - 0.5) * direction[0] + (ys / h - 0.5) * direction[1])
    return np.clip(bgr * gain * cast * shade[..., None] + rng.uniform(-25, 25), 0, 255)


def _alpha_rect(alpha: np.ndarray) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(alpha > 0.5)
    if len(xs) < 16:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _occlude(alpha: np.ndarray, rect: tuple[int, int, int, int], rng: np.random.Generator) -> np.ndarray:
    """Sometimes hide a band of the mark (a strap, a hand, a door edge) by cutting it out of the alpha."""
    if rng.random() > 0.35:
        return alpha
    x1, y1, x2, y2 = rect
    alpha = alpha.copy()
    fraction = rng.uniform(0.1, 0.35)
    if rng.random() < 0.5:
        band = max(1, int((x2 - x1) * fraction))
        start = x1 if rng.random() < 0.5 else x2 - band
        alpha[:, start : start + band] = 0
    else:
        band = max(1, int((y2 - y1) * fraction))
        start = y1 if rng.random() < 0.5 else y2 - band
        alpha[start : start + band, :] = 0
    return alpha


def _camera(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sensor noise and JPEG re-encoding."""
    noisy = image.astype(np.float32) + rng.normal(0, rng.uniform(0, 6), size=image.shape)
    quality = int(rng.integers(45, 96))
    ok, encoded = cv2.imencode(".jpg", np.clip(noisy, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR) if ok else image


def composites(
    backgrounds: Sequence[np.ndarray], marks: Sequence[Mark], count: int, seed: int
) -> Iterable[tuple[np.ndarray, list[YoloBox]]]:
    """`count` composites, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        background = backgrounds[int(rng.integers(len(backgrounds)))]
        yield make_composite(background, marks, rng)
