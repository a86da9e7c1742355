"""Which files a scan screens: every file named on the command line, and the media found in folders.

A folder holds more than photos and videos: an iPhone export's `.AAE` sidecars, a camera card's
`.XML` clips index, a README or a note. A file found by walking a folder is *skipped* (listed as
such, never given a verdict) when both say it is not media:

* its name has no photo or video extension (`MEDIA_EXTENSIONS`, compared case-insensitively), and
* its first bytes are no format we analyse (media.probe_bytes) and no photo or video format we do
  not analyse (`OTHER_MEDIA_SIGNATURES`: GIF, BMP, raw files, JPEG 2000 / XL, MPEG-PS, FLV, ASF).

Everything else is screened and fails closed: a file named on the command line, a `.jpg` that holds
text, a GIF under any name, an empty or unreadable file, a FIFO or device (never opened here) all
become ERROR reports.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from media_screen.errors import UnsupportedMediaError
from media_screen.inputs.source import HEADER_BYTES, probe_bytes

MEDIA_EXTENSIONS = frozenset(
    # stills we analyse, and stills we do not (they still claim to be photos: ERROR, not skipped)
    "jpg jpeg jpe jfif jif png apng webp tif tiff heic heics heif hif avif gif bmp dib jp2 j2k jpf jpx jxl psd"
    # camera raw
    " dng cr2 cr3 crw nef nrw arw srf sr2 orf rw2 raf pef srw x3f 3fr erf kdc mrw raw rwl iiq"
    # video
    " mp4 m4v mov qt 3gp 3g2 avi mkv webm mts m2ts ts mpg mpeg mpe m2v vob wmv asf flv f4v ogv mxf dv".split()
)

# (offset, bytes) of photo and video formats media.probe_bytes does not accept.
OTHER_MEDIA_SIGNATURES = (
    (0, b"GIF87a"),
    (0, b"GIF89a"),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n"),  # JPEG 2000 (JP2)
    (0, b"\xff\x4f\xff\x51"),  # JPEG 2000 codestream
    (0, b"\x00\x00\x00\x0cJXL \r\n\x87\n"),  # JPEG XL container
    (0, b"\xff\x0a"),  # JPEG XL codestream
    (0, b"8BPS"),  # Photoshop
    (0, b"II\x1a\x00\x00\x00HEAPCCDR"),  # Canon CRW
    (0, b"FUJIFILMCCD-RAW"),
    (0, b"IIRO"),  # Olympus ORF
    (0, b"IIU\x00"),  # Panasonic RW2
    (0, b"FOVb"),  # Sigma X3F
    (0, b"\x00\x00\x01\xba"),  # MPEG program stream (VOB, MPG)
    (0, b"\x00\x00\x01\xb3"),  # MPEG video elementary stream
    (0, b"FLV\x01"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"),  # ASF (WMV)
)
_BMP_HEADER_SIZES = (12, 40, 52, 56, 64, 108, 124)


@dataclass(frozen=True)
class Inputs:
    """The files to screen, in order, and the files found in folders that are not photos or videos."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def collect_inputs(paths: Iterable[Path], include_hidden: bool = False) -> Inputs:
    """Files named directly, then every file under each folder, sorted; walked non-media is set aside."""
    inputs = Inputs()
    for path, walked in iter_inputs(paths, include_hidden):
        if walked and is_not_media(path):
            inputs.skipped.append(path)
        else:
            inputs.files.append(path)
    return inputs


def iter_inputs(paths: Iterable[Path], include_hidden: bool = False) -> Iterator[tuple[Path, bool]]:
    """(path, found by walking a folder) for every file named or under a folder named; symlink loops are safe."""
    for path in paths:
        if path.is_dir():
            for found in _walk(path, include_hidden):
                yield found, True
        else:
            yield path, False  # missing or special files become ERROR reports downstream


def iter_media_paths(paths: Iterable[Path], include_hidden: bool = False) -> Iterator[Path]:
    """Every file named or under a folder named, skipped or not (see collect_inputs for the split)."""
    for path, _walked in iter_inputs(paths, include_hidden):
        yield path


def _walk(root: Path, include_hidden: bool) -> Iterator[Path]:
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            info = os.stat(dirpath)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in seen_dirs:
            dirnames[:] = []  # a symlink loop or a second link to a folder already walked
            continue
        seen_dirs.add((info.st_dev, info.st_ino))
        dirnames[:] = sorted(d for d in dirnames if include_hidden or not d.startswith("."))
        for name in sorted(filenames):
            if include_hidden or not name.startswith("."):
                yield Path(dirpath) / name


def has_media_extension(path: Path) -> bool:
    return path.suffix[1:].lower() in MEDIA_EXTENSIONS


def is_not_media(path: Path) -> bool:
    """True when neither the name nor the first bytes of a regular file say photo or video.

    Anything that cannot be told (not a regular file, unreadable) is False: it is screened, and fails.
    """
    if has_media_extension(path):
        return False
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False  # a FIFO would block on open; devices and sockets are reported, not read
        with open(path, "rb") as handle:
            head = handle.read(HEADER_BYTES)
    except OSError:
        return False
    return not looks_like_media(head)


def looks_like_media(head: bytes) -> bool:
    """Whether the first bytes are a photo or video format, analysed by media-screen or not."""
    try:
        probe_bytes(head)
        return True
    except UnsupportedMediaError:
        pass
    if any(head[offset : offset + len(magic)] == magic for offset, magic in OTHER_MEDIA_SIGNATURES):
        return True
    return head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES
