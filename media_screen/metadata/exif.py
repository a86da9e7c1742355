"""EXIF through exifread: read the tags within a budget, then turn them into facts and GPS readings.

exifread parses a hostile file value by value; a tag that claims billions of
values would keep it busy for minutes. Every read goes through `_BudgetedReader`,
which stops the parse after a fixed number of reads.
"""

from __future__ import annotations

import io
import logging
import re
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO, Mapping

import exifread
from exifread.core.exceptions import ExifError

from media_screen.metadata.geo import GpsReading
from media_screen.metadata.xmp import parse_coordinate
from media_screen.model import FactKind, MetadataFact
from media_screen.sanitize import clean_text

logging.getLogger("exifread").addHandler(logging.NullHandler())  # its warnings are not ours to print

MAX_READS = 400_000  # the largest real maker note we measured needs about 71,000
GPS_SOURCE = "EXIF GPS IFD"

# What a malformed EXIF block makes exifread raise; anything else is a bug and propagates.
EXIFREAD_ERRORS = (
    ExifError,
    AssertionError,  # its HEIC box parser asserts on malformed files...
    EOFError,  # ...raises EOFError on truncated ones...
    NotImplementedError,  # ...and this on a box whose size is 0 ("to the end of the file")
    struct.error,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    OverflowError,
    RecursionError,
)

# Maker notes that exifread decodes and that can hold a serial number or an owner name.
_MAKER_NOTES_WITH_IDENTIFIERS = ("canon", "nikon", "olympus", "om digital", "fujifilm")

_SERIAL_TAGS = {"BodySerialNumber", "SerialNumber", "LensSerialNumber", "InternalSerialNumber", "CameraSerialNumber"}
_OWNER_TAGS = {"Artist", "Copyright", "OwnerName", "CameraOwnerName"}
_PLAIN_TAGS = {
    "Image Make": (FactKind.DEVICE, "Make"),
    "Image Model": (FactKind.DEVICE, "Model"),
    "Image Software": (FactKind.SOFTWARE, "Software"),
    "EXIF DateTimeOriginal": (FactKind.CAPTURE_TIME, "DateTimeOriginal"),
}
_MEANINGFUL = re.compile(r"[1-9A-Za-z]")  # "0000000", "    " and "" are placeholders, not identifiers


class ExifBudgetExceeded(Exception):
    """The EXIF block needed more reads than any real file does."""


class _BudgetedReader:
    """The three file methods exifread uses, counting reads."""

    def __init__(self, handle: BinaryIO, max_reads: int) -> None:
        self._handle = handle
        self._reads_left = max_reads

    def read(self, size: int = -1) -> bytes:
        self._reads_left -= 1
        if self._reads_left < 0:
            raise ExifBudgetExceeded("EXIF block too complex to parse")
        return self._handle.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()


@dataclass(frozen=True)
class ExifTags:
    """exifread's tags for one file, and why parsing stopped early if it did."""

    tags: Mapping[str, Any]
    problem: str | None = None


def read_exif(handle: BinaryIO) -> ExifTags:
    """Parse EXIF from a file or a TIFF stream; maker notes only for makes whose notes name people or serials."""
    tags, problem = _process(handle, details=False)
    make = str(tags.get("Image Make", "")).strip().lower()
    if make.startswith(_MAKER_NOTES_WITH_IDENTIFIERS):  # details=False drops the MakerNote tag itself
        detailed, detail_problem = _process(handle, details=True)
        if detail_problem is None:
            tags = detailed
    return ExifTags(tags, problem)


def read_exif_bytes(block: bytes) -> ExifTags:
    return read_exif(io.BytesIO(block))


def _process(handle: BinaryIO, details: bool) -> tuple[dict, str | None]:
    try:
        handle.seek(0)
        tags = exifread.process_file(_BudgetedReader(handle, MAX_READS), details=details, extract_thumbnail=True)
    except ExifBudgetExceeded as exc:
        return {}, str(exc)
    except EXIFREAD_ERRORS as exc:
        return {}, f"EXIF block cannot be parsed ({type(exc).__name__})"
    return dict(tags), None


def has_exif(tags: Mapping[str, Any]) -> bool:
    return any(key.startswith(("Image ", "EXIF ", "GPS ", "Thumbnail ", "MakerNote ")) for key in tags)


def exif_facts(tags: Mapping[str, Any]) -> list[MetadataFact]:
    """Device, owner, software, capture time and thumbnail facts, each with the tag it came from."""
    facts = []
    for key, tag in tags.items():
        ifd, _, name = key.partition(" ")
        name = name.strip()
        if key in _PLAIN_TAGS:
            kind, fact_key = _PLAIN_TAGS[key]
        elif name in _SERIAL_TAGS:
            kind, fact_key = FactKind.DEVICE_SERIAL, name
        elif name in _OWNER_TAGS:
            kind, fact_key = FactKind.OWNER_NAME, name
        else:
            continue
        value = clean_text(tag_text(tag))
        if kind in (FactKind.DEVICE_SERIAL, FactKind.OWNER_NAME) and not _MEANINGFUL.search(value):
            continue
        if value:
            source = f"EXIF {name}" if ifd in ("Image", "EXIF") else f"EXIF {ifd} {name}"
            facts.append(MetadataFact(kind, fact_key, value, source))
    for key, label in (("JPEGThumbnail", "JPEG"), ("TIFFThumbnail", "TIFF")):
        thumbnail = tags.get(key)
        if isinstance(thumbnail, (bytes, bytearray)) and thumbnail:
            value = f"EXIF {label} thumbnail ({len(thumbnail):,} bytes)"
            facts.append(MetadataFact(FactKind.THUMBNAIL, "thumbnail", value, "EXIF IFD1 (thumbnail)"))
    return facts


# ASCII tags that are not free text: dates, times, versions and codes.
_NOT_TEXT_TAGS = re.compile(r"DateTime|SubSecTime|OffsetTime|Version|InteroperabilityIndex|RelatedImageFileFormat")
_XP_TAGS = {"XPTitle", "XPComment", "XPAuthor", "XPKeywords", "XPSubject"}  # Windows: UCS-2 in BYTE tags
_USER_COMMENT = 0x9286


def exif_text_facts(tags: Mapping[str, Any], block: bytes | None = None) -> list[MetadataFact]:
    """TEXT facts for every free-text EXIF field not already a device, owner, software or time fact.

    exifread skips UserComment when not asked for details, so that one is read from the raw
    block (`block`, a TIFF stream) with Pillow.
    """
    from media_screen.metadata.text_fields import field_fact

    facts = []
    for key, tag in tags.items():
        ifd, _, name = key.partition(" ")
        name = name.strip()
        if ifd not in ("Image", "EXIF") or key in _PLAIN_TAGS or name in _SERIAL_TAGS | _OWNER_TAGS:
            continue
        if name in _XP_TAGS and isinstance(getattr(tag, "values", None), list):
            text = _ucs2(tag.values)
        elif getattr(tag, "field_type", None) == 2 and not _NOT_TEXT_TAGS.search(name):
            text = tag_text(tag)
        else:
            continue
        fact = field_fact(FactKind.TEXT, name, text, f"EXIF {name}")
        if fact is not None:
            facts.append(fact)
    comment = _user_comment(block) if block else ""
    fact = field_fact(FactKind.TEXT, "UserComment", comment, "EXIF UserComment")
    return facts + ([fact] if fact is not None else [])


def _ucs2(values: list) -> str:
    if not all(isinstance(v, int) and 0 <= v < 256 for v in values):
        return ""
    return bytes(values).decode("utf-16-le", errors="replace").split("\x00", 1)[0]


def _user_comment(block: bytes) -> str:
    """EXIF UserComment: an 8-byte character code (ASCII, UNICODE, JIS or undefined), then the text."""
    from PIL import Image

    from media_screen.inputs.still import quiet_pillow

    try:
        with quiet_pillow():  # "Corrupt EXIF data", "Truncated File Read": stray lines on stderr from workers
            value = Image.Exif()
            value.load(b"Exif\x00\x00" + block if not block.startswith(b"Exif") else block)
            raw = value.get_ifd(0x8769).get(_USER_COMMENT)
    except Exception:  # noqa: BLE001 - a hostile block: exifread has already judged it; the comment is lost
        return ""
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, (bytes, bytearray)) or len(raw) <= 8:
        return ""
    code, body = bytes(raw[:8]), bytes(raw[8:])
    if code.startswith(b"UNICODE"):
        encoding = "utf-16-be" if body[:1] == b"\x00" else "utf-16-le"
        return body.decode(encoding, errors="replace").split("\x00", 1)[0]
    return body.split(b"\x00", 1)[0].decode("utf-8", errors="replace")


def tag_text(tag: Any) -> str:
    """A tag's value as text: ASCII as is, UNDEFINED bytes decoded up to the first NUL."""
    values = getattr(tag, "values", tag)
    if isinstance(values, str):
        return values
    if isinstance(values, (bytes, bytearray)):
        return bytes(values).split(b"\x00", 1)[0].decode("utf-8", errors="replace")
    if isinstance(values, list) and values and all(isinstance(v, int) and 0 <= v < 256 for v in values):
        return bytes(values).split(b"\x00", 1)[0].decode("utf-8", errors="replace")
    return str(getattr(tag, "printable", values))


def gps_readings(tags: Mapping[str, Any]) -> list[GpsReading]:
    """One reading when the file has a GPS IFD (also when it holds no usable position), else none."""
    if not any(key.startswith("GPS ") or key == "Image GPSInfo" for key in tags):
        return []
    lat, lat_problem = _coordinate(tags.get("GPS GPSLatitude"), tags.get("GPS GPSLatitudeRef"), "S")
    lon, lon_problem = _coordinate(tags.get("GPS GPSLongitude"), tags.get("GPS GPSLongitudeRef"), "W")
    problem = None
    if lat is None or lon is None:
        problem = lat_problem if lat is None else lon_problem
    return [
        GpsReading(
            lat=lat,
            lon=lon,
            source=GPS_SOURCE,
            altitude_m=_altitude(tags.get("GPS GPSAltitude"), tags.get("GPS GPSAltitudeRef")),
            gps_time=_gps_time(tags.get("GPS GPSDate"), tags.get("GPS GPSTimeStamp")),
            problem=problem,
        )
    ]


def _number(value: Any) -> float | None:
    """A rational, integer or float tag value as float; None for an undefined rational (x/0)."""
    if isinstance(value, tuple):  # exifread gives FLOAT/DOUBLE values as 1-tuples
        value = value[0] if value else None
    denominator = getattr(value, "denominator", 1)
    if denominator == 0:
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None


def _coordinate(tag: Any, ref_tag: Any, negative_ref: str) -> tuple[float | None, str | None]:
    """Degrees, minutes, seconds -> signed decimal degrees, or (None, why not)."""
    if tag is None:
        return None, "GPS IFD holds no coordinates"
    values = getattr(tag, "values", None)
    if isinstance(values, str):  # a few writers store the coordinate as ASCII text
        degrees = parse_coordinate(values)
        if degrees is None:
            return None, f"GPS coordinate is not a number ({clean_text(values, 40)!r})"
        parts = [degrees]
    else:
        parts = [_number(v) for v in (values or [])][:3]
        if not parts:
            return None, "GPS coordinate has no values"
        if parts[0] is None:
            return None, "GPS coordinates are 0/0 rationals (undefined)"
        parts = [p if p is not None else 0.0 for p in parts]  # an undefined minute/second adds nothing
    degrees = sum(part / 60**i for i, part in enumerate(parts))
    ref = tag_text(ref_tag).strip().upper()[:1] if ref_tag is not None else ""
    if ref == negative_ref:
        degrees = -abs(degrees)
    return degrees, None


def _altitude(tag: Any, ref_tag: Any) -> float | None:
    if tag is None:
        return None
    values = getattr(tag, "values", None) or [None]
    altitude = _number(values[0])
    if altitude is None:
        return None
    ref_values = getattr(ref_tag, "values", None)
    below_sea = isinstance(ref_values, list) and ref_values[:1] == [1]
    return -abs(altitude) if below_sea else altitude


def _gps_time(date_tag: Any, time_tag: Any) -> str | None:
    date = clean_text(tag_text(date_tag), 20).replace(":", "-") if date_tag is not None else ""
    clock = ""
    values = getattr(time_tag, "values", None)
    if isinstance(values, list) and len(values) == 3:
        numbers = [_number(v) for v in values]
        if all(n is not None and 0 <= n < 61 for n in numbers):
            hours, minutes, seconds = numbers
            clock = f"{int(hours):02d}:{int(minutes):02d}:{seconds:06.3f}".rstrip("0").rstrip(".") + "Z"
    text = " ".join(part for part in (date, clock) if part)
    return text or None
