"""The insignia detector: enrolled marks found in perspective on real photos, and nothing on photos without them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from media_screen.config import parse_profile
from media_screen.detectors.insignia import InsigniaDetector, _angle_apart, _turn_hypotheses
from media_screen.errors import ModelUnavailableError
from media_screen.model import DetectionKind, Frame

PATCH = "Concord PD shoulder patch"


def warped_onto(background: np.ndarray, mark_path, quad) -> np.ndarray:
    """The reference image (BGRA) warped onto `quad` of a copy of `background`, a little blurred."""
    mark = cv2.imread(str(mark_path), cv2.IMREAD_UNCHANGED)
    h, w = mark.shape[:2]
    homography = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), np.float32(quad))
    size = (background.shape[1], background.shape[0])
    warped = cv2.warpPerspective(mark, homography, size, flags=cv2.INTER_AREA, borderValue=(0, 0, 0, 0))
    alpha = cv2.GaussianBlur(warped[:, :, 3:].astype(np.float32) / 255, (0, 0), 0.8)[:, :, None]
    colour = cv2.GaussianBlur(warped[:, :, :3].astype(np.float32) * 0.85, (0, 0), 0.8)  # in shade
    return (background * (1 - alpha) + colour * alpha).clip(0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def insignia(profile) -> InsigniaDetector:
    return InsigniaDetector.from_profile(profile)


def test_a_patch_warped_onto_a_photo_is_found_with_its_reference_and_outline(insignia, profile, coffee):
    # given the enrolled shoulder patch seen at an angle, about 150 px tall, on the coffee photo
    quad = [(330, 90), (450, 110), (440, 250), (320, 235)]
    frame = Frame(warped_onto(coffee, profile.resolve("assets/references/patch.png"), quad))
    # when the insignia detector looks
    found = insignia.detect(frame)
    # then exactly the patch is reported, as a PATCH, where it was put, with enough agreeing keypoints
    assert [d.evidence["reference"] for d in found] == [PATCH]
    detection = found[0]
    assert detection.kind == DetectionKind.PATCH and detection.score > 0.8
    assert detection.evidence["inliers"] >= 20
    corners = np.array(detection.evidence["quad"])
    assert np.abs(corners - np.array(quad)).max() < 12  # within a few pixels of where it was pasted
    assert detection.box.x1 >= 300 and detection.box.x2 <= 470


def test_photos_without_enrolled_marks_give_nothing(insignia, astronaut, coffee):
    # the astronaut wears real mission patches: not enrolled, so not reported
    assert insignia.detect(Frame(astronaut)) == ()
    assert insignia.detect(Frame(coffee)) == ()


def test_a_mirrored_mark_is_found_by_its_mirrored_reference(insignia, profile, coffee):
    # given the patch pasted mirrored left to right, as a mirror selfie shows it: its mirrored text matches
    # nothing of the patch as enrolled, and SIFT finds only its symmetric stars and seal agreeing
    quad = [(450, 110), (330, 90), (320, 235), (440, 250)]
    frame = Frame(warped_onto(coffee, profile.resolve("assets/references/patch.png"), quad))
    # when the insignia detector looks
    found = [d for d in insignia.detect(frame) if d.evidence["reference"] == PATCH]
    # then the patch is found surely, said to be seen mirrored, and not as the patch as enrolled
    assert [(d.evidence.get("mirrored"), d.label.endswith("(seen mirrored)")) for d in found] == [(True, True)]
    assert found[0].score > 0.8 and 320 <= found[0].box.x1 and found[0].box.x2 <= 455


def test_hate_symbols_are_never_enrolled_mirrored(insignia):
    # a mirrored swastika is the religious sign, not the Nazi one
    mirrored = {r.kind for r in insignia.references if r.mirrored}
    assert mirrored and DetectionKind.HATE_SYMBOL not in mirrored


def test_a_scene_that_shares_only_the_seals_picture_is_not_the_patch(insignia):
    # given the drawn landscape sample (hills, sun, sky): the patch's seal draws the same things, and
    # enough keypoints agree on a sane outline, but the rest of the patch is not there
    landscape = cv2.imread(str(Path(__file__).parents[2] / "sample_media" / "metadata" / "gps_exif.jpg"))
    # when the insignia detector looks, then the appearance check rejects it
    assert insignia.detect(Frame(landscape)) == ()


def test_a_badly_lit_blurred_patch_still_looks_like_the_patch(insignia, profile, coffee):
    # given the patch in perspective, darkened with a gamma of 1.8, blurred and saved as a poor JPEG
    quad = [(330, 90), (450, 110), (440, 250), (320, 235)]
    image = warped_onto(coffee, profile.resolve("assets/references/patch.png"), quad).astype(np.float32)
    image = cv2.GaussianBlur(255 * (image / 255) ** 1.8, (5, 5), 0).astype(np.uint8)
    image = cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 40])[1], cv2.IMREAD_COLOR)
    # when the insignia detector looks, then it still finds the patch
    assert [d.evidence["reference"] for d in insignia.detect(Frame(image))] == [PATCH]


def test_score_is_calibrated_from_inlier_count(insignia):
    minimum = insignia.settings["min_inliers"]
    assert insignia.score(minimum) == pytest.approx(0.6)
    assert insignia.score(2 * minimum) == pytest.approx(0.95)
    assert insignia.score(5 * minimum) <= 1.0


def test_a_missing_reference_file_names_the_file(tmp_path):
    text = '[[detectors.insignia.references]]\nname = "logo"\nkind = "logo"\npath = "missing.png"\n'
    profile = parse_profile(text, tmp_path)
    info = InsigniaDetector.describe(profile)
    assert not info.available and "missing.png" in info.problem
    with pytest.raises(ModelUnavailableError, match="missing.png"):
        InsigniaDetector.from_profile(profile)


def test_marks_sharing_a_seal_are_reported_once_as_the_stronger_match(insignia):
    # given the marked-car sample blown up to 12 MP: the door decal's seal is also on the patch
    car = cv2.imread(str(Path(__file__).resolve().parents[2] / "sample_media" / "detectors" / "marked_car.jpg"))
    frame = Frame(cv2.resize(car, (4032, 3024), interpolation=cv2.INTER_CUBIC))
    # when the insignia detector looks, then only the decal is reported for that place
    assert [d.evidence["reference"] for d in insignia.detect(frame)] == ["Concord PD door decal"]


def test_the_turns_of_a_symmetric_marks_matches_are_told_apart():
    # given the turns (frame minus reference keypoint orientation) of a four-fold mark's matches, seen turned
    # 30 degrees: its corners matched every twin, so the turns gather at 30, 120, 210 and 300 degrees, 10 to 25
    # matches each, with 60 stray matches spread all round
    rng = np.random.default_rng(0)
    gathered = [(turn + rng.normal(0, 5, count)) % 360 for turn, count in ((30, 25), (120, 20), (210, 15), (300, 10))]
    turns = np.concatenate([*gathered, rng.uniform(0, 360, 60)])
    # when the turns the matches agree on are looked for
    found = _turn_hypotheses(turns, minimum=12, most=4)
    # then each of the four, the best supported first, each within a few degrees
    assert len(found) == 4
    assert np.all(_angle_apart(np.array(found), np.array([30, 120, 210, 300])) <= 4)


def test_stray_matches_agree_on_no_turn():
    # given 40 matches turned every which way, when turns are looked for, then none is supported enough
    turns = np.random.default_rng(1).uniform(0, 360, 40)
    assert _turn_hypotheses(turns, minimum=12, most=4) == []


def test_a_collapsed_homography_is_refused(insignia):
    # given a pose that maps the whole reference onto a line (the collapse RANSAC settled on when a symmetric
    # mark's corners all matched their twins)
    reference = insignia.references[0]
    collapsed = np.float64([[1.0, 1.0, 100.0], [1.0, 1.0, 100.0], [0.0, 0.0, 1.0]])
    quad = cv2.perspectiveTransform(reference.outline.reshape(-1, 1, 2), collapsed).reshape(-1, 2)
    # when its outline is checked, then it is not a view of a flat mark, however spread its inliers
    assert not insignia._sane(quad, reference, reference.points, (1000, 1000))
    # and the mark's own pose is
    assert insignia._sane(reference.outline + 50, reference, reference.points, (1000, 1000))
