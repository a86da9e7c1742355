"""The text a file will be posted with: its name, `scan --caption TEXT` and a sidecar FILE.caption.txt.

All are screened with the file (GO 07.08 A.4.b statements about guilt, B.7, B.5 and the
other text rules; see policy.py). A sidecar is read as UTF-8, at most CAPTION_BYTES of it.
"""

from __future__ import annotations

from pathlib import Path

from media_screen.config import ScanOptions
from media_screen.sanitize import clean_text

SIDECAR_SUFFIX = ".caption.txt"
CAPTION_BYTES = 64 << 10
CAPTION_CHARS = 4000


def sidecar_path(path: Path) -> Path:
    """photo.jpg -> photo.jpg.caption.txt"""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def captions_for(path: str | Path, options: ScanOptions) -> tuple[tuple[str, str], ...]:
    """(source, text) of the captions for one file: the --caption text, then its sidecar if there is one."""
    captions = []
    if options.caption and options.caption.strip():
        captions.append(("caption (--caption)", clean_text(options.caption, CAPTION_CHARS)))
    sidecar = sidecar_path(Path(path))
    try:
        with open(sidecar, "rb") as handle:
            text = handle.read(CAPTION_BYTES).decode("utf-8", errors="replace")
    except OSError:  # no sidecar (the usual case), or one that cannot be read: the file is screened without it
        text = ""
    if text.strip():
        captions.append((f"caption ({sidecar.name})", clean_text(text, CAPTION_CHARS)))
    return tuple(captions)


def posted_texts(path: str | Path, options: ScanOptions) -> tuple[tuple[str, str], ...]:
    """(source, text) of what is posted with one file: its name (an attachment, a download or a web page may show
    it; camera names such as IMG_20240612_093112 match no rule), then its captions (captions_for)."""
    name = Path(path).stem.replace("_", " ")
    named = (("file name", clean_text(name, CAPTION_CHARS)),) if name.strip() else ()
    return named + captions_for(path, options)

