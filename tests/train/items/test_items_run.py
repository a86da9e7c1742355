"""`media-screen train --items` end to end, offline, on a tiny labelled folder made from the repository's samples."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from labelled_folder import Entry, labelled_folder

from media_screen.detectors.police_items import LinearHead
from media_screen.errors import ModelUnavailableError, UsageError
from media_screen.train.items.card import render_card
from media_screen.train.items.run import default_settings, train_items

SAMPLES = Path(__file__).resolve().parents[3] / "sample_media" / "detectors"


def tiny_eval_folder(root: Path) -> Path:
    """police_real with the sample car as a marked vehicle and variants of the other samples as negatives."""
    entries = [
        Entry(category, "", lambda _, source=source: cv2.imread(str(SAMPLES / source)), "{index}_" + source)
        for source, category in (("marked_car.jpg", "police_vehicles"), ("clean_cat.jpg", "negatives_people"),
                                 ("astronaut_patch.jpg", "negatives_uniform"))  # fmt: skip
    ]
    return labelled_folder(root, entries, variants=4, shrink=0.1, country_or_region="")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("items")
    settings = default_settings(root / "work", tiny_eval_folder(root / "eval"), root / "head.npz")
    settings = replace(settings, drawn_insignia=6)
    try:
        return settings, train_items(settings)
    except ModelUnavailableError as exc:  # the backbones' packages are missing here
        pytest.skip(str(exc))


def test_training_writes_a_head_the_detector_can_load(trained):
    settings, report = trained
    # then the head file holds the four classes with an operating threshold each, and loads as the detector loads it
    head = LinearHead.load(settings.output)
    assert head.classes == ("background", "police_officer", "police_vehicle", "insignia")
    assert np.all((head.thresholds > 0) & (head.thresholds <= 1))
    assert np.allclose(head.weights, report.head.weights)
    # and no photo of the held-back part was trained on
    assert report.training_photos == sum(p.part.value != "holdout" for p in report.photos)


def test_the_card_lists_operating_points_figures_designs_and_data(trained):
    settings, report = trained
    card = render_card(report, settings, "media-screen train --items")
    for heading in ("## Operating points", "## Held-back figures", "## Designs compared", "## Data"):
        assert heading in card
    assert "Ranking AUC on the holdout" in card and "police_real / police_vehicles" in card


def test_a_folder_without_labelled_photos_is_a_usage_error(tmp_path):
    settings = default_settings(tmp_path / "work", tmp_path / "empty", tmp_path / "head.npz")
    with pytest.raises(UsageError):
        train_items(settings)


def test_a_learning_curve_of_one_category_cuts_only_that_category(trained, tmp_path):
    settings, report = trained
    # given the same folder, when a curve point keeps none of the negatives_uniform training photos
    point = replace(settings, train_fraction=0.0, curve_category="negatives_uniform", output=tmp_path / "head.npz")
    cut = train_items(point)
    # then exactly those photos are left out, and every other training photo is still trained on
    uniforms = sum(p.part.value != "holdout" and p.category == "negatives_uniform" for p in report.photos)
    assert uniforms > 0
    assert cut.training_photos == report.training_photos - uniforms
    assert cut.drawn_insignia == report.drawn_insignia


def test_a_learning_curve_can_cut_one_group_of_a_category(trained, tmp_path):
    settings, report = trained
    # given the same folder, when a curve point cuts only the "other" group of the negatives_uniform photos
    point = replace(settings, train_fraction=0.0, curve_category="negatives_uniform:other", output=tmp_path / "head.npz")
    cut = train_items(point)
    # then only those are left out; a group no photo has cuts nothing
    group = sum(p.part.value != "holdout" and p.category == "negatives_uniform" and p.label_group == "other" for p in report.photos)
    assert group > 0 and cut.training_photos == report.training_photos - group
    none = train_items(replace(point, curve_category="negatives_uniform:military"))
    assert none.training_photos == report.training_photos
