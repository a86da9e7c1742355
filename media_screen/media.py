"""Probe media by content, and decode still images with EXIF orientation applied.

Threat model: every input may be hostile. The type comes from magic bytes, never
from the extension; the declared pixel count is checked before any pixel is
decoded; a truncated file is an error, not a partial picture.
"""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from media_screen.errors import CorruptMediaError, DecompressionBombError, UnsupportedMediaError
from media_screen.model import Frame, MediaInfo, MediaType
from media_screen.publish import dct_reduction, published_size, resize_to

_HEIF_REGISTERED = False

# ISO base media brands that mean "still image" (HEIF family) rather than video.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis", b"mif2"}
_HEIF_FORMAT_NAMES = {b"avif": "AVIF", b"avis": "AVIF"}

HEADER_BYTES = 4096


@dataclass(frozen=True)
class Probe:
    """What the first bytes say the file is."""

    media_type: MediaType
    format_name: str


def probe_bytes(head: bytes) -> Probe:
    """Identify a format from the first bytes of a file. Raises UnsupportedMediaError."""
    if head.startswith(b"\xff\xd8\xff"):
        return Probe(MediaType.JPEG, "JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Probe(MediaType.PNG, "PNG")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Probe(MediaType.WEBP, "WebP")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Probe(MediaType.VIDEO, "AVI")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Probe(MediaType.TIFF, "TIFF")
    if head[4:8] == b"ftyp":
        return _probe_iso_bmff(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Probe(MediaType.VIDEO, "WebM" if b"webm" in head[:64] else "Matroska")
    if _looks_like_mpeg_ts(head):
        return Probe(MediaType.VIDEO, "MPEG-TS")
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return Probe(MediaType.VIDEO, "QuickTime")
    raise UnsupportedMediaError("not a supported image or video format (unrecognised content)")


def _probe_iso_bmff(head: bytes) -> Probe:
    size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    end = min(max(size, 16), len(head))
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    brands = {major} | compatible
    if major in _HEIF_BRANDS or (brands & _HEIF_BRANDS and not brands & {b"isom", b"mp41", b"mp42", b"qt  "}):
        name = _HEIF_FORMAT_NAMES.get(major, "HEIF" if major in (b"mif1", b"msf1") else "HEIC")
        return Probe(MediaType.HEIF, name)
    if major == b"qt  ":
        return Probe(MediaType.VIDEO, "MOV")
    if major.startswith(b"3g2"):
        return Probe(MediaType.VIDEO, "3G2")
    if major.startswith(b"3gp"):
        return Probe(MediaType.VIDEO, "3GP")
    if major == b"M4V ":
        return Probe(MediaType.VIDEO, "M4V")
    return Probe(MediaType.VIDEO, "MP4")


def _looks_like_mpeg_ts(head: bytes) -> bool:
    for packet, offset in ((188, 0), (192, 4)):  # plain TS, and M2TS/MTS with a 4-byte timecode
        if len(head) >= offset + packet * 3 and all(head[offset + i * packet] == 0x47 for i in range(3)):
            return True
    return False


def probe_file(path: Path) -> Probe:
    with open(path, "rb") as handle:
        head = handle.read(HEADER_BYTES)
    if not head:
        raise CorruptMediaError("empty file (0 bytes)")
    return probe_bytes(head)


def sha256_of(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


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


def open_still(path: Path, max_pixels: int) -> Image.Image:
    """Open a still image lazily, refusing decompression bombs before decoding pixels."""
    register_heif()
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with quiet_pillow():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
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


def _still_probe(path: Path) -> Probe:
    probe = probe_file(path)
    if probe.media_type == MediaType.VIDEO:
        raise UnsupportedMediaError(f"{probe.format_name} is a video, not a still image")
    return probe


def verify_still(path: Path, max_pixels: int) -> MediaInfo:
    """Check that a still decodes to its end, without keeping pixels (the fast metadata sweep).

    JPEG is decoded with DCT scaling at 1/8 size: every byte of the entropy-coded data is still
    read, so a truncated file fails as it would in a full decode, at a fraction of the cost.
    HEIC / HEIF / AVIF are not decoded: every item's data must lie inside the file (heif_layout.py).
    """
    probe = _still_probe(path)
    with open_still(path, max_pixels) as image, quiet_pillow():
        width, height = image.size
        try:
            orientation = image.getexif().get(0x0112)
            if probe.media_type == MediaType.HEIF:
                from media_screen.heif_layout import layout_problem  # here: metadata/ imports this module

                problem = layout_problem(path)
                if problem:
                    raise CorruptMediaError(f"image data is incomplete: {problem}")
            else:
                if probe.media_type == MediaType.JPEG:
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
        except (OSError, ValueError, SyntaxError) as exc:
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


def decode_still(path: Path, max_pixels: int, long_side: int | None = None) -> tuple[Frame, MediaInfo]:
    """Decode a still image, apply EXIF orientation, return BGR pixels and media info.

    `long_side`: decode to the published size (publish.py), never larger than the original: a JPEG
    straight to about that size by DCT scaling, then an exact resize. The media info keeps the
    original's (upright) size.
    """
    probe = _still_probe(path)
    with open_still(path, max_pixels) as image, quiet_pillow():
        try:
            coded_width, coded_height = image.size
            reduction = dct_reduction(coded_width, coded_height, long_side)
            if probe.media_type == MediaType.JPEG and reduction > 1:
                image.draft("RGB", (coded_width // reduction, coded_height // reduction))
            image.load()
            orientation = image.getexif().get(0x0112)
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")
        except (OSError, ValueError, SyntaxError) as exc:
            raise_system_error(exc)
            raise CorruptMediaError(f"image data cannot be decoded: {exc}") from exc
    width, height = coded_width, coded_height
    if (rgb.width > rgb.height) != (width > height) and rgb.width != rgb.height:  # turned by the orientation
        width, height = height, width
    pixels = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
    pixels = resize_to(pixels, published_size(width, height, long_side))
    info = MediaInfo(
        media_type=probe.media_type,
        format_name=probe.format_name,
        width=width,
        height=height,
        orientation=int(orientation) if isinstance(orientation, int) else None,
    )
    return Frame(pixels=pixels), info
