"""Held-back figures of the police-item head: counting at the operating point, and ranking against look-alikes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from media_screen.detectors.police_items import GROUP_ORDER, CropGroup, FeatureSet, LinearHead
from media_screen.train.items.data import ItemClass, LabelledPhoto
from media_screen.train.items.features import PhotoCrops
from media_screen.train.items.head import CLASSES
from media_screen.train.items.measure import flagged_boxes, holdout_rows, ranking_auc, separation
from media_screen.train.split import Part


def test_ranking_auc_is_one_when_every_positive_outranks_every_negative_and_half_for_ties():
    assert ranking_auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert ranking_auc([0.1], [0.9]) == 0.0
    assert ranking_auc([0.5], [0.5]) == 0.5
    assert np.isnan(ranking_auc([], [0.5]))


def one_feature_head() -> LinearHead:
    """A head that reads the first embedding value as 'officer' evidence and nothing else."""
    inputs = 1 + len(GROUP_ORDER)
    weights = np.zeros((inputs, len(CLASSES)), np.float32)
    weights[0, CLASSES.index("police_officer")] = 10.0
    return LinearHead(CLASSES, FeatureSet.AVERAGE, np.zeros(inputs, np.float32), np.ones(inputs, np.float32),
                      weights, np.zeros(len(CLASSES), np.float32), np.full(len(CLASSES), 0.5, np.float32))  # fmt: skip


def person_photo(value: float) -> PhotoCrops:
    """A 100x200 photo: its whole frame (no evidence) and one person whose first feature is `value`."""
    embeddings = np.zeros((2, 1), np.float32)
    embeddings[1, 0] = value
    return PhotoCrops(np.array([[0, 0, 100, 200], [10, 10, 90, 190]], np.float32), (CropGroup.WHOLE, CropGroup.PERSON),
                      np.array([1.0, 0.9], np.float32), embeddings, 100, 200)  # fmt: skip


def photo(name: str, category: str, truth: ItemClass, part: Part = Part.HOLDOUT) -> LabelledPhoto:
    return LabelledPhoto(Path(name), "police_real", category, truth, part, "", ())


@pytest.fixture
def held_back():
    # given two held-back officers (one clear, one faint), two other uniforms (one that looks like police),
    # and a training photo that must not count
    photos = [
        photo("a.jpg", "officers_uniform", ItemClass.POLICE_OFFICER),
        photo("b.jpg", "officers_uniform", ItemClass.POLICE_OFFICER),
        photo("c.jpg", "negatives_uniform", ItemClass.BACKGROUND),
        photo("d.jpg", "negatives_uniform", ItemClass.BACKGROUND),
        photo("e.jpg", "negatives_uniform", ItemClass.BACKGROUND, Part.TRAIN),
    ]
    crops = {Path("a.jpg"): person_photo(2.0), Path("b.jpg"): person_photo(0.3), Path("c.jpg"): person_photo(-2.0),
             Path("d.jpg"): person_photo(0.6), Path("e.jpg"): person_photo(5.0)}  # fmt: skip
    return photos, crops


def test_held_back_rows_count_photos_flagged_at_the_operating_point(held_back):
    photos, crops = held_back
    # when the rows are counted
    rows = {row.group: row for row in holdout_rows(one_feature_head(), photos, crops)}
    # then officers a and b are found and the look-alike d is a false positive; the training photo is not counted
    assert (rows["police_real / officers_uniform"].photos, rows["police_real / officers_uniform"].flagged) == (2, 2)
    assert (rows["police_real / negatives_uniform"].photos, rows["police_real / negatives_uniform"].flagged) == (2, 1)


def test_separation_ranks_officers_against_other_uniforms(held_back):
    photos, crops = held_back
    # when the officer class is ranked against the other uniforms
    auc = separation(one_feature_head(), photos, crops)
    # then three of the four officer/uniform pairs are in the right order (b ranks below d)
    assert auc[ItemClass.POLICE_OFFICER] == pytest.approx(0.75)
    assert np.isnan(auc[ItemClass.POLICE_VEHICLE])  # no vehicles held back here


def test_a_photo_whose_whole_frame_is_under_the_proposal_gate_is_not_flagged_by_its_people():
    # given a photo whose person alone is clearly an officer, its whole frame showing nothing (0.25 calibrated)
    crops = person_photo(5.0)
    open_head = one_feature_head()
    gated_head = replace(open_head, proposal_gate=0.3)
    # when it is counted as a scan counts it, then only the head that looks past the whole frame flags it
    assert [name for name, _, _ in flagged_boxes(open_head, crops)] == ["police_officer"]
    assert flagged_boxes(gated_head, crops) == []
