"""One input file, read once: its bytes, the sha256 of exactly those bytes, and what its first bytes say.

A scan (and a redaction) opens the file once, as a `Source`, and every stage reads from it: the hash, the
probe, the metadata readers, the decoder (Pillow, PyAV, c2pa). So the sha256 in a report describes the
bytes that were analysed, even when the file on disk changes during the scan, and the path through the
code does not go back to the disk.

Threat model: the file is opened without following the promise of its name: O_NONBLOCK, so a FIFO cannot
block the open, and the opened descriptor must be a regular file (checked on the descriptor, not the name,
so the file cannot be swapped between the check and the read). Files up to IN_MEMORY_BYTES are read into
memory; larger ones (long videos) are mapped read-only: the hash and the decoder read the same mapping,
and a file truncated by another process while it is mapped crashes the process reading it (SIGBUS), which
a batch reports as that file's ERROR. The type comes from magic bytes, never from the extension.
"""

from __future__ import annotations

import hashlib
import io
import mmap
import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from media_screen.errors import CorruptMediaError, MediaScreenError, UnsupportedMediaError
from media_screen.inputs.embedded import EmbeddedVideo, find_embedded_video
from media_screen.model import MediaType

IN_MEMORY_BYTES = 256 << 20  # larger files are mapped, not copied


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


def probe_head(head: bytes) -> Probe:
    """What a file's first HEADER_BYTES say it is; an empty file is corrupt, not of an unknown format."""
    if not head:
        raise CorruptMediaError("empty file (0 bytes)")
    return probe_bytes(head)


def probe_file(path: Path) -> Probe:
    """What the first bytes of a file on disk say it is (for callers that read nothing else of it)."""
    with open(path, "rb") as handle:
        return probe_head(handle.read(HEADER_BYTES))


def sha256_of(path: Path, chunk_size: int = 1 << 20) -> str:
    """The sha256 of a file on disk (for callers that read nothing else of it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


class Source:
    """A file's bytes, read once; `reader()` gives each consumer its own seekable view of them.

    Use it as a context manager (or call `close()`): a mapped file is unmapped when it closes.
    """

    def __init__(self, path: Path, data: bytes | mmap.mmap | memoryview) -> None:
        self.path = Path(path)
        self._data = data
        self._view = memoryview(data)

    @classmethod
    def open(cls, path: Path) -> "Source":
        """Read (or map) a regular file. Raises MediaScreenError for anything else, OSError when unreadable."""
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                raise MediaScreenError("not a regular file")
            if info.st_size > IN_MEMORY_BYTES:
                return cls(path, mmap.mmap(descriptor, 0, access=mmap.ACCESS_READ))
            with os.fdopen(os.dup(descriptor), "rb") as handle:
                return cls(path, handle.read())
        finally:
            os.close(descriptor)

    @property
    def size(self) -> int:
        return len(self._view)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self._view).hexdigest()

    @cached_property
    def probe(self) -> Probe:
        """What the first bytes say the file is. Raises CorruptMediaError (empty) or UnsupportedMediaError."""
        return probe_head(bytes(self._view[:HEADER_BYTES]))

    @cached_property
    def embedded_video(self) -> EmbeddedVideo | None:
        """A video hidden after a still's picture (a motion photo; inputs/embedded.py), or None. Videos: None."""
        if self.probe.media_type == MediaType.VIDEO or not isinstance(self._data, (bytes, mmap.mmap)):
            return None
        return find_embedded_video(self._data)

    def part(self, offset: int) -> "Source":
        """The content from `offset` to the end as a source of its own (the same bytes, not a copy): the video
        inside a motion photo. Closing it leaves this source open."""
        return Source(self.path, self._view[offset:])

    def bytes(self) -> bytes:
        """The whole content as bytes (a copy when the file is mapped)."""
        return self._data if isinstance(self._data, bytes) else bytes(self._view)

    def reader(self) -> io.BufferedReader:
        """A new read-only, seekable binary stream over the content, with its own position; no copy."""
        return io.BufferedReader(_ViewReader(self._view), buffer_size=1 << 16)

    def close(self) -> None:
        """Unmap a mapped file (bytes in memory are left to the garbage collector). A reader still open
        (a decoder that outlived its stage) keeps the mapping alive until it is collected."""
        if isinstance(self._data, mmap.mmap):
            try:
                self._view.release()
                self._data.close()
            except BufferError:
                pass

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class _ViewReader(io.RawIOBase):
    """A raw stream over a memoryview: what Pillow, PyAV, exifread and c2pa read through."""

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view = view
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        end = min(len(self._view), self._position + len(buffer))
        count = max(0, end - self._position)
        buffer[:count] = self._view[self._position : self._position + count]
        self._position += count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position
