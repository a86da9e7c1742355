"""Lossless metadata removal for JPEG, PNG and WebP: the picture's bytes are copied, the rest is not.

Threat model (each claim is tested in tests/redact/test_strip.py)
-----------------------------------------------------------------
Who we defend against: anyone who can download the posted file - the public, the
press, people who want to find an officer. We do not rely on a platform to strip
metadata for us.

What a stripped copy no longer carries:
- where it was taken: EXIF GPS, XMP exif:GPS*, IPTC location fields (APP13);
- who took it and with what: maker notes, body and lens serial numbers, owner and
  artist names, software, unique image and document IDs that link copies (all in
  APP1 Exif / XMP, PNG text chunks, WebP EXIF / XMP chunks);
- what it looked like before editing: EXIF and JFIF / JFXX thumbnails, MPF
  secondary images (APP2 MPF and the images appended after EOI), Photoshop IRB
  thumbnails (APP13), anything else appended after the end of the image
  (vendor trailers, motion-photo videos);
- free text: JPEG comments (COM), PNG tEXt / zTXt / iTXt, tIME;
- who signed and edited it: Content Credentials (the C2PA manifest store with its claim generator,
  signer, creator assertions, edit history and ingredient thumbnails) in JPEG APP11 JUMBF segments,
  the PNG caBX chunk and the WebP C2PA chunk. HEIF and video copies are re-encoded into new
  containers, which carry no BMFF `uuid` (C2PA) box; the re-scan of every copy checks that no
  manifest store is left (tests/redact/test_strip_c2pa.py).

How: an allowlist. Only what is needed to draw the picture is copied (JPEG
DQT / SOF / DHT / DRI / SOS and the entropy-coded data, APP0 JFIF without its
thumbnail, APP14 Adobe; PNG critical and colour chunks; WebP image, alpha and
animation chunks). Everything else, known or unknown, is dropped. Kept on
request only: the ICC colour profile (default), EXIF DateTime(Original),
EXIF Copyright - rewritten into a fresh minimal EXIF block, never copied.
The lossless path also keeps the EXIF Orientation value (in that fresh block),
because the pixels are not rotated there.

Not covered - residual risks the user must know:
- the pixels themselves: anything the chosen detectors do not find (reflections,
  screens, a street sign) is still in the picture;
- sensor noise (PRNU) can tie a photo to a camera when reference photos of that
  camera exist; JPEG quantisation and Huffman tables kept by the lossless path
  hint at the camera model or editing software (not the person);
- data hidden in the pixels (steganography, watermarks), or in the colour of
  fully transparent pixels of a PNG / WebP;
- file names (mirrored as they are: "IMG_20240612_0931.jpg" carries a date) and
  the copy's file-system times (the time of redaction);
- the ICC profile (kept by default) names its colour space and sometimes its
  maker; `--keep-metadata none` drops it.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from typing import Iterator

from media_screen.errors import CorruptMediaError, MediaScreenError
from media_screen.inputs.still import open_still
from media_screen.model import MediaType, RemovedMetadata
from media_screen.redact.options import KeepMetadata, RedactOptions
from media_screen.sanitize import clean_text
from media_screen.inputs.source import Source

EXIF_HEADER = b"Exif\x00\x00"
TAG_ORIENTATION, TAG_DATETIME, TAG_COPYRIGHT = 0x0112, 0x0132, 0x8298
TAG_EXIF_IFD, TAG_DATETIME_ORIGINAL = 0x8769, 0x9003
_DATETIME = re.compile(r"^\d{4}:\d\d:\d\d \d\d:\d\d:\d\d$")


class NotLossless(MediaScreenError):
    """The file holds structure this stripper does not know; re-encode it instead."""


@dataclass(frozen=True)
class KeptMetadata:
    """The allowlisted metadata of one input, already validated."""

    icc: bytes | None = None
    orientation: int | None = None  # 2..8 when the picture needs turning; kept by the lossless path only
    datetime: str | None = None
    datetime_original: str | None = None
    copyright: str | None = None

    def names(self, with_orientation: bool) -> tuple[str, ...]:
        names = [
            name
            for name, value in (
                ("ICC profile", self.icc),
                ("EXIF Orientation", self.orientation if with_orientation else None),
                ("EXIF DateTime", self.datetime),
                ("EXIF DateTimeOriginal", self.datetime_original),
                ("EXIF Copyright", self.copyright),
            )
            if value
        ]
        return tuple(names)

    def exif_block(self, with_orientation: bool) -> bytes | None:
        """A fresh EXIF block ("Exif\\0\\0" + TIFF) holding only the kept values; None when empty."""
        from PIL import Image

        exif = Image.Exif()
        if with_orientation and self.orientation:
            exif[TAG_ORIENTATION] = self.orientation
        if self.datetime:
            exif[TAG_DATETIME] = self.datetime
        if self.copyright:
            exif[TAG_COPYRIGHT] = self.copyright
        if self.datetime_original:
            exif.get_ifd(TAG_EXIF_IFD)[TAG_DATETIME_ORIGINAL] = self.datetime_original
        if not len(exif) and not self.datetime_original:
            return None
        return exif.tobytes()


def read_kept(source: Source, options: RedactOptions, max_pixels: int) -> KeptMetadata:
    """Read the values `--keep-metadata` allows (and the orientation) from a still image."""
    with open_still(source, max_pixels) as image:
        try:
            exif = image.getexif()
            exif_ifd = exif.get_ifd(TAG_EXIF_IFD)
        except Exception:  # noqa: BLE001 - a broken EXIF block only means nothing is kept from it
            exif, exif_ifd = {}, {}
        icc = image.info.get("icc_profile") if options.keeps(KeepMetadata.ICC) else None
    orientation = exif.get(TAG_ORIENTATION)
    keep_dates = options.keeps(KeepMetadata.EXIF_DATETIME)
    return KeptMetadata(
        icc=icc if isinstance(icc, bytes) and icc else None,
        orientation=orientation if isinstance(orientation, int) and 2 <= orientation <= 8 else None,
        datetime=_datetime(exif.get(TAG_DATETIME)) if keep_dates else None,
        datetime_original=_datetime(exif_ifd.get(TAG_DATETIME_ORIGINAL)) if keep_dates else None,
        copyright=_text(exif.get(TAG_COPYRIGHT)) if options.keeps(KeepMetadata.COPYRIGHT) else None,
    )


def _datetime(value: object) -> str | None:
    text = clean_text(value, 40) if value is not None else ""
    return text if _DATETIME.match(text) else None


def _text(value: object) -> str | None:
    text = clean_text(value, 200) if value is not None else ""
    return text.encode("ascii", "replace").decode("ascii") if text else None


def icc_is_rgb(icc: bytes | None) -> bool:
    """True when the profile describes RGB data (a CMYK profile must not ride on re-encoded RGB)."""
    return bool(icc) and len(icc) >= 20 and icc[16:20] == b"RGB "


@dataclass(frozen=True)
class Stripped:
    data: bytes
    removed: tuple[RemovedMetadata, ...]


def strip_lossless(data: bytes, media_type: MediaType, kept: KeptMetadata) -> Stripped:
    """The file without its metadata, image data byte-identical. Raises NotLossless for other formats."""
    exif = kept.exif_block(with_orientation=True)
    if media_type == MediaType.JPEG:
        return strip_jpeg(data, exif, kept.icc is not None)
    if media_type == MediaType.PNG:
        return strip_png(data, exif[len(EXIF_HEADER):] if exif else None, kept.icc is not None)
    if media_type == MediaType.WEBP:
        return strip_webp(data, exif[len(EXIF_HEADER):] if exif else None, kept.icc is not None)
    raise NotLossless(f"no lossless metadata removal for {media_type.value}")


# --- JPEG -----------------------------------------------------------------------------------------

_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0..7: no length field
_STRUCTURAL = {*range(0xC0, 0xD0), 0xDB, 0xDC, 0xDD, 0xDE, 0xDF}  # SOFn, DHT, DAC, DQT, DNL, DRI, DHP, EXP
SOS, EOI, APP0, APP2, APP11, APP14, COM = 0xDA, 0xD9, 0xE0, 0xE2, 0xEB, 0xEE, 0xFE


_APP_NAMES = {
    b"Exif": "Exif (EXIF, GPS, maker notes, thumbnail)",
    b"http://ns.adobe.com/xap/1.0/": "XMP",
    b"http://ns.adobe.com/xmp/extension/": "XMP extension",
    b"Photoshop 3.0": "Photoshop IRB (IPTC, thumbnail)",
    b"MPF": "MPF (multi-picture index)",
    b"ICC_PROFILE": "ICC_PROFILE",
    b"JFXX": "JFXX thumbnail",
}


def _jpeg_app_name(marker: int, payload: bytes) -> str:
    if marker == COM:
        return "COM comment"
    if marker == APP11 and payload[:2] == b"JP" and payload[12:16] == b"jumb":  # JPEG XT box: JUMBF
        return "APP11 JUMBF (C2PA Content Credentials)" if b"c2pa" in payload[:64] else "APP11 JUMBF"
    ident = payload[:64].split(b"\x00", 1)[0]
    name = _APP_NAMES.get(ident) or clean_text(ident[:24].decode("latin-1"), 24) or "?"
    return f"APP{marker - APP0} {name}"


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start, end) of every segment after SOI, up to and including EOI.

    A SOS segment's end includes its entropy-coded data, so the segments tile the file up to EOI.
    """
    if not data.startswith(b"\xff\xd8"):
        raise CorruptMediaError("not a JPEG (no SOI marker)")
    pos, end = 2, len(data)
    while True:
        if pos + 2 > end or data[pos] != 0xFF:
            raise CorruptMediaError(f"JPEG marker expected at byte {pos}")
        while pos + 2 < end and data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos + 1]
        if marker == EOI or marker in _STANDALONE:
            yield marker, pos, pos + 2
            if marker == EOI:
                return
            pos += 2
            continue
        if pos + 4 > end:
            raise CorruptMediaError("JPEG truncated inside a marker")
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        seg_end = pos + 2 + length
        if length < 2 or seg_end > end:
            raise CorruptMediaError(f"JPEG segment at byte {pos} overruns the file")
        if marker == SOS:
            seg_end = _entropy_end(data, seg_end)
        yield marker, pos, seg_end
        pos = seg_end


def strip_jpeg(data: bytes, exif: bytes | None, keep_icc: bool) -> Stripped:
    out = bytearray(b"\xff\xd8")
    removed: list[RemovedMetadata] = []
    exif_pending = exif is not None
    image_end = len(data)
    for marker, start, seg_end in _jpeg_segments(data):
        if APP0 <= marker <= 0xEF or marker == COM:
            kept_segment = _keep_app(marker, data[start + 4 : seg_end], keep_icc, removed)
            if kept_segment is not None:
                out += kept_segment
            continue
        if marker not in _STRUCTURAL and marker not in (SOS, EOI) and marker not in _STANDALONE:
            raise NotLossless(f"unknown JPEG marker 0x{marker:02X}")
        if exif_pending:  # the fresh EXIF goes after APP0 JFIF, before the tables
            out += _app_segment(0xE1, exif)
            exif_pending = False
        out += data[start:seg_end]
        image_end = seg_end
    trailing = data[image_end:]
    if trailing.strip(b"\x00"):
        detail = f"{len(trailing)} bytes (MPF images, motion-photo videos, vendor trailers)"
        removed.append(RemovedMetadata("data after end of image", detail))
    return Stripped(bytes(out), tuple(removed))


def _keep_app(marker: int, payload: bytes, keep_icc: bool, removed: list[RemovedMetadata]) -> bytes | None:
    """The segment to write for one APPn / COM, or None to drop it (recorded in `removed`)."""
    if marker == APP0 and payload.startswith(b"JFIF\x00") and len(payload) >= 14:
        if payload[12] or payload[13] or len(payload) > 14:
            removed.append(RemovedMetadata("APP0 JFIF thumbnail", f"{len(payload) - 14} bytes"))
        return _app_segment(APP0, payload[:12] + b"\x00\x00")
    if marker == APP2 and payload.startswith(b"ICC_PROFILE\x00") and keep_icc:
        return _app_segment(APP2, payload)
    if marker == APP14 and payload.startswith(b"Adobe"):
        return _app_segment(APP14, payload)  # colour transform flag: needed to decode the pixels
    removed.append(RemovedMetadata(_jpeg_app_name(marker, payload), f"{len(payload)} bytes"))
    return None


def _app_segment(marker: int, payload: bytes) -> bytes:
    if len(payload) > 65533:
        raise NotLossless("kept metadata does not fit one JPEG segment")
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _entropy_end(data: bytes, pos: int) -> int:
    """Offset of the first marker after entropy-coded data (skipping byte stuffing and RSTn)."""
    end = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= end:
            raise CorruptMediaError("JPEG entropy-coded data runs to the end of the file (no EOI)")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


def jpeg_scan_data(data: bytes) -> bytes:
    """The bytes from the first SOS marker to EOI inclusive: what a lossless strip must not change."""
    segments = [(marker, start, end) for marker, start, end in _jpeg_segments(data)]
    first_scan = next(start for marker, start, _ in segments if marker == SOS)
    return data[first_scan : segments[-1][2]]


# --- PNG ------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that decide what the picture looks like. Everything else is dropped.
_PNG_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD", b"pHYs",
    b"cICP", b"mDCv", b"cLLi", b"acTL", b"fcTL", b"fdAT",
}
_PNG_NAMES = {b"eXIf": "EXIF", b"tEXt": "text", b"zTXt": "compressed text", b"iTXt": "international text",
              b"tIME": "modification time", b"iCCP": "ICC profile", b"caBX": "C2PA Content Credentials"}


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def strip_png(data: bytes, exif: bytes | None, keep_icc: bool) -> Stripped:
    if not data.startswith(PNG_SIGNATURE):
        raise CorruptMediaError("not a PNG (bad signature)")
    out = bytearray(PNG_SIGNATURE)
    removed: list[RemovedMetadata] = []
    pos, end = len(PNG_SIGNATURE), len(data)
    while True:
        if pos + 12 > end:
            raise CorruptMediaError("PNG truncated (no IEND chunk)")
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        chunk_end = pos + 12 + length
        if chunk_end > end:
            raise CorruptMediaError(f"PNG chunk {kind!r} overruns the file")
        payload = data[pos + 8 : pos + 8 + length]
        if zlib.crc32(kind + payload) != struct.unpack(">I", data[chunk_end - 4 : chunk_end])[0]:
            raise CorruptMediaError(f"PNG chunk {clean_text(kind.decode('latin-1'))} has a bad CRC")
        if kind == b"IDAT" and exif is not None:
            out += _png_chunk(b"eXIf", exif)  # eXIf must come before the image data
            exif = None
        if kind in _PNG_KEEP or (kind == b"iCCP" and keep_icc):
            out += data[pos:chunk_end]
        else:
            name = clean_text(kind.decode("latin-1"), 8)
            removed.append(RemovedMetadata(f"{name} chunk", f"{_PNG_NAMES.get(kind, 'ancillary')}, {length} bytes"))
        pos = chunk_end
        if kind == b"IEND":
            break
    if pos < end:
        removed.append(RemovedMetadata("data after end of image", f"{end - pos} bytes"))
    return Stripped(bytes(out), tuple(removed))


# --- WebP -----------------------------------------------------------------------------------------

_WEBP_KEEP = {b"VP8X", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L"}
VP8X_ICC, VP8X_ALPHA, VP8X_EXIF, VP8X_XMP, VP8X_ANIM = 0x20, 0x10, 0x08, 0x04, 0x02


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


def strip_webp(data: bytes, exif: bytes | None, keep_icc: bool) -> Stripped:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise CorruptMediaError("not a WebP (bad RIFF header)")
    riff_end = 8 + struct.unpack("<I", data[4:8])[0]
    if riff_end > len(data):
        raise CorruptMediaError("WebP truncated (RIFF size beyond the end of the file)")
    chunks: list[tuple[bytes, bytes]] = []
    removed: list[RemovedMetadata] = []
    pos = 12
    while pos + 8 <= riff_end:
        kind, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if pos + 8 + size > riff_end:
            raise CorruptMediaError(f"WebP chunk {kind!r} overruns the file")
        payload = data[pos + 8 : pos + 8 + size]
        if kind in _WEBP_KEEP or (kind == b"ICCP" and keep_icc):
            chunks.append((kind, payload))
        else:
            name = clean_text(kind.decode("latin-1").strip(), 8)
            what = "C2PA Content Credentials, " if kind == b"C2PA" else ""
            removed.append(RemovedMetadata(f"{name} chunk", f"{what}{size} bytes"))
        pos += 8 + size + (size % 2)
    if not chunks:
        raise CorruptMediaError("WebP holds no image chunk")
    if riff_end < len(data):
        removed.append(RemovedMetadata("data after end of image", f"{len(data) - riff_end} bytes"))
    if chunks[0][0] == b"VP8X":
        chunks = _fix_vp8x(chunks, exif)
    body = b"WEBP" + b"".join(_riff_chunk(kind, payload) for kind, payload in chunks)
    return Stripped(b"RIFF" + struct.pack("<I", len(body)) + body, tuple(removed))


def _fix_vp8x(chunks: list[tuple[bytes, bytes]], exif: bytes | None) -> list[tuple[bytes, bytes]]:
    """Extended WebP: order ICCP first, EXIF last, and make the VP8X flags say what is really there."""
    header = bytearray(chunks[0][1])
    if len(header) < 10:
        raise CorruptMediaError("WebP VP8X chunk too short")
    rest = chunks[1:]
    icc = [c for c in rest if c[0] == b"ICCP"]
    image = [c for c in rest if c[0] != b"ICCP"]
    tail = [(b"EXIF", exif)] if exif else []
    flags = header[0] & ~(VP8X_ICC | VP8X_EXIF | VP8X_XMP)
    flags |= (VP8X_ICC if icc else 0) | (VP8X_EXIF if tail else 0)
    header[0] = flags
    return [(b"VP8X", bytes(header)), *icc, *image, *tail]
