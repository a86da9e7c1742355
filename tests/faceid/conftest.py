"""Faces for recognition tests, from photos that ship inside installed packages (never from ../shared).

* the astronaut (Eileen Collins): scikit-image's data folder (a dev dependency);
* Grace Hopper: matplotlib's sample data (installed with ultralytics);
* two men in one photo (zidane.jpg): ultralytics' assets.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faceid_samples import PASSPHRASE, package_file, read


@pytest.fixture(scope="session")
def astronaut_path() -> Path:
    return package_file("skimage", "data/astronaut.png")


@pytest.fixture(scope="session")
def hopper_path() -> Path:
    return package_file("matplotlib", "mpl-data/sample_data/grace_hopper.jpg")


@pytest.fixture(scope="session")
def two_men_path() -> Path:
    return package_file("ultralytics", "assets/zidane.jpg")


@pytest.fixture(scope="session")
def astronaut(astronaut_path) -> np.ndarray:
    return read(astronaut_path)


@pytest.fixture(scope="session")
def hopper(hopper_path) -> np.ndarray:
    return read(hopper_path)


@pytest.fixture(scope="session")
def two_men(two_men_path) -> np.ndarray:
    return read(two_men_path)


@pytest.fixture
def passphrase(monkeypatch) -> bytes:
    monkeypatch.setenv("MEDIA_SCREEN_WATCHLIST_PASSPHRASE", PASSPHRASE)
    return PASSPHRASE.encode()
