"""Stills that hold more than one picture: the frames of an animated PNG or WebP, the pages of a TIFF.

A platform plays every frame of an animation, and a TIFF document's second page is as much the file as its
first: screening only the picture decode_still gives (the first) would let the rest through unseen. Each
frame or page is given as decode_still gives a still's one picture: upright (the file's EXIF orientation),
BGR, at the published size. Bounded like a still: each picture by `max_pixels`, all of them together by
MAX_ANIMATION_PIXELS_FACTOR times it, checked before any is decoded (still.py).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
from PIL import Image

from media_screen.detectors.frame_cache import frozen
from media_screen.errors import CorruptMediaError, DecompressionBombError
from media_screen.inputs.source import Source
from media_screen.inputs.still import (
    ANIMATED_TYPES, LIGHT, MAX_ANIMATION_PIXELS_FACTOR, has_transparency, on_background, open_still, picture_count,
    quiet_pillow, raise_system_error, refuse_animation_bomb, still_probe,
)
from media_screen.model import Frame, MediaInfo, MediaType
from media_screen.publish import published_size, resize_to

_TRANSPOSE = {  # EXIF orientation -> the turn that shows the picture upright (as ImageOps.exif_transpose)
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_TURNED = (Image.Transpose.TRANSPOSE, Image.Transpose.TRANSVERSE, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270)
_READ_ERRORS = (OSError, ValueError, SyntaxError, EOFError)


def frame_count(source: Source, max_pixels: int) -> int:
    """How many frames a viewer is shown: more than one only for an animated PNG or WebP."""
    return _count(source, max_pixels, ANIMATED_TYPES)


def page_count(source: Source, max_pixels: int) -> int:
    """How many pages a TIFF holds (1 for any other still)."""
    return _count(source, max_pixels, (MediaType.TIFF,))


def _count(source: Source, max_pixels: int, types: tuple[MediaType, ...]) -> int:
    if source.probe.media_type not in types:
        return 1
    with open_still(source, max_pixels) as image:
        return picture_count(image)


def see_through(source: Source, max_pixels: int) -> bool:
    """Whether an animation's or a TIFF's pictures can have see-through pixels (then also screened over DARK)."""
    with open_still(source, max_pixels) as image:
        return has_transparency(image)


def animation_frames(source: Source, max_pixels: int, long_side: int | None = None,
                     background: tuple[int, int, int] = LIGHT,
                     ) -> tuple[MediaInfo, int, Iterator[tuple[float, float, Frame]]]:
    """The media info of an animated PNG or WebP, its number of frames, and every frame as it is shown: the
    time it appears and the time the next one does (seconds from the start), and its pixels, see-through pixels
    shown over `background`. The media info's duration is left to the caller, since a frame's duration is known
    once it is decoded.

    Pillow composites each frame onto the ones before (disposal and blending applied). Raises
    DecompressionBombError when the frames together are over the bound, and CorruptMediaError (from the
    iterator too) when a frame does not decode.
    """
    image, info, frames, turn = _open_pictures(source, max_pixels)

    def shown() -> Iterator[tuple[float, float, Frame]]:
        with image, quiet_pillow():
            start = 0.0
            for index in range(frames):
                rgb = _picture(image, index, frames, turn, "frame", background)  # its duration is known from here on
                end = start + max(0.0, float(image.info.get("duration", 0) or 0)) / 1000
                pixels = resize_to(_bgr(rgb), published_size(info.width, info.height, long_side))
                yield start, end, Frame(pixels=frozen(pixels), time_s=round(start, 3), index=index)
                start = end

    return info, frames, shown()


def tiff_pages(source: Source, max_pixels: int, long_side: int | None = None
               ) -> tuple[MediaInfo, int, Iterator[tuple[Frame, tuple[int, int]]]]:
    """The media info of a TIFF (its first page's size), its number of pages, and every page with the page's
    own upright size (pages may differ in size). Raises as animation_frames does."""
    image, info, pages, turn = _open_pictures(source, max_pixels)

    def shown() -> Iterator[tuple[Frame, tuple[int, int]]]:
        with image, quiet_pillow():
            for index in range(pages):
                rgb = _picture(image, index, pages, turn, "page")
                if rgb.width * rgb.height > max_pixels:
                    raise DecompressionBombError(f"page {index + 1} is {rgb.width}x{rgb.height} pixels, over the "
                                                 f"limit of {max_pixels:,}")
                size = (rgb.width, rgb.height)
                yield Frame(pixels=frozen(resize_to(_bgr(rgb), published_size(*size, long_side))), index=index), size

    return info, pages, shown()


def _open_pictures(source: Source, max_pixels: int) -> tuple[Image.Image, MediaInfo, int, Image.Transpose | None]:
    probe = still_probe(source)
    image = open_still(source, max_pixels)
    try:
        count = picture_count(image)
        width, height = image.size
        refuse_animation_bomb(count, width, height, max_pixels)
        with quiet_pillow():
            orientation = image.getexif().get(0x0112)
    except _READ_ERRORS as exc:
        image.close()
        raise_system_error(exc)
        raise CorruptMediaError(f"image cannot be read: {exc}") from exc
    except BaseException:
        image.close()
        raise
    turn = _TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
    if turn in _TURNED:
        width, height = height, width
    info = MediaInfo(probe.media_type, probe.format_name, width, height,
                     int(orientation) if isinstance(orientation, int) else None)
    return image, info, count, turn


def _picture(image: Image.Image, index: int, count: int, turn, noun: str,
             background: tuple[int, int, int] = LIGHT) -> Image.Image:
    """Picture `index` of `image`, decoded, in RGB over `background`, upright."""
    try:
        image.seek(index)
        rgb = on_background(image, background)
    except _READ_ERRORS as exc:
        raise_system_error(exc)
        raise CorruptMediaError(f"{noun} {index + 1} of {count} cannot be decoded: {exc}") from exc
    return rgb.transpose(turn) if turn is not None else rgb


def _bgr(rgb: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])


__all__ = ["MAX_ANIMATION_PIXELS_FACTOR", "animation_frames", "frame_count", "page_count", "see_through",
           "tiff_pages"]
