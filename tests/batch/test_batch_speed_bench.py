"""bench/batch_speed.py's adjusted profile: what a setting or a subset of detectors costs, measured on the built-in profile."""

from __future__ import annotations

import pytest

from media_screen.config import load_profile
from tests.repo_scripts import repo_script


@pytest.fixture(scope="module")
def bench():
    return repo_script("bench/batch_speed.py")


def test_a_set_value_replaces_its_line_and_leaves_the_rest(bench):
    # given the built-in profile's face settings
    shipped = load_profile().detector_settings("faces")
    # when the bench adjusts two of them
    adjusted = bench.adjusted_profile(["published_min_face_px=24", "published_search_face_px = 16"])
    # then those two take the new values and every other setting is the built-in one
    faces = adjusted.detector_settings("faces")
    assert (faces["published_min_face_px"], faces["published_search_face_px"]) == (24, 16)
    assert {k: v for k, v in faces.items() if not k.startswith("published_")} == {
        k: v for k, v in shipped.items() if not k.startswith("published_")}
    assert adjusted.digest != load_profile().digest  # the cache keys on it, so no result is reused across


def test_a_key_the_profile_lacks_is_refused(bench):
    # given a key with no line of its own in the built-in profile
    # when the bench is asked to set it, then it stops and names the setting
    with pytest.raises(SystemExit, match="no_such_setting"):
        bench.adjusted_profile(["no_such_setting=3"])
