"""YuNet (yunet.py) and the faces detector's search with it at a platform's size (issue 13)."""

from __future__ import annotations

import dataclasses
import sys

import cv2
import numpy as np
import pytest

from detector_samples import ASTRONAUT_FACE
from media_screen.config import PublishTarget
from media_screen.detectors.faces import FaceDetector, FaceSettings, SearchNetwork, plan_passes
from media_screen.errors import ModelUnavailableError, ProfileError
from media_screen.model import Box, Frame

pytest.importorskip("yuface")

from media_screen.detectors.yunet import YuNetNet  # noqa: E402


@pytest.fixture(scope="module")
def yunet() -> YuNetNet:
    return YuNetNet()


@pytest.fixture(scope="module")
def choosing_yunet(profile):
    """The default profile with `published_search_network = "yunet"` in [detectors.faces]."""
    faces = {**profile.raw["detectors"]["faces"], "published_search_network": "yunet"}
    return dataclasses.replace(profile, raw={**profile.raw, "detectors": {**profile.raw["detectors"], "faces": faces}})


@pytest.fixture(scope="module")
def published(choosing_yunet) -> FaceDetector:
    return FaceDetector.from_profile(choosing_yunet.analysed_for(PublishTarget.FACEBOOK))


def _pasted_faces(astronaut, background, size, places, face_px):
    """`background` resized to `size` with the astronaut's head pasted so her face is `face_px` tall at each
    of `places` (top-left corners of the pasted head); (pixels, the face boxes)."""
    x1, y1, x2, y2 = ASTRONAUT_FACE
    factor = face_px / (y2 - y1)
    head = cv2.resize(astronaut[y1 - 40 : y2 + 40, x1 - 40 : x2 + 40], None, fx=factor, fy=factor,
                      interpolation=cv2.INTER_AREA)
    canvas = cv2.resize(background, size, interpolation=cv2.INTER_LINEAR)
    boxes = []
    for left, top in places:
        canvas[top : top + head.shape[0], left : left + head.shape[1]] = head
        margin = 40 * factor
        boxes.append(Box(left + margin, top + margin, left + margin + (x2 - x1) * factor,
                         top + margin + (y2 - y1) * factor))
    return canvas, boxes


def test_yunet_finds_the_astronauts_face_with_its_points_in_centerfaces_order(yunet, astronaut):
    # when YuNet looks at the NASA portrait
    found = yunet(astronaut, 0.5)
    # then one face, on hers, scored in 0..1, with the eye and mouth corner on the image's left first
    assert len(found) == 1
    box = Box(*(float(v) for v in found.boxes[0]))
    assert box.iou(Box(*ASTRONAUT_FACE)) > 0.5
    assert 0.5 <= found.scores[0] <= 1.0
    left_eye, right_eye, nose, mouth_left, mouth_right = found.landmarks[0]
    assert left_eye[0] < nose[0] < right_eye[0] and mouth_left[0] < mouth_right[0]
    assert max(left_eye[1], right_eye[1]) < nose[1] < min(mouth_left[1], mouth_right[1])


def test_yunet_finds_nothing_in_a_blank_frame_or_a_photo_without_people(yunet, coffee):
    assert len(yunet(np.zeros((480, 640, 3), np.uint8), 0.3)) == 0
    assert len(yunet(coffee, 0.5)) == 0


def test_yunet_keeps_only_faces_from_the_score_asked(yunet, astronaut):
    # given everything YuNet reports on the portrait
    everything = yunet(astronaut, 0.0)
    # when asked from a score above its best face, then nothing is left
    assert len(yunet(astronaut, float(everything.scores.max()) + 0.01)) == 0


def test_a_profile_choosing_yunet_searches_with_it_at_a_platforms_size_only(profile, choosing_yunet, published):
    # given a profile choosing YuNet, seen at facebook's size: photos are searched with YuNet
    photo = published.settings_for(Frame(np.zeros((1536, 2048, 3), np.uint8)))
    assert photo.search_network is SearchNetwork.YUNET
    # while video frames, --publish full and a profile not analysed for a target keep CenterFace's search
    assert published.settings_for(Frame(np.zeros((1080, 1920, 3), np.uint8), time_s=1.0)).search_network \
        is SearchNetwork.CENTERFACE
    for seen in (choosing_yunet.analysed_for(PublishTarget.FULL), choosing_yunet):
        detector = FaceDetector.from_profile(seen)
        assert detector.photo_settings.search_network is SearchNetwork.CENTERFACE
    # and the default profile searches with CenterFace at a platform's size too
    default = FaceDetector.from_profile(profile.analysed_for(PublishTarget.FACEBOOK))
    assert default.photo_settings.search_network is SearchNetwork.CENTERFACE


def test_an_unknown_search_network_in_the_profile_is_a_profile_error():
    with pytest.raises(ProfileError, match="centerface, yunet"):
        FaceSettings.from_table({"published_search_network": "haar"})


def test_yunets_tiles_cover_the_published_picture_and_the_whole_frame_pass_hands_on_no_small_face():
    # given the published-size settings with YuNet's search
    settings = FaceSettings(published_search_network=SearchNetwork.YUNET).at_published_size()
    # when a 2048 x 1536 picture is planned
    whole, *tiles = plan_passes(2048, 1536, settings)
    # then the whole-frame pass is CenterFace's, and keeps its small faces to itself
    assert whole.network is SearchNetwork.CENTERFACE and not whole.small_are_candidates
    # and YuNet's tiles, at 1.75x and at most yunet_tile_px in search pixels, cover every pixel
    covered = np.zeros((1536, 2048), bool)
    for tile in tiles:
        left, top, right, bottom = tile.crop
        covered[top:bottom, left:right] = True
        assert tile.network is SearchNetwork.YUNET and tile.can_verify
        assert tile.scale == pytest.approx(28 / 16)
        assert max(right - left, bottom - top) * tile.scale <= settings.yunet_tile_px + 1
    assert covered.all()


def test_yunets_small_faces_are_confirmed_by_centerface(published, astronaut, coffee):
    # given a 2048 x 1536 published picture with the astronaut's face 16 px tall (the legible size) at four places,
    # one across the seam of two YuNet tiles, one where YuNet over the picture enlarged 1.5x gives no candidate
    places = ((200, 200), (1000, 700), (1603, 1102), (1800, 300))
    pixels, pasted = _pasted_faces(astronaut, coffee, (2048, 1536), places, 16)
    # when the faces detector at facebook's size screens it
    found = [d for d in published.detect(Frame(pixels)) if d.score >= 0.5]
    # then each face is found once, with CenterFace's box (hairline to chin) and its five points
    assert len(found) == len(pasted), found
    for face in pasted:
        best = max(found, key=lambda d: d.box.iou(face))
        assert best.box.iou(face) > 0.5, (face, found)
        assert len(best.evidence["landmarks"]) == 5


def test_a_blank_or_faceless_photo_gives_no_face_with_yunets_search(published, coffee):
    assert published.detect(Frame(np.zeros((1536, 2048, 3), np.uint8))) == ()
    faceless = cv2.resize(coffee, (2048, 1536), interpolation=cv2.INTER_LINEAR)
    assert [d for d in published.detect(Frame(faceless)) if d.score >= 0.5] == []


def test_without_yuface_the_search_is_unavailable_and_says_what_to_do(monkeypatch):
    # given a Python where the yuface extension cannot be imported
    monkeypatch.setitem(sys.modules, "yuface.yuface", None)
    # when YuNet is loaded, then the error names the package and the profile setting that avoids it
    with pytest.raises(ModelUnavailableError, match=r"pip install yuface.*published_search_network"):
        YuNetNet()
