"""Fixtures for detector tests: real pictures as BGR arrays and frames (see detector_samples.py)."""

from __future__ import annotations

import numpy as np
import pytest

import detector_samples
from media_screen.model import Frame


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return detector_samples.astronaut()


@pytest.fixture(scope="session")
def astronaut_frame(astronaut) -> Frame:
    return Frame(pixels=astronaut)


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    return detector_samples.coffee()
