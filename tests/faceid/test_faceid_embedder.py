"""The embedding model for real, on photos that ship with installed packages."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from media_screen.config import load_profile
from media_screen.detectors.faces import FaceDetector
from media_screen.faceid.embedder import EMBEDDING_SIZE, FaceEmbedder
from media_screen.faceid.matching import Match, closest, distances
from media_screen.model import Frame
from media_screen.store.watchlist import Watchlist


@pytest.fixture(scope="module")
def faces():
    return FaceDetector.from_profile(load_profile())


@pytest.fixture(scope="module")
def embedder():
    return FaceEmbedder.from_installed()


@pytest.fixture(scope="module")
def threshold():
    return float(load_profile().detector_settings("protected")["threshold"])


def embed_largest(faces, embedder, pixels):
    found = faces.detect(Frame(np.ascontiguousarray(pixels)))
    face = max(found, key=lambda d: d.box.area)
    return embedder.embed(np.ascontiguousarray(pixels), face.box)


def test_an_embedding_is_128_finite_numbers_and_deterministic(faces, embedder, astronaut):
    first = embed_largest(faces, embedder, astronaut)
    assert first.shape == (EMBEDDING_SIZE,) and first.dtype == np.float32 and np.isfinite(first).all()
    np.testing.assert_allclose(embed_largest(faces, embedder, astronaut), first, atol=1e-6)


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p[:, ::-1],  # mirrored
        lambda p: cv2.resize(p, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA),  # face about 70 px
        lambda p: (p * 0.55).astype(np.uint8),  # darker
        lambda p: cv2.warpAffine(p, cv2.getRotationMatrix2D((256, 256), 15, 1.0), (512, 512)),  # tilted
        lambda p: cv2.imdecode(cv2.imencode(".jpg", p, [cv2.IMWRITE_JPEG_QUALITY, 30])[1], cv2.IMREAD_COLOR),
    ],
    ids=["mirrored", "smaller", "darker", "tilted", "jpeg-q30"],
)
def test_the_same_face_changed_stays_within_the_threshold(faces, embedder, threshold, astronaut, change):
    original = embed_largest(faces, embedder, astronaut)
    changed = embed_largest(faces, embedder, change(astronaut))
    assert float(distances(changed, original[None])[0]) < threshold


def test_different_people_are_beyond_the_threshold(faces, embedder, threshold, astronaut, hopper, two_men):
    found = [d for d in faces.detect(Frame(two_men)) if d.score >= 0.5]
    assert len(found) == 2
    vectors = [embed_largest(faces, embedder, astronaut), embed_largest(faces, embedder, hopper)]
    vectors += [embedder.embed(two_men, d.box) for d in found]
    for i in range(len(vectors)):
        for j in range(i + 1, len(vectors)):
            assert float(np.linalg.norm(vectors[i] - vectors[j])) > threshold, (i, j)


def test_closest_picks_the_nearest_enrolled_person():
    near, far = np.zeros(128, np.float32), np.full(128, 0.1, np.float32)
    watchlist = Watchlist("m").with_person("Far", np.stack([far])).with_person("Near", np.stack([near + 0.01, far]))
    match = closest(near, watchlist, threshold=0.5)
    assert match.name == "Near" and match.is_match and match.score > 0.5
    assert closest(near, Watchlist("m"), 0.5) is None


@pytest.mark.parametrize("distance, score", [(0.0, 1.0), (0.25, 0.75), (0.5, 0.5), (1.0, 0.0), (3.0, 0.0)])
def test_match_score_is_one_half_exactly_at_the_threshold(distance, score):
    assert Match("x", distance, 0.5).score == pytest.approx(score)
