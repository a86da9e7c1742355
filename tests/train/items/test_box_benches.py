"""bench/police_items_ceiling.py and bench/police_items_boxes.py: the pieces their figures rest on.

The ceiling is the best any threshold does with given scores; the box audit matches the detector's boxes to
labels made by eye, and those labels must say one thing per box and keep training and held-back apart.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from media_screen.train.items.measure import ranking_auc
from repo_scripts import repo_script


@pytest.fixture(scope="module")
def ceiling_bench():
    return repo_script("bench/police_items_ceiling.py")


@pytest.fixture(scope="module")
def boxes_bench():
    return repo_script("bench/police_items_boxes.py")


def test_the_ceiling_puts_the_threshold_just_above_each_flagged_uniform(ceiling_bench):
    # given officers and uniforms whose scores interleave
    officers = np.array([0.9, 0.8, 0.6, 0.4])
    uniforms = np.array([0.7, 0.5, 0.3])
    # when the best threshold is found for 0, 1, 2, 3 ... uniforms flagged
    best = ceiling_bench.ceiling(officers, uniforms, most=4)
    # then above the best uniform two officers are found, above the second three, above the third all;
    # with every uniform flagged, every officer is found
    assert best == [(0, 2), (1, 3), (2, 4), (3, 4), (4, 4)]


def test_the_bootstrap_interval_holds_the_auc_and_narrows_with_more_photos(ceiling_bench):
    # given officers scoring above uniforms on average, with overlap, in a small and a four times larger sample
    rng = np.random.default_rng(5)
    small = rng.normal(1.5, 1, 30), rng.normal(0, 1, 30)
    large = rng.normal(1.5, 1, 120), rng.normal(0, 1, 120)
    # when each AUC's 95 % bootstrap interval is computed
    low, high = ceiling_bench.bootstrap_interval(*small, rounds=500)
    wide_low, wide_high = ceiling_bench.bootstrap_interval(*large, rounds=500)
    # then each interval holds its AUC, and the larger sample's is about half as wide
    assert low < ranking_auc(list(small[0]), list(small[1])) < high
    assert wide_low < ranking_auc(list(large[0]), list(large[1])) < wide_high
    assert 0.3 < (wide_high - wide_low) / (high - low) < 0.8
    # and scores that never overlap have no doubt in them
    assert ceiling_bench.bootstrap_interval(np.array([2.0, 3.0]), np.array([0.0, 1.0]), rounds=50) == (1.0, 1.0)


def test_the_wilson_interval_of_a_share(ceiling_bench):
    # given 26 of 31 officers found, and none of 28 uniforms flagged
    # when their 95 % Wilson intervals are computed
    low, high = ceiling_bench.wilson_interval(26, 31)
    none_low, none_high = ceiling_bench.wilson_interval(0, 28)
    # then they match the textbook values: 0.674-0.929, and 0-0.121 (a zero count still leaves doubt)
    assert (round(low, 3), round(high, 3)) == (0.674, 0.929)
    assert none_low == pytest.approx(0.0, abs=1e-12) and round(none_high, 3) == 0.121


def test_the_box_labels_say_one_thing_per_box_and_keep_the_parts_apart(boxes_bench):
    # given the labels made by eye
    labels = boxes_bench.read_labels(boxes_bench.LABELS)
    rows = [entry for entries in labels.values() for entry in entries]
    # then every row is a known label of a police class in one part, with a box that has an area
    assert {entry["label"] for entry in rows} <= {"officer", "other", "unsure"}
    assert {entry["class"] for entry in rows} <= {"police_officer", "police_vehicle"}
    assert all(x2 > x1 and y2 > y1 for x1, y1, x2, y2 in (entry["box"] for entry in rows))
    # and a photo is labelled for one part only, as the split put it
    assert all(len({entry["part"] for entry in entries}) == 1 for entries in labels.values())
    parts = Counter(entries[0]["part"] for entries in labels.values())
    assert set(parts) == {"train", "held_back"}
    # and the held-back part has the 155 boxes the README's table counts
    assert sum(len(e) for e in labels.values() if e[0]["part"] == "held_back") == 155


def test_a_box_takes_the_label_of_the_labelled_box_it_is(boxes_bench):
    # given two labelled boxes side by side
    labelled = [{"box": (0.0, 0.0, 100.0, 200.0), "label": "officer"}, {"box": (100.0, 0.0, 200.0, 200.0), "label": "other"}]
    # when the detector's box is the second one, unclipped and unrounded
    # then it takes the second's label; a box overlapping both by half takes none
    assert boxes_bench.label_of((100.4, -0.3, 200.2, 200.6), labelled) == "other"
    assert boxes_bench.label_of((50.0, 0.0, 150.0, 200.0), labelled) is None


def test_the_person_filter_learns_which_people_are_officers(boxes_bench):
    # given people whose features differ in one direction between officers and the others
    rng = np.random.default_rng(0)
    officer = np.arange(200) % 3 != 0
    x = rng.normal(size=(200, 16)).astype(np.float32)
    x[:, 0] += np.where(officer, 1.5, -1.5)
    # when the filter is fitted on them
    model = boxes_bench.fit_filter(x, officer, l2=0.01)
    scores = boxes_bench.filter_scores(model, x)
    # then officers score higher than the others, the two classes weighing the same (a third are others)
    assert ranking_auc(list(scores[officer]), list(scores[~officer])) > 0.95
    assert scores[officer].mean() > 0.5 > scores[~officer].mean()
