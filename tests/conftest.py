"""Shared fixtures. Caches and data folders go to a temporary place so tests never touch the user's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_EVAL = REPO.parent / "shared" / "eval"


@pytest.fixture(autouse=True, scope="session")
def _private_dirs(tmp_path_factory):
    base = tmp_path_factory.mktemp("media-screen-home")
    os.environ.setdefault("MEDIA_SCREEN_CACHE_DIR", str(base / "cache"))
    os.environ.setdefault("MEDIA_SCREEN_DATA_DIR", str(base / "data"))
    yield


@pytest.fixture(scope="session")
def profile():
    from media_screen.config import load_profile

    return load_profile()
