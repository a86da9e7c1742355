"""Animated PNG and WebP test files: grey frames with an officer (fake_detectors.UNIFORM_RGB navy) where asked.

Written losslessly, so that the fake detectors see exact colours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fake_detectors import UNIFORM_RGB
from PIL import Image

GREY = (128, 128, 128)


def frame(officer_at: int | None = None, shade: int = 0) -> Image.Image:
    """A grey 80x60 frame, `shade` levels lighter than GREY, with an officer (navy) standing at column
    `officer_at` if given. Pillow merges equal consecutive frames when it writes an animation: frames meant to
    look the same differ by a shade (under what video/frame_change.py counts as a change)."""
    rgb = np.full((60, 80, 3), GREY, np.uint8) + np.uint8(shade)
    if officer_at is not None:
        rgb[10:55, officer_at:officer_at + 12] = UNIFORM_RGB
    return Image.fromarray(rgb)


def animation(path: Path, frames: list[Image.Image], duration_ms: int = 200) -> Path:
    """`frames` as an animated PNG or WebP (by `path`'s suffix), each shown `duration_ms`."""
    extra = {"lossless": True} if path.suffix == ".webp" else {}
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=duration_ms, loop=0, **extra)
    return path


def navy_columns(image: Image.Image) -> set[int]:
    """The columns of one frame that still show the officer's navy."""
    rgb = np.asarray(image.convert("RGB")).astype(int)
    navy = (np.abs(rgb - np.array(UNIFORM_RGB)).max(axis=2) < 12)
    return set(np.nonzero(navy.any(axis=0))[0].tolist())
