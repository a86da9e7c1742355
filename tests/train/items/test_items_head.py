"""The police-item head's training rows (media_screen/train/items/head.py): class balance and example weights."""

from __future__ import annotations

import numpy as np

from media_screen.detectors.police_items import CropGroup, FeatureSet
from media_screen.train.items.data import ItemClass
from media_screen.train.items.features import PhotoCrops
from media_screen.train.items.head import CLASSES, Example, certain_labels, training_rows


def whole_frame(value: float) -> PhotoCrops:
    embedding = np.full((1, 1280), value, np.float32)
    return PhotoCrops(np.array([[0, 0, 64, 48]], np.float32), (CropGroup.WHOLE,), np.ones(1, np.float32), embedding, 64, 48)


def test_a_weighted_example_counts_more_within_its_class_and_the_classes_stay_balanced():
    # given three background photos, one of them weighted three times, and one marked vehicle
    examples = [Example(whole_frame(0.1), ItemClass.BACKGROUND, weight=3.0), Example(whole_frame(0.2), ItemClass.BACKGROUND),
                Example(whole_frame(0.3), ItemClass.BACKGROUND), Example(whole_frame(0.9), ItemClass.POLICE_VEHICLE)]
    labels = [certain_labels(e)[0] for e in examples]
    # when the training rows are made
    _, classes, weights = training_rows(examples, labels, FeatureSet.AVERAGE)
    # then the weighted photo counts three times each unweighted one, and both classes weigh the same in all
    background, vehicle = CLASSES.index("background"), CLASSES.index("police_vehicle")
    assert weights[0] == 3 * weights[1] and weights[1] == weights[2]
    assert np.isclose(weights[classes == background].sum(), weights[classes == vehicle].sum())


def test_without_weights_the_rows_weigh_as_before_each_class_in_inverse_proportion_to_its_size():
    examples = [Example(whole_frame(v), ItemClass.BACKGROUND) for v in (0.1, 0.2, 0.3)] + [Example(whole_frame(0.9), ItemClass.POLICE_VEHICLE)]
    _, classes, weights = training_rows(examples, [certain_labels(e)[0] for e in examples], FeatureSet.AVERAGE)
    n, present = len(classes), len(CLASSES)
    assert np.allclose(weights[:3], n / (present * 3)) and np.isclose(weights[3], n / (present * 1))
