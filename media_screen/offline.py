"""Keep every library offline. Imported first by the package, before ultralytics can be imported.

Ultralytics checks for updates, syncs analytics, downloads fonts and weights and
auto-installs packages unless told not to; these variables must be set before its
first import. Its settings file is kept under our own cache folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir

CACHE_DIR = Path(os.environ.get("MEDIA_SCREEN_CACHE_DIR") or user_cache_dir("media-screen"))


def configure() -> None:
    os.environ["YOLO_OFFLINE"] = "true"
    os.environ["YOLO_AUTOINSTALL"] = "false"
    os.environ.setdefault("YOLO_CONFIG_DIR", str(CACHE_DIR / "ultralytics"))
    os.environ.setdefault("YOLO_VERBOSE", "false")
    os.environ["HF_HUB_OFFLINE"] = "1"


configure()
