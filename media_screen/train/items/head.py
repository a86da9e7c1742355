"""The linear head over crop embeddings, learned from image-level labels.

A photo labelled "shows a uniformed officer" does not say which of its people is the officer. The
labels of its crops are therefore found as in multiple-instance learning:

1. crops whose label is certain: every crop of a negative photo is background; in a positive photo,
   the whole frame (the image-level label says exactly what it shows) and the only person (or
   vehicle) large enough to judge, when there is one, take the photo's class;
2. a softmax regression is fitted on those;
3. in each positive photo with several candidates, the candidate the head scores highest takes the
   photo's class, and the head is fitted again (twice). The other people in such a photo are left out
   (they may be officers too, or not): never counted as background.

Drawn insignia close-ups (insignia.py) are whole-frame crops of class insignia; people re-dressed in drawn
uniforms (redress.py) are labelled crop by crop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from media_screen.detectors.police_items import ALLOWED, CropGroup, FeatureSet, LinearHead, crop_inputs
from media_screen.train.items.data import ItemClass
from media_screen.train.items.features import PhotoCrops

CLASSES = tuple(c.value for c in ItemClass)  # background first
COMPATIBLE = {ItemClass.POLICE_OFFICER: CropGroup.PERSON, ItemClass.POLICE_VEHICLE: CropGroup.VEHICLE}
MIL_ROUNDS = 2


@dataclass(frozen=True)
class Example:
    """One photo as the head sees it: its crops and its image-level class."""

    crops: PhotoCrops
    truth: ItemClass
    # per crop, a class index or -1 (left out), where the labels are known crop by crop (drawn uniforms)
    crop_labels: tuple[int, ...] | None = None
    weight: float = 1.0  # how much its crops count beside others of their class (look-alikes weighted up)


def certain_labels(example: Example) -> tuple[np.ndarray, list[list[int]]]:
    """Per crop: a class index or -1 (unknown); and sets of candidates (people or vehicles, tiles), from
    each of which the one the head scores highest takes the photo's class in the next round."""
    crops = example.crops
    if example.crop_labels is not None:
        return np.array(example.crop_labels, int), []
    labels = np.full(len(crops.groups), -1)
    if example.truth is ItemClass.BACKGROUND:
        return np.zeros(len(crops.groups), int), []
    target = CLASSES.index(example.truth.value)
    whole = crops.groups.index(CropGroup.WHOLE)
    if example.truth is ItemClass.INSIGNIA:
        labels[whole] = target
        return labels, []
    labels[whole] = target
    objects = [i for i, g in enumerate(crops.groups) if g is COMPATIBLE[example.truth]]
    tiles = [i for i, g in enumerate(crops.groups) if g is CropGroup.TILE]
    if len(objects) == 1:
        labels[objects[0]] = target
        objects = []
    return labels, [objects, tiles]


def _fit(inputs: np.ndarray, labels: np.ndarray, weights: np.ndarray, l2: float, features: FeatureSet) -> LinearHead:
    mean = inputs.mean(axis=0)
    scale = inputs.std(axis=0) + 1e-3
    x = (inputs - mean) / scale
    n_in, n_cls = x.shape[1], len(CLASSES)
    onehot = np.eye(n_cls)[labels]

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = flat[: n_in * n_cls].reshape(n_in, n_cls), flat[n_in * n_cls :]
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        value = -(weights * (onehot * log_p).sum(axis=1)).sum() / weights.sum() + 0.5 * l2 * (w**2).sum()
        grad_logits = weights[:, None] * (np.exp(log_p) - onehot) / weights.sum()
        grad = np.concatenate([(x.T @ grad_logits + l2 * w).ravel(), grad_logits.sum(axis=0)])
        return value, grad

    start = np.zeros(n_in * n_cls + n_cls)
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 300})
    w, b = result.x[: n_in * n_cls].reshape(n_in, n_cls), result.x[n_in * n_cls :]
    return LinearHead(CLASSES, features, mean.astype(np.float32), scale.astype(np.float32), w.astype(np.float32),
                      b.astype(np.float32), np.full(n_cls, 0.5, np.float32))  # fmt: skip


def training_rows(examples: list[Example], labels: list[np.ndarray], features: FeatureSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(inputs, class indices, weights) of every labelled crop. Each class weighs the same in all; within a class a
    crop counts as much as its example's `weight`."""
    rows, targets, own = [], [], []
    for example, label in zip(examples, labels):
        keep = label >= 0
        if keep.any():
            inputs = crop_inputs(example.crops.embeddings, example.crops.crops(), features)
            rows.append(inputs[keep])
            targets.append(label[keep])
            own.append(np.full(int(keep.sum()), example.weight))
    x, y, own_weights = np.concatenate(rows), np.concatenate(targets), np.concatenate(own)
    counts = np.bincount(y, weights=own_weights, minlength=len(CLASSES))
    weights = own_weights * (own_weights.sum() / (len(CLASSES) * np.maximum(counts, 1e-9)))[y]
    return x, y, weights


def fit_head(examples: list[Example], l2: float, features: FeatureSet) -> LinearHead:
    """The head fitted on `examples`, with multiple-instance rounds for crowded positive photos."""
    labels, pending = zip(*(certain_labels(e) for e in examples)) if examples else ((), ())
    labels = [l.copy() for l in labels]
    head = _fit(*training_rows(examples, labels, features), l2, features)
    for _ in range(MIL_ROUNDS):
        chosen = [l.copy() for l in labels]
        for example, label, candidate_sets in zip(examples, chosen, pending):
            for candidates in candidate_sets:
                if candidates:
                    target = CLASSES.index(example.truth.value)
                    scores = photo_crop_scores(head, example.crops)[candidates, target]
                    label[candidates[int(np.argmax(scores))]] = target
        head = _fit(*training_rows(examples, chosen, features), l2, features)
    return head


def photo_crop_scores(head: LinearHead, crops: PhotoCrops) -> np.ndarray:
    """(crops, classes) probabilities, zero where a crop's group may not report the class."""
    probabilities = head.probabilities(crop_inputs(crops.embeddings, crops.crops(), head.features))
    allowed = np.zeros_like(probabilities)
    for row, group in enumerate(crops.groups):
        for name in ALLOWED[group]:
            allowed[row, head.classes.index(name)] = 1.0
    return probabilities * allowed


def photo_scores(head: LinearHead, crops: PhotoCrops) -> np.ndarray:
    """(classes,) the highest probability of each class over the photo's crops (background: 0)."""
    return photo_crop_scores(head, crops).max(axis=0)
