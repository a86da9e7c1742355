"""The weapons head, learned from image-level labels and the source's boxes where it had them.

Which crops of a photo show the weapon:

1. every crop of a negative photo is background; the whole frame of a weapon photo is a weapon;
2. in a weapon photo with box labels, a crop that holds most of a weapon box is a weapon and a crop that
   touches no weapon box is background (a hard negative from the same scene); the rest are left out;
3. in a weapon photo without boxes, the tile or person the head scores highest becomes a weapon in the
   next round (multiple-instance learning, two rounds); the others are left out, never called background.

The operating point is chosen on out-of-fold photo scores of the training part (folds by a hash of the
name): the lowest threshold at which at most BUDGET of the real negative photos, and at most
GROUP_BUDGET of any negative group of GROUP_MIN photos or more, are flagged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from media_screen.detectors.police_items import CropGroup
from media_screen.detectors.weapons import HeadDesign, Views, WeaponHead, head_inputs
from media_screen.train.split import unit_hash
from media_screen.train.weapons.features import PhotoFeatures

MIL_ROUNDS = 2
FOLDS = 5
BUDGET = 0.03
GROUP_BUDGET = 0.1
GROUP_MIN = 15
SYNTHETIC = "composite"  # groups starting with this are trained on, never budgeted


@dataclass(frozen=True)
class Example:
    features: PhotoFeatures
    positive: bool
    boxes: tuple[tuple[float, float, float, float], ...] = ()  # weapon boxes, where the source had them


def _covered(crop: tuple[float, ...], box: tuple[float, ...]) -> float:
    """The fraction of `box` inside `crop`."""
    width = min(crop[2], box[2]) - max(crop[0], box[0])
    height = min(crop[3], box[3]) - max(crop[1], box[1])
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1e-6)
    return max(width, 0) * max(height, 0) / area


def certain_labels(example: Example) -> tuple[np.ndarray, list[int]]:
    """Per crop 1, 0 or -1 (unknown); and the candidates of which the best-scored becomes a weapon."""
    groups = example.features.crops.groups
    if not example.positive:
        return np.zeros(len(groups), int), []
    labels = np.full(len(groups), -1)
    labels[[i for i, g in enumerate(groups) if g is CropGroup.WHOLE]] = 1
    others = [i for i, g in enumerate(groups) if g is not CropGroup.WHOLE]
    if not example.boxes:
        return labels, others
    for index in others:
        crop = tuple(example.features.crops.boxes[index])
        covered = max(_covered(crop, box) for box in example.boxes)
        labels[index] = 1 if covered >= 0.6 else 0 if covered == 0 else -1
    return labels, []


def _inputs(design: HeadDesign, features: PhotoFeatures) -> np.ndarray:
    return head_inputs(design, features.crops.embeddings, features.crops.groups, features.weapon_log_p)


def _logistic(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Class-balanced, L2-regularised logistic regression on standardised inputs: mean, scale, weights, bias."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-3
    z = (x - mean) / scale
    positives = max(int(y.sum()), 1)
    weights = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * max(len(y) - positives, 1)))

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = flat[:-1], flat[-1]
        logits = z @ w + b
        value = (weights * (np.logaddexp(0, logits) - y * logits)).sum() / weights.sum() + 0.5 * l2 * (w @ w)
        residual = weights * (1 / (1 + np.exp(-logits)) - y) / weights.sum()
        return value, np.concatenate([z.T @ residual + l2 * w, [residual.sum()]])

    result = minimize(loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return mean.astype(np.float32), scale.astype(np.float32), result.x[:-1].astype(np.float32), float(result.x[-1])


def _fit(examples: list[Example], labels: list[np.ndarray], design: HeadDesign, views: Views, l2: float) -> WeaponHead:
    rows, targets = [], []
    for example, label in zip(examples, labels):
        keep = label >= 0
        if keep.any():
            rows.append(_inputs(design, example.features)[keep])
            targets.append(label[keep])
    mean, scale, weights, bias = _logistic(np.concatenate(rows), np.concatenate(targets).astype(float), l2)
    return WeaponHead(design, views, mean, scale, weights, bias, 0.5)


def fit_head(examples: list[Example], design: HeadDesign, views: Views, l2: float) -> WeaponHead:
    """The head fitted on `examples`, with multiple-instance rounds for weapon photos without boxes."""
    certain, pending = zip(*(certain_labels(e) for e in examples))
    head = _fit(examples, list(certain), design, views, l2)
    for _ in range(MIL_ROUNDS):
        labels = [label.copy() for label in certain]
        for example, label, candidates in zip(examples, labels, pending):
            if candidates:
                scores = crop_probabilities(head, example.features)[candidates]
                label[candidates[int(np.argmax(scores))]] = 1
        head = _fit(examples, labels, design, views, l2)
    return head


def crop_probabilities(head: WeaponHead, features: PhotoFeatures) -> np.ndarray:
    return head.probabilities(_inputs(head.design, features))


def photo_score(head: WeaponHead, features: PhotoFeatures) -> float:
    """The photo's weapon probability: its best crop's."""
    return float(crop_probabilities(head, features).max())


def out_of_fold_scores(examples: list[Example], keys: list[str], design: HeadDesign, views: Views, l2: float) -> np.ndarray:
    """Per photo, the score of a head fitted without the photo's fold."""
    folds = np.array([int(unit_hash(key, "media-screen/weapons-folds") * FOLDS) for key in keys])
    scores = np.zeros(len(examples))
    for fold in range(FOLDS):
        head = fit_head([e for e, f in zip(examples, folds) if f != fold], design, views, l2)
        for index in np.flatnonzero(folds == fold):
            scores[index] = photo_score(head, examples[index].features)
    return scores


@dataclass(frozen=True)
class Operating:
    threshold: float
    recall: float  # out of fold, of the weapon photos (composites not counted)
    false_positive_rate: float  # out of fold, pooled over the real negative photos
    worst_group: str
    worst_group_rate: float


def choose_threshold(scores: np.ndarray, positives: list[bool], groups: list[str]) -> Operating:
    """The lowest threshold within both budgets (see the module's docstring)."""
    real = [not g.startswith(SYNTHETIC) for g in groups]
    by_group: dict[str, list[int]] = defaultdict(list)
    for index, (positive, group, is_real) in enumerate(zip(positives, groups, real)):
        if not positive and is_real:
            by_group[group].append(index)
    pooled = [i for indices in by_group.values() for i in indices]
    judged = {g: idx for g, idx in by_group.items() if len(idx) >= GROUP_MIN}
    weapons = [i for i, (p, r) in enumerate(zip(positives, real)) if p and r]

    def worst(threshold: float) -> tuple[str, float]:
        rates = [(g, float(np.mean(scores[idx] >= threshold))) for g, idx in judged.items()]
        return max(rates, key=lambda item: item[1], default=("", 0.0))

    chosen = 1.0
    for threshold in np.unique(np.concatenate([np.nextafter(scores, 2.0), np.arange(0.05, 1.0, 0.01)])):
        if np.mean(scores[pooled] >= threshold) <= BUDGET and worst(threshold)[1] <= GROUP_BUDGET:
            chosen = float(threshold)
            break
    group, rate = worst(chosen)
    recall = float(np.mean(scores[weapons] >= chosen)) if weapons else float("nan")
    return Operating(chosen, recall, float(np.mean(scores[pooled] >= chosen)) if pooled else 0.0, group, rate)
