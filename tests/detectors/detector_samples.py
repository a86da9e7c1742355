"""Real public-domain pictures shipped with scikit-image, as BGR arrays, for detector tests."""

from __future__ import annotations

import numpy as np

# Eileen Collins' face in skimage.data.astronaut() (512 x 512), measured by hand on the picture:
# hairline to chin, ear to ear (x1, y1, x2, y2).
ASTRONAUT_FACE = (180, 60, 272, 182)


def bgr(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rgb[:, :, ::-1])


def astronaut() -> np.ndarray:
    """NASA portrait of an astronaut in uniform with mission patches (public domain)."""
    from skimage import data

    return bgr(data.astronaut())


def coffee() -> np.ndarray:
    """A cup of coffee on a table (public domain): a real photo without faces."""
    from skimage import data

    return bgr(data.coffee())
