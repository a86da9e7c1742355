"""Safe copies: obscure chosen regions, strip metadata, and prove the copy clean by scanning it again.

    regions.py   what to obscure (ellipses, quads, boxes) and how (fill, pixelate, blur)
    strip.py     lossless metadata removal for JPEG / PNG / WebP, and the threat model
    still.py     one still image
    video.py     one video: every frame masked, tracked between detections
    verify.py    what a re-scanned copy still gives away
    paths.py     where copies go; refusing to write over inputs
    redactor.py  orchestration: inputs -> copies -> re-scan -> RedactionReport
"""

from media_screen.redact.options import KeepMetadata, RedactOptions, RedactStyle, RedactTarget, RescanScope
from media_screen.redact.redactor import Redactor, redact_paths, uncovered_kinds

__all__ = [
    "KeepMetadata",
    "RedactOptions",
    "RedactStyle",
    "RedactTarget",
    "Redactor",
    "RescanScope",
    "redact_paths",
    "uncovered_kinds",
]
