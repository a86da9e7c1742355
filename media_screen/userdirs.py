"""Where media-screen keeps its own files: the result cache, the audit log and the approval register.

Read at call time (not import time) so that tests and other callers can point them
elsewhere with MEDIA_SCREEN_CACHE_DIR and MEDIA_SCREEN_DATA_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

APP_NAME = "media-screen"


def cache_dir() -> Path:
    """Disposable files (the result cache): `media-screen cache clear` may delete them."""
    return Path(os.environ.get("MEDIA_SCREEN_CACHE_DIR") or user_cache_dir(APP_NAME))


def data_dir() -> Path:
    """Records that must be kept (the audit log, the B.2 approval register)."""
    return Path(os.environ.get("MEDIA_SCREEN_DATA_DIR") or user_data_dir(APP_NAME))
