"""Safe copies: obscure chosen regions, strip metadata, and prove the copy clean by scanning it again.

    options.py   what one run may do (targets, style, metadata kept, rounds, re-scan scope), as one object
    regions.py   what to obscure (ellipses, quads, boxes) and how (fill, pixelate, blur)
    recheck.py   looking again only around the obscured regions of a frame
    strip.py     lossless metadata removal for JPEG / PNG / WebP, and the threat model
    still.py     one still image
    video.py     one video: every frame masked, tracked between detections
    follow.py    following, through a video, an object a re-scan still found
    writer.py    encoding a video copy on a thread of its own
    verify.py    what a re-scanned copy still gives away
    paths.py     where copies go; refusing to write over inputs
    redactor.py  orchestration: inputs -> copies -> re-scan -> RedactionReport
"""

from media_screen.redact.options import KeepMetadata, RedactOptions, RedactStyle, RedactTarget, RescanScope
from media_screen.redact.paths import plan_copies
from media_screen.redact.redactor import Redactor, redact_paths, uncovered_targets

__all__ = [
    "KeepMetadata",
    "RedactOptions",
    "RedactStyle",
    "RedactTarget",
    "Redactor",
    "RescanScope",
    "plan_copies",
    "redact_paths",
    "uncovered_targets",
]
