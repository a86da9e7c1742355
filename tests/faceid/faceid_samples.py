"""Helpers for the face recognition tests: installed packages' photos, and a profile with its own watchlist."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

from media_screen.config import load_profile, parse_profile

PASSPHRASE = "test passphrase, not a secret"


def package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{package} is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        pytest.skip(f"{package} does not ship {relative}")
    return path


def read(path: Path) -> np.ndarray:
    pixels = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert pixels is not None, path
    return pixels


def profile_with_watchlist(path: Path):
    """The built-in profile with its [detectors.protected] watchlist moved to `path`."""
    base = load_profile()
    text = (Path(str(base.base_dir)) / "default_profile.toml").read_text("utf-8")
    assert '\nwatchlist = ""\n' in text
    return parse_profile(text.replace('\nwatchlist = ""\n', f"\nwatchlist = {str(path)!r}\n"), base.base_dir)
