"""bench/insignia_features.py: the feature swap keeps the detector's pipeline, and its Hamming matcher is exact."""

from __future__ import annotations

import numpy as np
import pytest

from media_screen.detectors.insignia import InsigniaDetector
from media_screen.model import Frame
from tests.detectors.test_insignia import PATCH, warped_onto
from tests.repo_scripts import repo_script

QUAD = [(330, 90), (450, 110), (440, 250), (320, 235)]


@pytest.fixture(scope="module")
def bench():
    return repo_script("bench/insignia_features.py")


@pytest.fixture(scope="module")
def patched_coffee(profile, coffee) -> Frame:
    return Frame(warped_onto(coffee, profile.resolve("assets/references/patch.png"), QUAD))


def test_the_sift_variant_reports_what_the_shipped_detector_reports(bench, profile, patched_coffee):
    # given the shipped detector and the bench's SIFT variant over the same references and settings
    shipped = InsigniaDetector.from_profile(profile)
    variant = bench.FeaturesDetector(shipped.references, shipped.settings, bench.VARIANTS["sift"])
    # when both look at the patch warped onto a photo
    expected = shipped.detect(patched_coffee)
    found = variant.detect(patched_coffee)
    # then the findings are the same: only the features are the bench's
    assert [d.evidence["reference"] for d in found] == [PATCH]
    assert [(d.evidence["reference"], d.evidence["inliers"], d.box) for d in found] == [
        (d.evidence["reference"], d.evidence["inliers"], d.box) for d in expected]


def test_binary_references_are_described_at_each_size_and_find_a_large_mark(bench, profile, patched_coffee):
    # given the shipped references described again by ORB
    shipped = InsigniaDetector.from_profile(profile)
    references = bench.binary_references(shipped.references, bench.VARIANTS["orb"])
    # then each mark is described at up to three sizes, in binary descriptors, with its outline at that size
    patches = [r for r in references if r.name == PATCH]
    assert 1 <= len(patches) <= len(bench.BINARY_REFERENCE_SIDES)
    assert all(r.descriptors.dtype == np.uint8 and len(r.points) == len(r.descriptors) for r in patches)
    assert max(r.outline[:, 0].max() - r.outline[:, 0].min() for r in patches) > 2 * min(
        r.outline[:, 0].max() - r.outline[:, 0].min() for r in patches)
    # when the ORB variant looks at the patch 150 px tall
    found = bench.FeaturesDetector(references, shipped.settings, bench.VARIANTS["orb"]).detect(patched_coffee)
    # then it finds it where it was put
    assert [d.evidence["reference"] for d in found] == [PATCH]
    assert found[0].box.x1 >= 300 and found[0].box.x2 <= 470


def test_the_hamming_matcher_returns_each_querys_nearest_in_order(bench):
    # given random 32-byte binary descriptors
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, size=(200, 32), dtype=np.uint8)
    query = rng.integers(0, 256, size=(15, 32), dtype=np.uint8)
    # when each query's three nearest frame descriptors are asked for
    nearest = bench.HammingDescriptors(frame).nearest(query, k=3)
    # then they are the three smallest Hamming distances, nearest first
    bits = np.unpackbits(query[:, None, :] ^ frame[None, :, :], axis=2).sum(axis=2)
    for q, matches in enumerate(nearest):
        assert [m.queryIdx for m in matches] == [q] * 3
        assert [m.distance for m in matches] == sorted(np.sort(bits[q])[:3].tolist())
        assert all(bits[q, m.trainIdx] == m.distance for m in matches)
