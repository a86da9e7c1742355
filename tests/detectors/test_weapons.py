"""The weapons detector: a real run of the shipped head on a revolver drawn by scripts/draw_weapon.py,
the detector contract on blank frames, and which crops report."""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError

import numpy as np
import pytest

from media_screen.detectors import REGISTRY, weapons
from media_screen.detectors.imagenet_classes import WeaponGroup
from media_screen.detectors.police_items import Crop, CropGroup
from media_screen.detectors.weapons import Views, WeaponHead, WeaponsDetector, reported, shipped_head_path
from media_screen.errors import ModelUnavailableError
from media_screen.model import DetectionKind, Frame
from repo_scripts import repo_script



def _drawing_script():
    return repo_script("scripts/draw_weapon.py")


@pytest.fixture(scope="module")
def detector(profile_module):
    try:
        return WeaponsDetector.from_profile(profile_module)
    except ModelUnavailableError as exc:  # the backbones' package is missing here
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def profile_module():
    from media_screen.config import load_profile

    return load_profile(None)


def test_the_detector_is_registered_and_its_head_ships():
    assert REGISTRY["weapons"] == "media_screen.detectors.weapons:WeaponsDetector"
    head = WeaponHead.load(shipped_head_path())
    assert head.views is Views.WHOLE_TILES and 0 < head.threshold < 1


def test_the_people_finder_is_loaded_only_for_a_head_that_judges_people(detector, profile_module, tmp_path, monkeypatch):
    # given the shipped head, which judges the whole frame and its tiles, no COCO network was loaded for it
    assert detector.proposals is None
    # when a head that also judges people is in use
    people = tmp_path / "people_head.npz"
    dataclasses.replace(detector.head, views=Views.WHOLE_TILES_PEOPLE).save(people)
    monkeypatch.setattr(weapons, "shipped_head_path", lambda: people)
    # then its detector has the people finder
    assert WeaponsDetector.from_profile(profile_module).proposals is not None


def test_a_drawn_revolver_is_a_handgun_with_a_frozen_detection(detector):
    # given the revolver the repository script draws
    drawing = _drawing_script()
    pixels = drawing.revolver_picture()
    # when the shipped head looks at it
    found = detector.detect(Frame(pixels))
    # then it reports a weapon, labelled a handgun, with a box inside the frame that holds the revolver's centre
    assert found, "no weapon reported"
    best = max(found, key=lambda d: d.score)
    assert best.kind is DetectionKind.WEAPON and best.label == "handgun" and best.detector == "weapons"
    assert 0.5 <= best.score <= 1.0
    height, width = pixels.shape[:2]
    assert 0 <= best.box.x1 < best.box.x2 <= width and 0 <= best.box.y1 < best.box.y2 <= height
    x1, y1, x2, y2 = drawing.REVOLVER_BOX
    assert best.box.x1 <= (x1 + x2) / 2 <= best.box.x2 and best.box.y1 <= (y1 + y2) / 2 <= best.box.y2
    with pytest.raises(FrozenInstanceError):
        best.score = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("value", [0, 255])
def test_a_blank_frame_gives_nothing(detector, value):
    assert detector.detect(Frame(np.full((300, 400, 3), value, np.uint8))) == ()


def test_only_the_smallest_reporting_crops_are_boxed():
    # given the whole frame and a tile that both score above the operating point, and a tile below it
    crops = [
        Crop((0, 0, 100, 100), CropGroup.WHOLE, 1.0),
        Crop((0, 0, 60, 60), CropGroup.TILE, 1.0),
        Crop((40, 40, 100, 100), CropGroup.TILE, 1.0),
    ]
    scores = np.array([0.9, 0.7, 0.2])
    log_p = np.log(np.array([[0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.3, 0.3, 0.4]]))
    # when the crops that report are chosen
    found = reported(crops, scores, log_p, 0.5)
    # then the tile is boxed (the whole frame holds it), named by its most likely ImageNet weapon group
    assert [(f.box, f.seen_in, f.group) for f in found] == [((0, 0, 60, 60), CropGroup.TILE, WeaponGroup.HANDGUN)]
