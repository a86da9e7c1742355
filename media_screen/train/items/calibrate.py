"""Per-class operating thresholds from out-of-fold scores, never from the held-back photos.

The training photos are split into folds by a hash of their name; each fold is scored by a head fitted
on the others, so every photo gets a score from a head that never saw it. For each class the threshold
is the lowest at which at most a budget of all real negative photos, and at most CATEGORY_BUDGET of any
negative category large enough to measure, are flagged by that class; recall on that class's positives
at the threshold is reported beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from media_screen.detectors.police_items import CropGroup, FeatureSet, LinearHead
from media_screen.train.items.data import ItemClass
from media_screen.train.items.head import CLASSES, Example, fit_head, photo_crop_scores
from media_screen.train.split import unit_hash

FOLDS = 5
SYNTHETIC_NEGATIVES = ("drawn_graphics", "drawn_uniforms")  # trained on, but thresholds answer to real photos only
BUDGET = {ItemClass.POLICE_OFFICER: 0.03, ItemClass.POLICE_VEHICLE: 0.03, ItemClass.INSIGNIA: 0.02}  # pooled
CATEGORY_BUDGET = 0.1  # in any one negative category: the target itself (the cue detectors add their own)
CATEGORY_MIN = 20  # a rate of 0.1 is then at least two photos, not one outlier
# the proposal gate sits at this share of the lowest whole-frame score among the photos the head finds out
# of fold: a margin for photos unlike the training ones (the held-back part checks it: README)
GATE_SHARE = 0.5


@dataclass(frozen=True)
class Operating:
    threshold: float
    recall: float  # out of fold, at the threshold
    worst_false_positive_rate: float


@dataclass(frozen=True)
class OutOfFold:
    """Scores of each training photo from a head fitted without that photo's fold (probabilities)."""

    photo: np.ndarray  # (photos, classes) the best over the photo's crops, as a scan flags it
    whole: np.ndarray  # (photos, classes) the whole frame's alone: what the proposal gate reads


def out_of_fold_scores(examples: list[Example], keys: list[str], l2: float, features: FeatureSet) -> OutOfFold:
    folds = np.array([int(unit_hash(key, "media-screen/items-folds") * FOLDS) for key in keys])
    photo, whole = np.zeros((len(examples), len(CLASSES))), np.zeros((len(examples), len(CLASSES)))
    for fold in range(FOLDS):
        train = [e for e, f in zip(examples, folds) if f != fold]
        head = fit_head(train, l2, features)
        for index in np.flatnonzero(folds == fold):
            per_crop = photo_crop_scores(head, examples[index].crops)
            photo[index] = per_crop.max(axis=0)
            whole[index] = per_crop[examples[index].crops.groups.index(CropGroup.WHOLE)]
    return OutOfFold(photo, whole)


def choose_thresholds(scores: np.ndarray, truths: list[ItemClass], categories: list[str]) -> dict[ItemClass, Operating]:
    """Per class, the lowest threshold within both budgets: pooled over every real negative photo, and in
    each negative category of at least CATEGORY_MIN photos (smaller ones cannot show a rate of 0.1)."""
    negatives: dict[str, list[int]] = defaultdict(list)
    for index, (truth, category) in enumerate(zip(truths, categories)):
        if truth is ItemClass.BACKGROUND and category not in SYNTHETIC_NEGATIVES:
            negatives[category].append(index)
    pooled = [i for indices in negatives.values() for i in indices]
    judged = [indices for indices in negatives.values() if len(indices) >= CATEGORY_MIN]
    result = {}
    for item, budget in BUDGET.items():
        column = scores[:, CLASSES.index(item.value)]
        positives = [i for i, t in enumerate(truths) if t is item]

        def worst(threshold: float) -> float:
            return max((float(np.mean(column[idx] >= threshold)) for idx in judged), default=0.0)

        chosen = 1.0
        # every score just above a negative's is a candidate, so saturated scores near 1 still separate
        for threshold in np.unique(np.concatenate([np.nextafter(column, 2.0), np.arange(0.05, 1.0, 0.01)])):
            if np.mean(column[pooled] >= threshold) <= budget and worst(threshold) <= CATEGORY_BUDGET:
                chosen = float(threshold)
                break
        recall = float(np.mean(column[positives] >= chosen)) if positives else float("nan")
        result[item] = Operating(chosen, recall, worst(chosen))
    return result


@dataclass(frozen=True)
class Gate:
    threshold: float  # calibrated whole-frame score (0.5 is each class's operating point)
    found: int  # positive photos found out of fold (at the operating thresholds)
    lowest_whole_score: float  # the lowest whole-frame score among them
    negatives_skipped: float  # share of real negative photos whose whole frame falls under the gate, out of fold


def choose_gate(head: LinearHead, out_of_fold: OutOfFold, truths: list[ItemClass], categories: list[str]) -> Gate:
    """The proposal gate: a share of the lowest calibrated whole-frame score (best police class) of any
    positive photo the head finds out of fold, so that none of those would have been skipped."""
    photo, whole = head.calibrated(out_of_fold.photo), head.calibrated(out_of_fold.whole)[:, 1:].max(axis=1)
    found = [i for i, t in enumerate(truths) if t is not ItemClass.BACKGROUND and photo[i, CLASSES.index(t.value)] >= 0.5]
    lowest = float(whole[found].min()) if found else 0.0
    negatives = [i for i, (t, c) in enumerate(zip(truths, categories)) if t is ItemClass.BACKGROUND and c not in SYNTHETIC_NEGATIVES]
    threshold = GATE_SHARE * lowest
    skipped = float(np.mean(whole[negatives] < threshold)) if negatives else 0.0
    return Gate(threshold, len(found), lowest, skipped)
