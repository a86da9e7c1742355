"""The built-in enrolled marks come described with the package; anything else is described at load."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from media_screen.config import load_profile
from media_screen.detectors import described_marks, insignia


def built_in_references(mirrored: bool = False):
    """(side, [(name, path, bytes)]) of the built-in references (with `mirrored`, those also enrolled mirrored)."""
    profile = load_profile()
    side = int(insignia.settings_of(profile)["reference_side"])
    return side, [(name, path, path.read_bytes()) for name, kind, path, _ in insignia._reference_entries(profile)
                  if not (mirrored and kind in insignia.NOT_MIRRORED)]


@pytest.fixture
def fresh_store(monkeypatch):
    """Forget the shipped descriptions read so far, so the next lookup reads DESCRIBED again."""
    monkeypatch.setattr(described_marks, "_shipped", None)
    return monkeypatch


@pytest.mark.parametrize("mirrored", [False, True], ids=["as enrolled", "mirrored"])
def test_every_built_in_mark_is_shipped_as_it_is_described_here(mirrored):
    # given the built-in profile's references (or their mirror images), and the methods the shipped file holds
    side, references = built_in_references(mirrored)
    method = insignia.MIRRORED_METHOD if mirrored else insignia.METHOD
    methods = {key.split("|")[0] for key in described_marks._read(described_marks.DESCRIBED)}
    if methods and method not in methods:
        pytest.skip(f"the shipped descriptions were made by {sorted(methods)}, not {method}: this "
                    "OpenCV describes the marks at load (run scripts/describe_references.py to ship them)")
    for name, path, data in references:
        # when one is looked up, and described afresh
        shipped = described_marks.lookup(hashlib.sha256(data).hexdigest(), side, method)
        fresh = insignia.describe_image(data, side, name, path, mirrored)
        # then it is shipped (else: run scripts/describe_references.py), with the same keypoints and descriptors
        # (to the last bit on the machine that made them; a few rounding steps elsewhere)
        assert shipped is not None, f"{name} is not in {described_marks.DESCRIBED}: run scripts/describe_references.py"
        assert abs(len(shipped["points"]) - len(fresh["points"])) <= 0.01 * len(fresh["points"])
        same_place = np.abs(shipped["points"][:, None, :] - fresh["points"][None, :, :]).max(axis=2) < 0.05
        nearest = same_place.argmax(axis=1)
        matched = same_place.any(axis=1)
        assert matched.mean() >= 0.99
        difference = np.abs(shipped["descriptors"][matched] - fresh["descriptors"][nearest[matched]])
        assert np.median(difference.max(axis=1)) <= 1.0
        np.testing.assert_array_equal(shipped["outline"], fresh["outline"])
        np.testing.assert_array_equal(shipped["template_mask"], fresh["template_mask"])
        np.testing.assert_allclose(shipped["template"], fresh["template"], atol=1.0)


def test_a_mark_the_file_does_not_hold_is_not_found():
    # given an image the package never described, and a built-in one asked for at another side or method
    side, references = built_in_references()
    sha = hashlib.sha256(references[0][2]).hexdigest()
    # then nothing is found for them: they are described at load
    assert described_marks.lookup(hashlib.sha256(b"a department's own mark").hexdigest(), side, insignia.METHOD) is None
    assert described_marks.lookup(sha, side + 1, insignia.METHOD) is None
    assert described_marks.lookup(sha, side, "OpenCV 0.0 SIFT, reference description 1") is None


def test_descriptions_written_are_read_back_as_they_were(fresh_store, tmp_path):
    # given a description written to a file of its own
    side, references = built_in_references()
    name, path, data = references[0]
    sha = hashlib.sha256(data).hexdigest()
    described = insignia.describe_image(data, side, name, path)
    target = tmp_path / "described.npz"
    described_marks.write(target, {("method A", sha, side): described})
    fresh_store.setattr(described_marks, "DESCRIBED", target)
    # when it is looked up by the method that made it, and by another
    found = described_marks.lookup(sha, side, "method A")
    # then every field comes back equal; another method finds nothing
    assert found is not None and set(found) == set(described_marks.FIELDS)
    for field in described_marks.FIELDS:
        np.testing.assert_array_equal(found[field], described[field])
    assert described_marks.lookup(sha, side, "method B") is None


def damaged(kind: str, target, sha: str, side: int, described: dict) -> None:
    """Write the file `kind` of damaged: absent, empty, not a zip, a member that does not inflate, a field
    of the wrong shape."""
    if kind in ("empty", "not a zip"):
        target.write_bytes(b"" if kind == "empty" else b"PK\x03\x04 not really a zip")
    elif kind == "bad member":
        described_marks.write(target, {(insignia.METHOD, sha, side): described})
        data = bytearray(target.read_bytes())
        data[200:260] = bytes(60)  # inside the first member's compressed bytes
        target.write_bytes(bytes(data))
    elif kind == "wrong shape":
        described_marks.write(target, {(insignia.METHOD, sha, side): {**described, "descriptors": np.zeros((3, 64))}})


@pytest.mark.parametrize("kind", ["missing", "empty", "not a zip", "bad member", "wrong shape"])
def test_a_missing_or_damaged_file_means_describing_at_load(fresh_store, tmp_path, kind):
    # given the shipped file missing or damaged
    side, references = built_in_references()
    name, path, data = references[0]
    target = tmp_path / "described.npz"
    damaged(kind, target, hashlib.sha256(data).hexdigest(), side, insignia.describe_image(data, side, name, path))
    fresh_store.setattr(described_marks, "DESCRIBED", target)
    # when a built-in mark is looked up
    found = described_marks.lookup(hashlib.sha256(data).hexdigest(), side, insignia.METHOD)
    # then nothing is found and nothing is raised: the detector describes it as before
    assert found is None
    fresh_store.setattr(insignia, "_references", {})
    reference = insignia._reference(name, "patch", path, side)
    assert len(reference.points) >= insignia.DEFAULTS["min_inliers"]


def test_a_description_holds_every_field_of_a_reference_but_its_names_and_symmetry():
    import dataclasses

    given_by_the_profile = {"name", "kind", "path", "sha256", "symmetry", "mirrored"}
    assert set(described_marks.FIELDS) == {f.name for f in dataclasses.fields(insignia.Reference)} - given_by_the_profile
