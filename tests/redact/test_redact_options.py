"""What redaction selects (media_screen/redact/options.py): kinds per target, audience, thresholds."""

from __future__ import annotations

import pytest

from media_screen.model import Box, Detection, DetectionKind
from media_screen.redact import RedactOptions


def detection(kind: DetectionKind, score: float = 0.8) -> Detection:
    return Detection(kind, kind.value, score, Box(10, 10, 60, 120), "police_items")


@pytest.mark.parametrize(("audience", "masked"), [("covert", True), ("personal", False), ("official", False)])
def test_the_people_of_an_officer_scene_are_masked_for_a_covert_officer_only(profile, audience, masked):
    # given a person in a frame the police head calls an officer scene, and the default targets
    options = RedactOptions(audience=audience)
    # when redaction decides what to mask, then only a covert officer's copy masks that person
    assert options.selects(detection(DetectionKind.PERSON_IN_POLICE_SCENE), profile) is masked
    # while an officer the head singled out is masked for everyone
    assert options.selects(detection(DetectionKind.POLICE_OFFICER), profile)


def test_officers_are_masked_from_the_redaction_share_of_their_threshold(profile):
    options = RedactOptions(targets={"officers"})
    assert options.selects(detection(DetectionKind.POLICE_OFFICER, 0.36), profile)
    assert not options.selects(detection(DetectionKind.POLICE_OFFICER, 0.34), profile)
    assert not RedactOptions(targets={"faces"}).selects(detection(DetectionKind.POLICE_OFFICER), profile)
