"""Operating points of the police-item head chosen out of fold: the proposal gate."""

from __future__ import annotations

import numpy as np
import pytest

from media_screen.detectors.police_items import FeatureSet, LinearHead
from media_screen.train.items.calibrate import GATE_SHARE, OutOfFold, choose_gate
from media_screen.train.items.data import ItemClass
from media_screen.train.items.head import CLASSES


def identity_head() -> LinearHead:
    """Thresholds of 0.5, so calibrated scores are the probabilities themselves."""
    zeros = np.zeros(1, np.float32)
    return LinearHead(CLASSES, FeatureSet.AVERAGE, zeros, zeros + 1, np.zeros((1, len(CLASSES)), np.float32),
                      np.zeros(len(CLASSES), np.float32), np.full(len(CLASSES), 0.5, np.float32))  # fmt: skip


def row(officer: float) -> list[float]:
    return [1 - officer, officer, 0.0, 0.0]


def test_the_gate_is_a_share_of_the_lowest_whole_frame_score_of_any_photo_found():
    # given out-of-fold scores: two officers found (their whole frames at 0.4 and 0.9), one missed (whole 0.01),
    # and three real negatives and one drawn graphic whose whole frames score 0.01, 0.1 and 0.3, and 0.0
    truths = [ItemClass.POLICE_OFFICER] * 3 + [ItemClass.BACKGROUND] * 4
    categories = ["police_real/officers_uniform"] * 3 + ["police_real/negatives_uniform"] * 3 + ["drawn_graphics"]
    photo = np.array([row(0.8), row(0.95), row(0.2), row(0.3), row(0.3), row(0.3), row(0.0)])
    whole = np.array([row(0.4), row(0.9), row(0.01), row(0.01), row(0.1), row(0.3), row(0.0)])
    # when the gate is chosen
    gate = choose_gate(identity_head(), OutOfFold(photo, whole), truths, categories)
    # then it sits under the lowest found photo's whole frame (the missed officer does not pull it down),
    # and it is reported with the share of real negative photos it lets skip the search
    assert gate.found == 2 and gate.lowest_whole_score == pytest.approx(0.4)
    assert gate.threshold == pytest.approx(GATE_SHARE * 0.4) and gate.threshold < 0.4
    assert gate.negatives_skipped == pytest.approx(np.mean(np.array([0.01, 0.1, 0.3]) < gate.threshold))
