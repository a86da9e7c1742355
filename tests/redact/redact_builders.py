"""Small stills that carry every kind of metadata the stripper must remove, built on the fly.

`dirty_jpeg()` holds: APP0 JFIF with a thumbnail, APP1 Exif (GPS, body serial, owner, an IFD1
thumbnail), APP1 XMP (a GPS position), APP2 ICC, APP2 MPF with a second image appended after
EOI, APP13 IPTC, a COM comment. PNG and WebP equivalents carry eXIf / text / XMP chunks.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageCms

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
SERIAL = "SN-4242-BODY"
OWNER = "Officer Jane Roe"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="37,58.485N" '
    b'exif:GPSLongitude="122,1.822W"/></rdf:RDF></x:xmpmeta>'
)


def picture(width: int = 64, height: int = 48, seed: int = 1) -> Image.Image:
    """A detailed (noisy) picture: any change to its pixels shows."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


@functools.cache
def srgb_icc() -> bytes:
    """An sRGB ICC profile, made once per test run: its header holds the second it was made, so two profiles made
    a second apart differ (a copy compared with a fresh one failed when the test straddled a second)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif_block(orientation: int | None = None, thumbnail: bytes | None = None) -> bytes:
    """ "Exif\\0\\0" + TIFF with GPS, serial, owner, camera; optionally an IFD1 JPEG thumbnail."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 5D"
    exif[0x013B] = OWNER  # Artist
    exif[0x0132] = "2024:06:12 09:31:00"  # DateTime
    exif[0x8298] = "(c) Concord PD"  # Copyright
    if orientation:
        exif[0x0112] = orientation
    exif_ifd = exif.get_ifd(EXIF_IFD)
    exif_ifd[0xA431] = SERIAL  # BodySerialNumber
    exif_ifd[0xA430] = OWNER  # CameraOwnerName
    exif_ifd[0x9003] = "2024:06:12 09:30:59"  # DateTimeOriginal
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (37.0, 58.0, 29.1), "W", (122.0, 1.0, 49.3)
    block = exif.tobytes()
    return _with_ifd1_thumbnail(block, thumbnail) if thumbnail else block


def _with_ifd1_thumbnail(block: bytes, thumbnail: bytes) -> bytes:
    """Chain an IFD1 holding a JPEG thumbnail after IFD0 (Pillow writes IFD0 only)."""
    head, tiff = block[:6], bytearray(block[6:])
    endian = ">" if tiff[:2] == b"MM" else "<"
    ifd0 = struct.unpack(endian + "I", tiff[4:8])[0]
    count = struct.unpack(endian + "H", tiff[ifd0 : ifd0 + 2])[0]
    next_pointer = ifd0 + 2 + 12 * count
    ifd1 = len(tiff)
    struct.pack_into(endian + "I", tiff, next_pointer, ifd1)
    thumb_at = ifd1 + 2 + 2 * 12 + 4
    tiff += struct.pack(endian + "H", 2)
    tiff += struct.pack(endian + "HHII", 0x0201, 4, 1, thumb_at)  # JPEGInterchangeFormat
    tiff += struct.pack(endian + "HHII", 0x0202, 4, 1, len(thumbnail))  # JPEGInterchangeFormatLength
    tiff += struct.pack(endian + "I", 0) + thumbnail
    return head + bytes(tiff)


def jpeg_bytes(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **params)
    return buffer.getvalue()


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def dirty_jpeg(orientation: int | None = None, width: int = 64, height: int = 48) -> bytes:
    thumbnail = jpeg_bytes(picture(16, 12, seed=2))
    base = jpeg_bytes(
        picture(width, height),
        exif=exif_block(orientation, thumbnail),
        icc_profile=srgb_icc(),
        comment=b"shot outside 1350 Galindo St",
    )
    jfif_with_thumb = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x01\x01" + b"\x80\x80\x80"  # 1x1 RGB thumbnail
    extra = (
        segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP)
        + segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x5a\x00\x07Concord")
        + segment(0xE2, b"MPF\x00" + b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 16)
    )
    assert base[2:4] == b"\xff\xe0"
    app0_end = 4 + struct.unpack(">H", base[4:6])[0]
    secondary = jpeg_bytes(picture(32, 24, seed=3))  # MPF "second image", appended after EOI
    return b"\xff\xd8" + segment(0xE0, jfif_with_thumb) + extra + base[app0_end:] + secondary


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def dirty_png() -> bytes:
    buffer = io.BytesIO()
    picture().save(buffer, "PNG", exif=exif_block(), icc_profile=srgb_icc())
    data = buffer.getvalue()
    ihdr_end = 8 + 12 + 13
    extra = (
        png_chunk(b"tEXt", b"Comment\x00shot outside HQ")
        + png_chunk(b"zTXt", b"Author\x00\x00" + zlib.compress(OWNER.encode()))
        + png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP)
        + png_chunk(b"tIME", b"\x07\xe8\x06\x0c\x09\x1f\x00")
    )
    return data[:ihdr_end] + extra + data[ihdr_end:] + b"trailing secrets"


def dirty_webp() -> bytes:
    buffer = io.BytesIO()
    picture().save(buffer, "WEBP", quality=80, exif=exif_block(), xmp=XMP, icc_profile=srgb_icc())
    return buffer.getvalue()
