"""People re-dressed in drawn uniforms: the body mask, the cloth, the labels and the cached examples."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from media_screen.detectors.police_items import CropGroup
from media_screen.errors import ModelUnavailableError
from media_screen.train.items.data import ItemClass
from media_screen.train.items.features import PhotoCrops
from media_screen.train.items.head import Example, certain_labels
from media_screen.train.items.redress import PATTERNS, Pose, body_mask, camouflage, crop_labels, redress, redressed_photos

SAMPLES = Path(__file__).resolve().parents[3] / "sample_media" / "detectors"


def standing_person() -> np.ndarray:
    """(17, 3) keypoints x, y, score of a person standing upright in a 200 x 400 picture."""
    points = np.zeros((17, 3))
    joints = {5: (140, 100), 6: (60, 100), 7: (150, 170), 8: (50, 170), 9: (155, 230), 10: (45, 230),
              11: (125, 230), 12: (75, 230), 13: (125, 310), 14: (75, 310), 15: (125, 390), 16: (75, 390)}  # fmt: skip
    for index, (x, y) in joints.items():
        points[index] = (x, y, 0.9)
    return points


@pytest.fixture(scope="module")
def pose():
    try:
        return Pose()
    except ModelUnavailableError as exc:  # the model's package is missing here
        pytest.skip(str(exc))


def test_the_body_mask_covers_torso_arms_and_legs_and_not_the_head_or_the_background():
    # given the keypoints of a person standing upright
    mask = body_mask(standing_person(), 400, 200)
    # then the chest, an elbow, a knee and an ankle are covered
    assert mask is not None
    for x, y in ((100, 160), (150, 170), (125, 310), (75, 385)):
        assert mask[y, x] > 0.9
    # and the head above the shoulders and the space beside the legs are not
    for x, y in ((100, 30), (10, 350), (195, 350), (15, 60)):
        assert mask[y, x] < 0.1


def test_without_both_shoulders_there_is_no_body_to_dress():
    points = standing_person()
    points[6, 2] = 0.1
    assert body_mask(points, 400, 200) is None


def test_the_torso_runs_to_the_bottom_when_the_hips_are_out_of_the_picture():
    points = standing_person()
    points[11:, 2] = 0.0
    mask = body_mask(points, 400, 200)
    assert mask is not None and mask[395, 100] > 0.9


def test_a_cloth_is_made_of_its_patterns_colours_and_repeats_with_its_seed():
    # given two generators with the same seed
    first = camouflage(np.random.default_rng(3), 120, 80, 15.0)
    second = camouflage(np.random.default_rng(3), 120, 80, 15.0)
    # then the cloths are the same, and every pixel lies near one colour of some pattern
    assert first.shape == (120, 80, 3) and first.dtype == np.uint8
    assert np.array_equal(first, second)
    colours = np.array([c[::-1] for _, palette, _ in PATTERNS for c in palette], float)
    distance = np.abs(first.reshape(-1, 1, 3).astype(float) - colours[None]).max(axis=2).min(axis=1)
    assert np.percentile(distance, 99) < 20


def test_labels_make_dressed_people_background_and_leave_everyone_else_out():
    groups = (CropGroup.WHOLE, CropGroup.PERSON, CropGroup.PERSON, CropGroup.TILE)
    # when one of two people is dressed, only that person is background: the whole frame still shows the other
    assert crop_labels(groups, [1, 2], [2]) == (-1, -1, 0, -1)
    # when both are, the whole frame is background too
    assert crop_labels(groups, [1, 2], [1, 2]) == (0, 0, 0, -1)
    # but not when a vehicle (perhaps a marked one) is in the picture
    assert crop_labels(groups + (CropGroup.VEHICLE,), [1, 2], [1, 2]) == (-1, 0, 0, -1, -1)


def test_the_head_takes_labels_given_crop_by_crop_as_they_are():
    crops = PhotoCrops(np.zeros((3, 4), np.float32), (CropGroup.WHOLE, CropGroup.PERSON, CropGroup.PERSON),
                       np.ones(3, np.float32), np.zeros((3, 8), np.float32), 10, 10)  # fmt: skip
    labels, candidates = certain_labels(Example(crops, ItemClass.BACKGROUND, (-1, 0, -1)))
    assert labels.tolist() == [-1, 0, -1] and candidates == []


def test_the_astronaut_is_dressed_and_the_picture_outside_the_body_is_unchanged(pose):
    # given the astronaut sample and a box around the person
    picture = cv2.imread(str(SAMPLES / "astronaut_patch.jpg"))
    height, width = picture.shape[:2]
    # when the person is re-dressed
    out, dressed = redress(np.random.default_rng(0), picture, [(0.0, 0.0, float(width), float(height))], pose)
    # then MoveNet found the body, the chest changed and the top corners (background) did not
    assert dressed == [0]
    changed = np.abs(out.astype(int) - picture.astype(int)).max(axis=2)
    assert changed[height * 3 // 4 - 50 : height * 3 // 4 + 50, width // 2 - 50 : width // 2 + 50].mean() > 20
    assert changed[:60, :60].max() == 0 and changed[:60, -60:].max() == 0
    # and the input was not written to
    assert np.array_equal(picture, cv2.imread(str(SAMPLES / "astronaut_patch.jpg")))


class FakeComputer:
    """Embeds each crop as its mean colour: no network needed to check what is cached."""

    def embed(self, bgr: np.ndarray, crops) -> PhotoCrops:
        means = [bgr[int(c.box[1]) : int(c.box[3]) or 1, int(c.box[0]) : int(c.box[2]) or 1].reshape(-1, 3).mean(axis=0) for c in crops]
        return PhotoCrops(np.array([c.box for c in crops], np.float32), tuple(c.group for c in crops),
                          np.array([c.proposal_score for c in crops], np.float32), np.array(means, np.float32),
                          bgr.shape[1], bgr.shape[0])  # fmt: skip


def test_re_dressed_photos_are_made_once_and_read_back_the_same(pose, tmp_path):
    # given the astronaut sample as the one source photo, with the whole frame and one person
    source = tmp_path / "astronaut.png"
    cv2.imwrite(str(source), cv2.imread(str(SAMPLES / "astronaut_patch.jpg")))
    crops = PhotoCrops(np.array([[0, 0, 900, 900], [0, 0, 900, 900]], np.float32), (CropGroup.WHOLE, CropGroup.PERSON),
                       np.ones(2, np.float32), np.zeros((2, 3), np.float32), 900, 900)  # fmt: skip
    cache = tmp_path / "uniforms.npz"
    # when two re-dressings are asked for, then asked for again from the cache
    made = redressed_photos([("police_real/astronaut.png", source, crops)], 2, 5, cache, FakeComputer)
    again = redressed_photos([("police_real/astronaut.png", source, crops)], 2, 5, cache, lambda: pytest.fail("recomputed"))
    # then both are labelled background everywhere, keep the source's fold key, and read back equal
    assert [r.labels for r in made] == [(0, 0), (0, 0)]
    assert {r.source for r in made} == {"police_real/astronaut.png"}
    assert not np.allclose(made[0].crops.embeddings, 0)  # embedded anew from the re-dressed pixels
    for first, second in zip(made, again):
        assert first.crops.groups == second.crops.groups and first.labels == second.labels
        assert np.allclose(first.crops.embeddings, second.crops.embeddings, atol=0.1)
        assert np.array_equal(first.crops.boxes, second.crops.boxes)
    # and two draws of the same photo wear different cloth
    assert not np.allclose(made[0].crops.embeddings, made[1].crops.embeddings)


def test_training_takes_re_dressed_officers_as_background_folded_with_their_source(pose, tmp_path):
    from media_screen.train.items.data import LabelledPhoto
    from media_screen.train.items.run import default_settings, redressed_examples
    from media_screen.train.split import Part

    # given one training photo of an officer (the astronaut stands in) with its whole frame and one person,
    # and a photo of a vehicle that has no person to dress
    source = tmp_path / "officer.png"
    cv2.imwrite(str(source), cv2.imread(str(SAMPLES / "astronaut_patch.jpg")))
    person = PhotoCrops(np.array([[0, 0, 900, 900], [100, 300, 800, 900]], np.float32), (CropGroup.WHOLE, CropGroup.PERSON),
                        np.ones(2, np.float32), np.zeros((2, 3), np.float32), 900, 900)  # fmt: skip
    vehicle = PhotoCrops(np.array([[0, 0, 900, 900]], np.float32), (CropGroup.WHOLE,), np.ones(1, np.float32),
                         np.zeros((1, 3), np.float32), 900, 900)  # fmt: skip
    officer = LabelledPhoto(source, "police_real", "officers_uniform", ItemClass.POLICE_OFFICER, Part.TRAIN, "", ())
    car = LabelledPhoto(tmp_path / "car.png", "police_real", "police_vehicles", ItemClass.POLICE_VEHICLE, Part.TRAIN, "", ())
    settings = replace(default_settings(tmp_path / "work", tmp_path, tmp_path / "head.npz"), drawn_uniforms=1)
    # when the recipe asks for one re-dressed photo
    try:
        examples, keys = redressed_examples(settings, [officer, car], {officer.path: person, car.path: vehicle})
    except ModelUnavailableError as exc:
        pytest.skip(str(exc))
    # then it is the officer's photo, background in both crops, embedded by the real backbone, folded with its source
    assert keys == [officer.fold_key]
    assert examples[0].truth is ItemClass.BACKGROUND and examples[0].crop_labels == (0, 0)
    assert examples[0].crops.embeddings.shape[0] == 2 and np.abs(examples[0].crops.embeddings).sum() > 0
    # and the shipped recipe draws none, nor does a recipe that re-dresses only another category's photos
    assert redressed_examples(replace(settings, drawn_uniforms=0), [officer], {officer.path: person}) == ([], [])
    others = replace(settings, redress_categories=("negatives_people",), work_dir=tmp_path / "other")
    assert redressed_examples(others, [officer, car], {officer.path: person, car.path: vehicle}) == ([], [])
