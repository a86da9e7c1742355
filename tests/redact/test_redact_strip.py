"""Lossless metadata removal (media_screen/redact/strip.py): every claim of its threat model, per format.

Each format gets: it removes what it must, a clean input comes through unchanged, a corrupt input is a
clear error. "Lossless" is checked two ways: the decoded pixels are equal, and (JPEG) the scan data from
SOS to EOI is byte-identical; (PNG) the IDAT chunks are byte-identical.
"""

from __future__ import annotations

import io
import struct

import exifread
import numpy as np
import pytest
from PIL import Image
from redact_builders import OWNER, SERIAL, dirty_jpeg, dirty_png, dirty_webp, jpeg_bytes, picture

from media_screen.errors import CorruptMediaError
from media_screen.model import MediaType
from media_screen.redact.strip import (
    KeptMetadata,
    NotLossless,
    jpeg_scan_data,
    strip_jpeg,
    strip_lossless,
    strip_png,
    strip_webp,
)


pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file")

def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def exif_tags(data: bytes) -> dict:
    return exifread.process_file(io.BytesIO(data), details=True)


def jpeg_markers(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, first payload bytes) of every segment before the first SOS."""
    markers, pos = [], 2
    while data[pos + 1] != 0xDA:
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        markers.append((data[pos + 1], data[pos + 4 : pos + 18]))
        pos += 2 + length
    return markers


# --- JPEG -----------------------------------------------------------------------------------------


def test_jpeg_strip_removes_every_kind_of_metadata_and_keeps_the_picture_byte_identical():
    # given a JPEG with GPS, serial, owner, thumbnails, XMP, IPTC, MPF, a comment and an appended image
    dirty = dirty_jpeg()
    assert "GPS GPSLatitude" in exif_tags(dirty) and "JPEGThumbnail" in exif_tags(dirty)
    # when it is stripped, keeping the ICC profile
    clean = strip_jpeg(dirty, None, keep_icc=True)
    # then no EXIF, XMP, IPTC, MPF, comment or JFIF thumbnail is left; only APP0 JFIF and APP2 ICC remain
    markers = jpeg_markers(clean.data)
    apps = [(m, p) for m, p in markers if 0xE0 <= m <= 0xEF or m == 0xFE]
    assert [m for m, _ in apps] == [0xE0, 0xE2]
    assert apps[1][1].startswith(b"ICC_PROFILE")
    assert clean.data[clean.data.index(b"JFIF\x00") + 12 : clean.data.index(b"JFIF\x00") + 14] == b"\x00\x00"
    assert exif_tags(clean.data) == {}
    for secret in (SERIAL.encode(), OWNER.encode(), b"GPSLatitude", b"Galindo", b"MPF\x00", b"8BIM", b"Concord"):
        assert secret not in clean.data
    # and the appended MPF image is gone: the file ends at EOI
    assert clean.data.endswith(b"\xff\xd9") and clean.data.count(b"\xff\xd8") == 1
    # and the picture is untouched: same scan data, same decoded pixels
    assert jpeg_scan_data(clean.data) == jpeg_scan_data(dirty)
    assert np.array_equal(pixels(clean.data), pixels(dirty))
    # and the report names what went
    removed = " ".join(m.item for m in clean.removed)
    for item in ("APP1 Exif", "APP1 XMP", "APP13", "APP2 MPF", "COM", "JFIF thumbnail", "after end of image"):
        assert item in removed


def test_jpeg_strip_drops_the_icc_profile_when_not_kept():
    clean = strip_jpeg(dirty_jpeg(), None, keep_icc=False)
    assert b"ICC_PROFILE" not in clean.data
    assert any("ICC_PROFILE" in m.item for m in clean.removed)


def test_jpeg_strip_keeps_orientation_in_a_fresh_minimal_exif():
    # given a rotated photo (orientation 6) with GPS
    dirty = dirty_jpeg(orientation=6)
    # when stripped losslessly (the pixels are not turned on this path)
    clean = strip_lossless(dirty, MediaType.JPEG, KeptMetadata(orientation=6))
    # then the copy still displays upright, and the EXIF holds nothing but the orientation
    tags = exif_tags(clean.data)
    assert str(tags["Image Orientation"]).startswith("Rotated 90")
    assert set(tags) == {"Image Orientation"}
    assert jpeg_scan_data(clean.data) == jpeg_scan_data(dirty)


def test_kept_values_are_written_fresh_only_when_allowed():
    kept = KeptMetadata(copyright="(c) Concord PD", datetime_original="2024:06:12 09:30:59")
    clean = strip_lossless(dirty_jpeg(), MediaType.JPEG, kept)
    tags = exif_tags(clean.data)
    assert str(tags["Image Copyright"]) == "(c) Concord PD"
    assert str(tags["EXIF DateTimeOriginal"]) == "2024:06:12 09:30:59"
    assert not any(k.startswith("GPS") for k in tags) and SERIAL.encode() not in clean.data


def test_clean_jpeg_comes_through_unchanged():
    clean_input = jpeg_bytes(picture())
    assert strip_jpeg(clean_input, None, keep_icc=True).data == clean_input
    assert strip_jpeg(clean_input, None, keep_icc=True).removed == ()


def test_progressive_jpeg_keeps_all_scans():
    progressive = jpeg_bytes(picture(), progressive=True, comment=b"note")
    clean = strip_jpeg(progressive, None, keep_icc=True)
    assert jpeg_scan_data(clean.data) == jpeg_scan_data(progressive)
    assert np.array_equal(pixels(clean.data), pixels(progressive))


@pytest.mark.parametrize("cut", [1, 300, -2])
def test_truncated_jpeg_is_a_clear_error(cut):
    data = dirty_jpeg()
    end = data.index(b"\xff\xd9") + 2  # the main image's EOI is the first one after the scan
    with pytest.raises(CorruptMediaError):
        strip_jpeg(data[: cut if cut > 0 else end + cut], None, keep_icc=True)


def test_unknown_jpeg_marker_falls_back_to_re_encoding():
    data = jpeg_bytes(picture())
    odd = data[:2] + b"\xff\xf7\x00\x04\x00\x00" + data[2:]  # JPEG-LS SOF55: not a baseline structure
    with pytest.raises(NotLossless):
        strip_jpeg(odd, None, keep_icc=True)


# --- PNG ------------------------------------------------------------------------------------------


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        chunks.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
        if chunks[-1][0] == b"IEND":
            break
    return chunks


def test_png_strip_removes_text_time_and_exif_and_keeps_idat_identical():
    dirty = dirty_png()
    clean = strip_png(dirty, None, keep_icc=True)
    kinds = [k for k, _ in png_chunks(clean.data)]
    assert not {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"} & set(kinds)
    assert b"iCCP" in kinds
    assert [p for k, p in png_chunks(clean.data) if k == b"IDAT"] == [p for k, p in png_chunks(dirty) if k == b"IDAT"]
    assert np.array_equal(pixels(clean.data), pixels(dirty))
    assert clean.data.endswith(b"IEND\xaeB`\x82")
    assert {m.item for m in clean.removed} >= {"eXIf chunk", "tEXt chunk", "zTXt chunk", "iTXt chunk", "tIME chunk"}
    assert strip_png(dirty, None, keep_icc=False).data.find(b"iCCP") < 0


def test_clean_png_comes_through_unchanged():
    buffer = io.BytesIO()
    picture().save(buffer, "PNG")
    assert strip_png(buffer.getvalue(), None, keep_icc=True).data == buffer.getvalue()


def test_png_with_a_bad_crc_is_a_clear_error():
    data = bytearray(dirty_png())
    data[40] ^= 0xFF
    with pytest.raises(CorruptMediaError):
        strip_png(bytes(data), None, keep_icc=True)


# --- WebP -----------------------------------------------------------------------------------------


def test_webp_strip_removes_exif_and_xmp_and_fixes_flags_and_size():
    dirty = dirty_webp()
    assert b"EXIF" in dirty and b"XMP " in dirty
    clean = strip_webp(dirty, None, keep_icc=True)
    assert b"EXIF" not in clean.data and b"XMP " not in clean.data and SERIAL.encode() not in clean.data
    assert struct.unpack("<I", clean.data[4:8])[0] == len(clean.data) - 8
    flags = clean.data[20]
    assert flags & 0x08 == 0 and flags & 0x04 == 0 and flags & 0x20  # no EXIF, no XMP, ICC kept
    assert np.array_equal(pixels(clean.data), pixels(dirty))
    assert {m.item for m in clean.removed} == {"EXIF chunk", "XMP chunk"}
    without_icc = strip_webp(dirty, None, keep_icc=False)
    assert without_icc.data[20] & 0x20 == 0 and b"ICCP" not in without_icc.data


def test_simple_webp_comes_through_unchanged():
    buffer = io.BytesIO()
    picture().save(buffer, "WEBP", quality=80)
    assert strip_webp(buffer.getvalue(), None, keep_icc=True).data == buffer.getvalue()


def test_truncated_webp_is_a_clear_error():
    with pytest.raises(CorruptMediaError):
        strip_webp(dirty_webp()[:40], None, keep_icc=True)


def test_tiff_has_no_lossless_path():
    with pytest.raises(NotLossless):
        strip_lossless(b"II*\x00", MediaType.TIFF, KeptMetadata())
