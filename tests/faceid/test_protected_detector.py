"""Enrol a face, then find it (and only it) in other pictures; policy, size limit, fail-closed loading."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from media_screen.config import load_profile
from media_screen.detectors.protected import ProtectedFacesDetector, ProtectedSettings
from media_screen.errors import WatchlistError, WatchlistPassphraseError
from media_screen.faceid.embedder import model_info
from media_screen.faceid.enrolment import embed_enrolment_photos
from media_screen.model import Audience, DetectionKind, Frame, Metadata, Verdict
from media_screen.policy import evaluate, verdict_of
from media_screen.store import watchlist as store

from faceid_samples import profile_with_watchlist


@pytest.fixture
def enrolled(tmp_path, passphrase, astronaut_path):
    """A watchlist holding the astronaut as "Officer A", and a profile pointing at it."""
    path = tmp_path / "watchlist.bin"
    profile = profile_with_watchlist(path)
    photos = embed_enrolment_photos([astronaut_path], profile)
    watchlist = store.Watchlist(model_info().name).with_person("Officer A", np.stack([p.embedding for p in photos]))
    store.save(watchlist, path, passphrase)
    return profile


def scene(astronaut, hopper) -> np.ndarray:
    """The astronaut (mirrored, scaled) and Grace Hopper side by side on a grey background."""
    canvas = np.full((700, 1300, 3), 90, np.uint8)
    canvas[60:572, 40:552] = astronaut[:, ::-1]
    person = cv2.resize(hopper, None, fx=0.9, fy=0.9, interpolation=cv2.INTER_AREA)
    canvas[100 : 100 + person.shape[0], 700 : 700 + person.shape[1]] = person
    return canvas


def test_without_a_watchlist_the_detector_loads_nothing_and_finds_nothing(tmp_path, astronaut):
    detector = ProtectedFacesDetector.from_profile(profile_with_watchlist(tmp_path / "absent.bin"))
    assert not detector.active
    assert detector.detect(Frame(astronaut)) == ()


def test_the_enrolled_face_is_recognised_and_the_other_is_not(enrolled, astronaut, hopper):
    # given a scene with the enrolled astronaut on the left and Grace Hopper on the right
    frame = Frame(scene(astronaut, hopper), time_s=2.0)
    # when the protected detector looks at it
    found = ProtectedFacesDetector.from_profile(enrolled).detect(frame)
    # then exactly the astronaut is named, with distance and threshold as evidence
    recognised = [d for d in found if d.kind == DetectionKind.PROTECTED_PERSON]
    assert len(recognised) == 1
    match = recognised[0]
    assert match.label == "Officer A" and match.box.x2 < 600 and match.time_s == 2.0
    assert match.evidence["distance"] < match.evidence["threshold"] and 0.5 <= match.score <= 1.0
    assert set(match.evidence) == {"name", "distance", "threshold", "face_px"}  # no embedding in the report


@pytest.mark.parametrize(
    "audience, verdict",
    [(Audience.OFFICIAL, Verdict.DO_NOT_POST), (Audience.PERSONAL, Verdict.DO_NOT_POST), (Audience.COVERT, Verdict.REVIEW)],
)
def test_policy_blocks_official_and_personal_posts_and_asks_covert_to_review(enrolled, astronaut, hopper, audience, verdict):
    found = ProtectedFacesDetector.from_profile(enrolled).detect(Frame(scene(astronaut, hopper)))
    findings = [f for f in evaluate(Metadata(), found, audience, enrolled) if f.rule == "protected_person"]
    assert len(findings) == 1
    assert findings[0].message.startswith("protected person recognised: Officer A")
    assert findings[0].section.value == "B.10"
    assert verdict_of(findings) == verdict


def test_faces_below_the_measured_size_are_reported_as_too_small_to_check(enrolled, astronaut):
    settings = enrolled.detector_settings("protected")
    scale = (float(settings["min_face_px"]) - 6) / 120  # the astronaut's face is about 120 px tall
    small = cv2.resize(astronaut, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((400, 400, 3), 90, np.uint8)
    canvas[100 : 100 + small.shape[0], 100 : 100 + small.shape[1]] = small
    found = ProtectedFacesDetector.from_profile(enrolled).detect(Frame(canvas))
    assert [d.kind for d in found] == [DetectionKind.FACE_UNCHECKED]
    assert found[0].evidence["faces"] == 1
    findings = evaluate(Metadata(), found, Audience.PERSONAL, enrolled)
    assert any(f.rule == "face_unchecked" and "too small to check" in f.message for f in findings)


def test_an_encrypted_watchlist_without_its_passphrase_stops_loading(enrolled, monkeypatch):
    monkeypatch.delenv("MEDIA_SCREEN_WATCHLIST_PASSPHRASE")
    with pytest.raises(WatchlistPassphraseError, match="MEDIA_SCREEN_WATCHLIST_PASSPHRASE"):
        ProtectedFacesDetector.from_profile(enrolled)
    monkeypatch.setenv("MEDIA_SCREEN_WATCHLIST_PASSPHRASE", "wrong")
    with pytest.raises(WatchlistPassphraseError, match="does not open"):
        ProtectedFacesDetector.from_profile(enrolled)


def test_enrolment_refuses_photos_with_no_face_several_faces_or_a_tiny_face(tmp_path, astronaut, two_men_path):
    profile = load_profile()
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((300, 300, 3), 128, np.uint8))
    tiny = tmp_path / "tiny.png"
    cv2.imwrite(str(tiny), cv2.resize(astronaut, None, fx=0.2, fy=0.2, interpolation=cv2.INTER_AREA))
    with pytest.raises(WatchlistError) as refused:
        embed_enrolment_photos([blank, two_men_path, tiny, tmp_path / "missing.jpg"], profile)
    message = str(refused.value)
    assert "blank.png: no face found" in message
    assert "zidane.jpg: 2 faces" in message
    assert "tiny.png: the face is" in message
    assert "missing.jpg: cannot be read" in message


@pytest.mark.parametrize("face_px, expected", [(79.0, 0.549), (80.0, 0.52), (400.0, 0.52), (40.0, 0.549)])
def test_large_faces_are_matched_within_their_own_threshold(face_px, expected):
    # given the settings the built-in profile ships
    settings = ProtectedSettings.from_table(load_profile().detector_settings("protected"))
    # when a face of this height is matched, then its size picks the threshold
    assert settings.threshold_for(face_px) == pytest.approx(expected)


def test_without_a_large_face_threshold_every_face_has_the_one_threshold():
    settings = ProtectedSettings.from_table({"threshold": 0.5})
    assert settings.threshold_for(30.0) == settings.threshold_for(500.0) == 0.5
    with pytest.raises(ValueError):
        ProtectedSettings.from_table({"threshold": 0.5, "large_threshold": 2.5})


def test_a_recognised_face_reports_the_threshold_its_size_was_matched_at(enrolled, astronaut, hopper):
    # given the enrolled astronaut, whose face in the scene is over 80 px tall
    found = ProtectedFacesDetector.from_profile(enrolled).detect(Frame(scene(astronaut, hopper)))
    match = next(d for d in found if d.kind == DetectionKind.PROTECTED_PERSON)
    # then the evidence carries the large-face threshold
    assert match.evidence["face_px"] >= 80 and match.evidence["threshold"] == pytest.approx(0.52)
