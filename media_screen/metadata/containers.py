"""Bounded walks over still-image containers that collect raw metadata blocks.

One pass per file reads only segment and chunk headers plus the payloads we
want: the EXIF block, the XMP packet and any embedded preview image. Nothing
here decodes pixels, and every length read from the file is capped, so a
hostile file cannot make us read or inflate more than a few megabytes.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from media_screen.model import MediaType
from media_screen.inputs.source import Source

MAX_BLOCK_BYTES = 4 << 20  # an EXIF block or XMP packet larger than this is not read
MAX_SEGMENTS = 20_000  # JPEG segments / PNG chunks / RIFF chunks walked per file
MAX_TEXTS = 256  # free-text chunks and comments kept per file

_JPEG_EXIF = b"Exif\x00\x00"
_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_JPEG_MPF = b"MPF\x00"
_JPEG_PHOTOSHOP = b"Photoshop 3.0\x00"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_XMP_KEYWORDS = {b"XML:com.adobe.xmp", b"Raw profile type xmp"}
_PNG_EXIF_KEYWORDS = {b"Raw profile type exif", b"Raw profile type APP1"}


@dataclass(frozen=True)
class Preview:
    """An embedded smaller copy of the picture (EXIF thumbnail, MPF preview, HEIF thumbnail)."""

    source: str
    description: str


@dataclass(frozen=True)
class ContainerBlocks:
    """Raw metadata blocks found in one file, before any parsing."""

    exif: bytes | None = None  # a TIFF stream (II*/MM*), any "Exif\0\0" prefix removed
    exif_source: str | None = None  # where the EXIF block sat, e.g. "JPEG APP1", "PNG eXIf"
    xmp: bytes | None = None
    xmp_source: str | None = None
    previews: tuple[Preview, ...] = ()
    iptc: bytes | None = None  # an IPTC IIM stream (JPEG APP13 resource 0x0404, TIFF tag 33723)
    iptc_source: str | None = None
    texts: tuple[tuple[str, str, str], ...] = ()  # other text: (source, key, value) of PNG text chunks, JPEG COM


def read_container(source: Source) -> ContainerBlocks:
    """Collect the EXIF block, XMP packet and previews of a still image. Never raises on bad structure."""
    media_type = source.probe.media_type
    walker = _WALKERS.get(media_type)
    if walker is None:  # TIFF and HEIF: Pillow / pillow-heif parse the structure without decoding pixels
        return _pillow_blocks(source, media_type)
    found = _Found()
    with source.reader() as handle:
        try:
            walker(handle, found)
        except (struct.error, ValueError, zlib.error, OSError):
            pass  # a broken structure ends the walk; keep what was found before it
    return found.freeze()


class _Found:
    def __init__(self) -> None:
        self.exif: bytes | None = None
        self.exif_source: str | None = None
        self.xmp: bytes | None = None
        self.xmp_source: str | None = None
        self.previews: list[Preview] = []
        self.iptc: bytes | None = None
        self.iptc_source: str | None = None
        self.texts: list[tuple[str, str, str]] = []

    def add_exif(self, block: bytes, source: str) -> None:
        tiff = tiff_stream(block)
        if self.exif is None and tiff:
            self.exif, self.exif_source = tiff, source

    def add_xmp(self, packet: bytes, source: str) -> None:
        if self.xmp is None and packet:
            self.xmp, self.xmp_source = packet, source

    def add_iptc(self, stream: bytes | None, source: str) -> None:
        if self.iptc is None and stream:
            self.iptc, self.iptc_source = stream, source

    def add_text(self, source: str, key: str, value: bytes) -> None:
        if len(self.texts) < MAX_TEXTS and value.strip(b"\x00 \r\n\t"):
            self.texts.append((source, key, value.decode("utf-8", errors="replace")))

    def freeze(self) -> ContainerBlocks:
        return ContainerBlocks(
            self.exif, self.exif_source, self.xmp, self.xmp_source, tuple(self.previews), self.iptc,
            self.iptc_source, tuple(self.texts),
        )


def tiff_stream(block: bytes) -> bytes | None:
    """The TIFF stream inside an EXIF block, which may carry an 'Exif\\0\\0' (or similar) prefix."""
    for offset in range(0, min(len(block), 16)):
        if block[offset : offset + 4] in (b"II*\x00", b"MM\x00*"):
            return block[offset:]
    return None


def _read_exact(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise ValueError("truncated")
    return data


def _walk_jpeg(handle: BinaryIO, found: _Found) -> None:
    handle.seek(2)  # after SOI
    for _ in range(MAX_SEGMENTS):
        byte = handle.read(1)
        if byte != b"\xff":
            return  # not at a marker: broken structure, stop
        marker = _read_exact(handle, 1)[0]
        while marker == 0xFF:  # fill bytes
            marker = _read_exact(handle, 1)[0]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue  # markers without a length
        if marker in (0xD9, 0xDA):
            return  # end of image, or start of scan: no metadata segments after this point
        length = struct.unpack(">H", _read_exact(handle, 2))[0] - 2
        if length < 0:
            return
        start = handle.tell()
        if marker == 0xE1 and length <= MAX_BLOCK_BYTES:
            payload = _read_exact(handle, length)
            if payload.startswith(_JPEG_EXIF):
                found.add_exif(payload[len(_JPEG_EXIF) :], "JPEG APP1 Exif")
            elif payload.startswith(_JPEG_XMP):
                found.add_xmp(payload[len(_JPEG_XMP) :], "JPEG APP1 XMP")
        elif marker == 0xE2 and _read_exact(handle, min(length, 4)) == _JPEG_MPF:
            found.previews.append(Preview("JPEG APP2 MPF", "MPF multi-picture block (preview or extra image)"))
        elif marker == 0xED and length <= MAX_BLOCK_BYTES:
            payload = _read_exact(handle, length)
            if payload.startswith(_JPEG_PHOTOSHOP):
                from media_screen.metadata.iptc import iptc_from_photoshop

                found.add_iptc(iptc_from_photoshop(payload), "JPEG APP13")
        elif marker == 0xFE and length <= MAX_BLOCK_BYTES:
            found.add_text("JPEG COM", "Comment", _read_exact(handle, length).split(b"\x00", 1)[0])
        handle.seek(start + length)


def _walk_png(handle: BinaryIO, found: _Found) -> None:
    if handle.read(8) != _PNG_SIGNATURE:
        return
    for _ in range(MAX_SEGMENTS):
        header = handle.read(8)
        if len(header) < 8:
            return
        length, kind = struct.unpack(">I4s", header)
        if kind == b"IEND":
            return
        start = handle.tell()
        if kind in (b"eXIf", b"iTXt", b"zTXt", b"tEXt") and length <= MAX_BLOCK_BYTES:
            data = _read_exact(handle, length)
            if kind == b"eXIf":
                found.add_exif(data, "PNG eXIf")
            else:
                _png_text(kind, data, found)
        handle.seek(start + length + 4)  # payload and CRC


def _png_text(kind: bytes, data: bytes, found: _Found) -> None:
    keyword, _, rest = data.partition(b"\x00")
    if keyword not in _PNG_XMP_KEYWORDS and keyword not in _PNG_EXIF_KEYWORDS:
        _png_free_text(kind, keyword, rest, found)
        return
    if kind == b"zTXt":  # compression method byte, then zlib data
        text = _inflate(rest[1:])
    elif kind == b"iTXt":  # compressed flag, method, language\0, translated keyword\0, text
        compressed = rest[:1] == b"\x01"
        text = rest[2:].split(b"\x00", 2)[-1]
        text = _inflate(text) if compressed else text
    else:
        text = rest
    source = f"PNG {kind.decode()} {keyword.decode('latin-1')}"
    if keyword.startswith(b"Raw profile type"):  # ImageMagick: "\nname\n  length\nhex digits..."
        text = _raw_profile(text)
    if keyword in _PNG_XMP_KEYWORDS:
        found.add_xmp(text, source)
    else:
        found.add_exif(text, source)


def _png_free_text(kind: bytes, keyword: bytes, rest: bytes, found: _Found) -> None:
    """Author, Description, Comment, Location ... : tEXt and zTXt are Latin-1, iTXt UTF-8."""
    if kind == b"zTXt":
        text = _inflate(rest[1:]).decode("latin-1")
    elif kind == b"iTXt":
        compressed = rest[:1] == b"\x01"
        body = rest[2:].split(b"\x00", 2)[-1]
        text = (_inflate(body) if compressed else body).decode("utf-8", errors="replace")
    else:
        text = rest.decode("latin-1")
    found.add_text(f"PNG {kind.decode()}", keyword.decode("latin-1"), text.encode("utf-8"))


def _inflate(data: bytes) -> bytes:
    """zlib-inflate at most MAX_BLOCK_BYTES (a compression bomb stops there)."""
    return zlib.decompressobj().decompress(data, MAX_BLOCK_BYTES)


def _raw_profile(text: bytes) -> bytes:
    lines = text.strip().split(b"\n", 2)
    if len(lines) < 3:
        return b""
    try:
        return bytes.fromhex(lines[2].decode("ascii", errors="replace").replace("\n", "").replace(" ", ""))
    except ValueError:
        return b""


def _walk_webp(handle: BinaryIO, found: _Found) -> None:
    handle.seek(12)  # RIFF size WEBP
    for _ in range(MAX_SEGMENTS):
        header = handle.read(8)
        if len(header) < 8:
            return
        kind, length = struct.unpack("<4sI", header)
        start = handle.tell()
        if kind in (b"EXIF", b"XMP ") and length <= MAX_BLOCK_BYTES:
            data = _read_exact(handle, length)
            if kind == b"EXIF":
                found.add_exif(data, "WebP EXIF chunk")
            else:
                found.add_xmp(data, "WebP XMP chunk")
        handle.seek(start + length + (length & 1))  # chunks are padded to an even size


_WALKERS = {MediaType.JPEG: _walk_jpeg, MediaType.PNG: _walk_png, MediaType.WEBP: _walk_webp}


def _pillow_blocks(source: Source, media_type: MediaType) -> ContainerBlocks:
    """TIFF (tag 700 XMP) and HEIC/HEIF/AVIF (Exif and XMP items, thumbnails): Pillow opens lazily."""
    from PIL import Image

    from media_screen.inputs.still import register_heif

    register_heif()
    found = _Found()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bomb and "Corrupt EXIF" warnings: the pixel stage decides
            with Image.open(source.reader()) as image:
                info = dict(image.info)
                iptc = getattr(image, "tag_v2", {}).get(33723)  # TIFF IPTC-NAA tag
    except (OSError, ValueError, SyntaxError, RuntimeError, Image.DecompressionBombError):
        return ContainerBlocks()  # the pixel stage reports an unreadable file
    except ImportError:  # once ultralytics is imported, Image.open tries to import pi_heif on unknown files
        return ContainerBlocks()
    label = "HEIF" if media_type == MediaType.HEIF else "TIFF"
    if isinstance(info.get("exif"), bytes):
        found.add_exif(info["exif"], f"{label} Exif item")
    if isinstance(info.get("xmp"), bytes):
        found.add_xmp(info["xmp"], "TIFF XMLPacket tag" if label == "TIFF" else "HEIF XMP item")
    if isinstance(iptc, (bytes, bytearray)):
        found.add_iptc(bytes(iptc), "TIFF IPTC-NAA tag")
    for size in info.get("thumbnails") or ():
        found.previews.append(Preview("HEIF thumbnail item", f"HEIF thumbnail ({size} px)"))
    return found.freeze()
