"""Decode still images from a Source (source.py), with EXIF orientation applied.

Threat model: every input may be hostile. The type comes from the source's probe (magic bytes), never
from the extension; the declared pixel count is checked before any pixel is decoded; a truncated file
is an error, not a partial picture.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path
from typing import Iterable

import numpy as np
from PIL import Image, ImageOps

from media_screen.detectors.frame_cache import frozen
from media_screen.errors import CorruptMediaError, DecompressionBombError, UnsupportedMediaError
from media_screen.model import Detection, Frame, MediaInfo, MediaType
from media_screen.publish import dct_reduction, published_size, resize_to
from media_screen.inputs.source import Probe, Source

_HEIF_REGISTERED = False
# Formats a platform plays frame by frame when they hold more than one (animated PNG, animated WebP). Not
# JPEG (an MPO's second image is a depth map or preview nobody is shown), TIFF pages or HEIF bursts.
ANIMATED_TYPES = (MediaType.PNG, MediaType.WEBP)
MAX_ANIMATION_PIXELS_FACTOR = 8  # all frames together: at most this many times max_image_pixels
# See-through pixels are shown over the page: white in a light theme (how a still is decoded), black in a dark one.
LIGHT, DARK = (255, 255, 255), (0, 0, 0)
DARK_VIEW, HIDDEN_VIEW = "over a dark background", "under its transparency"  # how a finding names its view
HIDDEN_SPREAD = 2.0  # levels: colours under wholly see-through pixels that spread more than this hide a picture


def raise_system_error(exc: BaseException) -> None:
    """Re-raise an OSError that carries an errno (I/O, permission, a vanished file): the system's failure,
    which may not repeat, not the content's (Pillow reports a truncated or corrupt file without an errno)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        raise exc


def register_heif() -> None:
    """Teach Pillow to open HEIC/HEIF (and AVIF) files; once per process."""
    global _HEIF_REGISTERED
    if not _HEIF_REGISTERED:
        import pillow_heif

        pillow_heif.register_heif_opener()
        if hasattr(pillow_heif, "register_avif_opener"):
            pillow_heif.register_avif_opener()
        _HEIF_REGISTERED = True


@contextlib.contextmanager
def quiet_pillow():
    """Pillow's warnings about damaged metadata ("Tag data larger than file") are not printed: what the
    file is worth is decided by what decoding raises, and from a worker the warning would reach the
    user's terminal as a stray line naming Pillow's source file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def open_still(source: Source, max_pixels: int) -> Image.Image:
    """Open a still image lazily, refusing decompression bombs before decoding pixels."""
    register_heif()
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with quiet_pillow():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source.reader())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBombError(f"image declares too many pixels (limit {max_pixels:,}): {exc}") from exc
    except Image.UnidentifiedImageError as exc:
        raise CorruptMediaError("image header cannot be parsed") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise_system_error(exc)
        raise CorruptMediaError(f"image cannot be opened: {exc}") from exc
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise DecompressionBombError(f"image declares {width}x{height} pixels, over the limit of {max_pixels:,}")
    return image


def still_probe(source: Source) -> Probe:
    probe = source.probe
    if probe.media_type == MediaType.VIDEO:
        raise UnsupportedMediaError(f"{probe.format_name} is a video, not a still image")
    return probe


def verify_still(source: Source, max_pixels: int) -> MediaInfo:
    """Check that a still decodes to its end, every frame of an animated PNG or WebP and every page of a TIFF
    too, without keeping pixels (the fast metadata sweep).

    JPEG is decoded with DCT scaling at 1/8 size: every byte of the entropy-coded data is still
    read, so a truncated file fails as it would in a full decode, at a fraction of the cost.
    HEIC / HEIF / AVIF are not decoded: every item's data must lie inside the file (heif_layout.py).
    """
    probe = still_probe(source)
    with open_still(source, max_pixels) as image, quiet_pillow():
        width, height = image.size
        try:
            orientation = image.getexif().get(0x0112)
            if probe.media_type == MediaType.HEIF:
                from media_screen.inputs.heif_layout import layout_problem  # here: metadata/ imports this module

                problem = layout_problem(source.reader(), source.size)
                if problem:
                    raise CorruptMediaError(f"image data is incomplete: {problem}")
            else:
                if probe.media_type == MediaType.JPEG:
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
                if probe.media_type in (*ANIMATED_TYPES, MediaType.TIFF):  # every frame or page must decode too
                    frames = picture_count(image)
                    refuse_animation_bomb(frames, width, height, max_pixels)
                    for index in range(1, frames):
                        image.seek(index)
                        if image.width * image.height > max_pixels:
                            raise DecompressionBombError(f"page {index + 1} declares {image.width}x{image.height} "
                                                         f"pixels, over the limit of {max_pixels:,}")
                        image.load()
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise_system_error(exc)
            raise CorruptMediaError(f"image data cannot be decoded: {exc}") from exc
    if orientation in (5, 6, 7, 8):  # rotated by 90 degrees when displayed
        width, height = height, width
    return MediaInfo(
        media_type=probe.media_type,
        format_name=probe.format_name,
        width=width,
        height=height,
        orientation=int(orientation) if isinstance(orientation, int) else None,
    )


def picture_count(image: Image.Image) -> int:
    """How many pictures (frames or pages) an opened image holds."""
    return max(1, int(getattr(image, "n_frames", 1)))


def refuse_animation_bomb(frames: int, width: int, height: int, max_pixels: int) -> None:
    if frames * width * height > MAX_ANIMATION_PIXELS_FACTOR * max_pixels:
        raise DecompressionBombError(
            f"file declares {frames} pictures (frames or pages) of {width}x{height} pixels, over the limit of "
            f"{MAX_ANIMATION_PIXELS_FACTOR * max_pixels:,} pixels in all")


def decode_still(source: Source, max_pixels: int, long_side: int | None = None) -> tuple[Frame, MediaInfo]:
    """Decode a still image, apply EXIF orientation, return BGR pixels and media info. See-through pixels
    are shown over white (LIGHT; decode_still_views gives the other ways they may be shown too).

    `long_side`: decode to the published size (publish.py), never larger than the original: a JPEG
    straight to about that size by DCT scaling, then an exact resize. The media info keeps the
    original's (upright) size.
    """
    frame, info, _ = _decode(source, max_pixels, long_side, with_views=False)
    return frame, info


def decode_still_views(
    source: Source, max_pixels: int, long_side: int | None = None
) -> tuple[Frame, MediaInfo, list[tuple[str, Frame]]]:
    """decode_still's frame and media info, and from the same decode the other ways a still with see-through
    pixels may be shown: over black (a dark theme: white words on a see-through background show only there),
    and, when pixels that are wholly see-through hide colours that differ (a platform that drops the alpha
    channel shows them), with the alpha channel dropped. No views for a still without see-through pixels.
    (name, frame) each, at the frame's size."""
    return _decode(source, max_pixels, long_side, with_views=True)


def _decode(
    source: Source, max_pixels: int, long_side: int | None, with_views: bool
) -> tuple[Frame, MediaInfo, list[tuple[str, Frame]]]:
    probe = still_probe(source)
    rgba = dark = None
    with open_still(source, max_pixels) as image, quiet_pillow():
        try:
            coded_width, coded_height = image.size
            reduction = dct_reduction(coded_width, coded_height, long_side)
            if probe.media_type == MediaType.JPEG and reduction > 1:
                # at least a pixel a side: a 65535 x 1 JPEG asked Pillow for 0 rows, and it divided by zero
                image.draft("RGB", (max(1, coded_width // reduction), max(1, coded_height // reduction)))
            image.load()
            orientation = image.getexif().get(0x0112)
            upright = ImageOps.exif_transpose(image)
            rgb = on_background(upright, LIGHT)
            if with_views and has_transparency(upright):
                rgba = np.asarray(upright.convert("RGBA"))
                dark = on_background(upright, DARK)
        except (OSError, ValueError, SyntaxError) as exc:
            raise_system_error(exc)
            raise CorruptMediaError(f"image data cannot be decoded: {exc}") from exc
    width, height = coded_width, coded_height
    if (rgb.width > rgb.height) != (width > height) and rgb.width != rgb.height:  # turned by the orientation
        width, height = height, width
    size = published_size(width, height, long_side)
    pixels = resize_to(np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1]), size)
    info = MediaInfo(
        media_type=probe.media_type,
        format_name=probe.format_name,
        width=width,
        height=height,
        orientation=int(orientation) if isinstance(orientation, int) else None,
    )
    views = _other_views(rgba, dark, size) if rgba is not None else []
    return Frame(pixels=frozen(pixels)), info, views


def has_transparency(image: Image.Image) -> bool:
    """Whether the image's mode or palette can make pixels see-through (a decoded alpha may still be all opaque)."""
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


def on_background(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """The picture in RGB as shown over `background`: see-through pixels take its colour."""
    if not has_transparency(image):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (*background, 255)), rgba).convert("RGB")


def _other_views(rgba: np.ndarray, dark: Image.Image, size: tuple[int, int]) -> list[tuple[str, Frame]]:
    """The views of decode_still_views, from the upright picture's RGBA pixels and its composite over black."""
    alpha = rgba[:, :, 3]
    if int(alpha.min()) == 255:  # a mode that can hold see-through pixels, but none is
        return []
    views = [(DARK_VIEW, dark)]
    hidden = rgba[:, :, :3][alpha == 0]
    if hidden.size and float(hidden.std(axis=0).max()) > HIDDEN_SPREAD:
        views.append((HIDDEN_VIEW, Image.fromarray(np.ascontiguousarray(rgba[:, :, :3]))))
    return [(name, Frame(pixels=frozen(resize_to(np.ascontiguousarray(np.asarray(view)[:, :, ::-1]), size))))
            for name, view in views]


def only_in_view(seen: Iterable[Detection], found: Iterable[Detection], view: str) -> tuple[Detection, ...]:
    """What a view of a picture showed (`seen`) that its first view did not (`found`: the same kind in the same
    place, IoU 0.5, is the same thing), each saying which view showed it."""
    found = tuple(found)
    return tuple(
        d.seen_in(view, view=view) for d in seen if not any(f.kind == d.kind and f.box.iou(d.box) >= 0.5 for f in found)
    )


def decode_file(path: Path, max_pixels: int, long_side: int | None = None) -> tuple[Frame, MediaInfo]:
    """Decode a still image file that nothing else reads (enrolment, training, benches)."""
    with Source.open(path) as source:
        return decode_still(source, max_pixels, long_side)
