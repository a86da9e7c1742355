"""A test-only detector for the Ray fault tests: it kills its process the first time it sees pure blue.

The first sight leaves a marker file named after the picture's size (tests give each picture its own
size and remove the marker first), so the retry on the restarted actor screens the file normally.
"""

from __future__ import annotations

import os
from pathlib import Path

from fake_detectors import _Fake, _top_left_rgb

CRASH_ONCE_RGB = (0, 0, 255)
MARKER = Path(os.environ.get("TMPDIR", "/tmp")) / "media-screen-crash-once"


class CrashOnceDetector(_Fake):
    name = "crash_once"

    def detect(self, frame):
        if _top_left_rgb(frame) == CRASH_ONCE_RGB:
            marker = MARKER / str(frame.pixels.shape)
            if not marker.exists():
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
                os._exit(71)
        return ()
