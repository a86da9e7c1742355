"""bench/police_items_paired.py: the paired interval its comparisons rest on, and how a variant is named."""

from __future__ import annotations

import numpy as np
import pytest

from media_screen.detectors.police_items import FeatureSet
from media_screen.train.items.run import default_settings
from repo_scripts import repo_script


@pytest.fixture(scope="module")
def paired_bench():
    return repo_script("bench/police_items_paired.py")


def test_two_heads_with_the_same_scores_differ_by_nothing(paired_bench):
    # given two heads that give every photo the same score
    rng = np.random.default_rng(1)
    scores = rng.normal(1, 1, 30), rng.normal(0, 1, 28)
    # when their AUCs are compared on paired resamplings
    # then the difference and its whole interval are zero
    assert paired_bench.paired_auc_difference(scores, scores, rounds=200) == (0.0, 0.0, 0.0)


def test_the_paired_interval_is_narrower_than_one_aucs_interval(paired_bench):
    # given a head, and a second one that scores the same photos with a little noise and one officer higher
    rng = np.random.default_rng(2)
    officers, uniforms = rng.normal(1.5, 1, 31), rng.normal(0, 1, 28)
    second = officers + rng.normal(0, 0.2, 31), uniforms + rng.normal(0, 0.2, 28)
    # when the difference is bootstrapped by pairs, and the first head's AUC alone
    difference, low, high = paired_bench.paired_auc_difference((officers, uniforms), second, rounds=1000)
    ceiling = repo_script("bench/police_items_ceiling.py")
    alone_low, alone_high = ceiling.bootstrap_interval(officers, uniforms, rounds=1000)
    # then the interval holds the difference and is several times narrower than the single AUC's:
    # the same photos are hard for both heads
    assert low <= difference <= high
    assert (high - low) < 0.5 * (alone_high - alone_low)


def test_heads_scored_on_different_photos_are_refused(paired_bench):
    with pytest.raises(ValueError):
        paired_bench.paired_auc_difference((np.zeros(3), np.zeros(2)), (np.zeros(4), np.zeros(2)), rounds=10)


def test_a_variant_is_named_by_its_settings_and_crop_plan_fields(paired_bench, tmp_path):
    base = default_settings(tmp_path, tmp_path, None)
    # when a variant changes a recipe field, a crop plan field and a list field
    variant = paired_bench.changed(base, "features=average,person_margin=0.1,extra_sets=weapons+faceid")
    # then each is parsed to its field's type, and nothing else changes
    assert variant.features is FeatureSet.AVERAGE and variant.plan.person_margin == 0.1
    assert variant.extra_sets == ("weapons", "faceid")
    assert variant.l2 == base.l2 and variant.plan.max_crops == base.plan.max_crops
    # and a field that does not exist stops the bench before any training
    with pytest.raises(SystemExit):
        paired_bench.changed(base, "person_margn=0.1")
