"""A video hidden inside a still: the motion photo.

Phones save a "motion photo" (Google's `MVIMG_...jpg` / `....MP.jpg`, Samsung's motion photos, some HEICs) as
a picture with a short video placed after it in the same file: an ISO base media file (MP4 / QuickTime) that
starts with its own `ftyp` box. Every picture viewer shows only the still; an app that plays motion photos, or
anyone who cuts the file at that offset, gets the seconds around the shot, with their own metadata (often the
location again) and sound.

Threat model: the file is hostile, and its structure may lie. The video is found by its own bytes, not by
what the still's XMP (`GCamera:MicroVideoOffset`, `Container:Directory`) says: an `ftyp` box of a sane size
whose brand is a video one, followed directly by a top-level box of a known type. At most MAX_PROBES places
that hold the bytes `ftyp` are looked at, so a file packed with them costs a bounded search. What is found is
screened as a video of its own (pipeline.py) and its metadata read (metadata/__init__.py); a video that does
not decode makes the whole file ERROR. Nothing before the still's own first 8 bytes is searched.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBES = 64  # places holding b"ftyp" looked at per file
_FTYP_MIN, _FTYP_MAX = 16, 512  # an ftyp box: 8 header bytes, major brand, minor version, compatible brands
# What may follow a file's ftyp box at the top level of an MP4 / QuickTime file.
_NEXT_BOXES = {b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"pdin", b"moof", b"sidx", b"styp"}
# Major brands of video files; HEIF's (heic, mif1, avif ...) are pictures, and a picture is not a motion photo.
_VIDEO_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"qt  ", b"M4V ", b"MSNV",
                 b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"dash", b"mp71", b"f4v "}


@dataclass(frozen=True)
class EmbeddedVideo:
    """Where the hidden video starts in the file (it runs to the file's end) and its major brand."""

    offset: int
    size: int
    brand: str

    def describe(self) -> str:
        return f"{self.brand.strip() or '?'} video of {self.size:,} bytes from byte {self.offset:,}"


def find_embedded_video(data) -> EmbeddedVideo | None:
    """The first ISO base media video file inside `data` (bytes or a read-only mmap of a still) after its first
    8 bytes, or None."""
    position = 8
    for _ in range(MAX_PROBES):
        position = data.find(b"ftyp", position)
        if position < 0:
            return None
        start = position - 4
        size = int.from_bytes(data[start:position], "big")
        brand = bytes(data[position + 4 : position + 8])
        following = bytes(data[start + size + 4 : start + size + 8]) if _FTYP_MIN <= size <= _FTYP_MAX else b""
        if brand in _VIDEO_BRANDS and following in _NEXT_BOXES:
            return EmbeddedVideo(start, len(data) - start, brand.decode("latin-1"))
        position += 4
    return None
