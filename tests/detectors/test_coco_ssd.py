"""The COCO proposal stage: its views, its suppression, and the ONNX network against the TensorFlow graph."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from media_screen.detectors import coco_ssd
from media_screen.detectors.coco_ssd import (
    COCO_GROUPS,
    INPUT_SIDE,
    KEPT_CLASSES,
    CocoSsd,
    ObjectClass,
    Proposals,
    decode_boxes,
    select_detections,
    suppress,
    views,
)
from media_screen.errors import ModelUnavailableError

SAMPLES = Path(__file__).resolve().parents[2] / "sample_media" / "detectors"
COCO_COLUMNS = 91  # class scores per anchor in the TensorFlow graph: background and COCO's 90 ids


def test_a_panorama_is_also_seen_in_two_overlapping_halves_and_a_16_by_9_frame_is_not():
    assert views(400, 300) == [(0, 0, 400, 300)]
    assert views(1600, 900) == [(0, 0, 1600, 900)]
    whole, left, right = views(1000, 300)
    assert whole == (0, 0, 1000, 300) and left[0] == 0 and right[2] == 1000 and left[2] > right[0]


def test_suppression_keeps_the_best_of_overlapping_boxes_of_one_group_only():
    found = Proposals(
        np.array([(0, 0, 100, 200), (2, 2, 100, 200), (0, 0, 100, 200)], np.float32),
        np.array([0.6, 0.9, 0.5], np.float32),
        (ObjectClass.PERSON, ObjectClass.PERSON, ObjectClass.VEHICLE),
    )
    kept = suppress(found)
    assert sorted(kept.groups) == [ObjectClass.PERSON, ObjectClass.VEHICLE]
    assert max(kept.scores) == pytest.approx(0.9)


def test_a_zero_box_code_decodes_to_its_prior():
    # given two priors with the usual variances and codes of zero
    priors = np.array([[[0.1, 0.2, 0.3, 0.6, 0.5, 0.5, 1.0, 1.0], [0.1, 0.1, 0.2, 0.2] * 2]], np.float32)
    # when decoded
    boxes = decode_boxes(np.zeros((1, 8), np.float32), priors)
    # then each box is its prior
    assert np.allclose(boxes, [[0.1, 0.2, 0.3, 0.6], [0.5, 0.5, 1.0, 1.0]])


def test_selection_suppresses_within_a_class_and_keeps_other_classes():
    # given two overlapping person boxes and a car box at the same place
    boxes = np.array([[0.1, 0.1, 0.5, 0.9], [0.11, 0.1, 0.5, 0.9], [0.1, 0.1, 0.5, 0.9]], np.float32)
    scores = np.zeros((3, len(KEPT_CLASSES)), np.float32)
    scores[0, KEPT_CLASSES.index(1)], scores[1, KEPT_CLASSES.index(1)] = 0.9, 0.8
    scores[2, KEPT_CLASSES.index(3)] = 0.7
    # when detections are selected as DetectionOutput does
    kept = select_detections(scores, boxes)
    # then the weaker person is suppressed and the car stays, best first
    assert [(class_id, round(score, 2)) for class_id, score, _ in kept] == [(1, 0.9), (3, 0.7)]


@pytest.fixture(scope="module")
def both_graphs():
    try:
        pruned = CocoSsd.load()
    except ModelUnavailableError as exc:
        pytest.skip(f"the COCO detector cannot run here: {exc}")
    return cv2.dnn.readNetFromTensorflow(*(str(p) for p in coco_ssd.model_paths())), pruned


def test_the_pruned_graph_finds_what_the_full_graph_finds(both_graphs):
    full, pruned = both_graphs
    for name in ("marked_car.jpg", "astronaut_patch.jpg"):
        # given a sample photo with a vehicle or a person in it
        bgr = cv2.imread(str(SAMPLES / name))
        # when both graphs run on it
        full.setInput(cv2.dnn.blobFromImage(bgr, size=(INPUT_SIDE, INPUT_SIDE), swapRB=True))
        reference = [r for r in full.forward()[0, 0] if int(r[1]) in COCO_GROUPS and r[2] >= 0.3]
        mine = [d for d in pruned._run(bgr) if d[1] >= 0.3]
        # then they report the same people and vehicles, scores and boxes
        assert reference, name
        assert len(mine) == len(reference)
        for _, class_id, score, *box in reference:
            assert any(c == int(class_id) and abs(s - score) < 1e-3 and np.abs(b - box).max() < 1e-3 for c, s, b in mine)


def test_the_onnx_network_gives_the_class_scores_and_box_codes_of_the_tensorflow_graph(both_graphs):
    full, ours = both_graphs
    # given the TensorFlow graph as OpenCV runs it, and a sample photo
    predictors = [f"BoxPredictor_{i}/ClassPredictor/Conv2D" for i in range(coco_ssd.FEATURE_MAPS)]
    bgr = cv2.imread(str(SAMPLES / "marked_car.jpg"))
    # when both run on it
    full.setInput(cv2.dnn.blobFromImage(bgr, size=(INPUT_SIDE, INPUT_SIDE), swapRB=True))
    *class_maps, reference_codes = full.forward([*predictors, "BoxEncodingPredictor/concat"])
    our_logits, our_codes = ours.network_outputs(bgr)
    # then every anchor's (x, y, w, h) code and its logits for the kept classes agree
    columns = list(KEPT_CLASSES)
    reference_logits = np.concatenate([
        m[0].transpose(1, 2, 0).reshape(-1, COCO_COLUMNS)[:, columns] for m in class_maps
    ])
    assert np.abs(our_codes - reference_codes.reshape(-1, 4)).max() < 1e-3
    assert our_logits.shape == reference_logits.shape
    assert np.abs(our_logits - reference_logits).max() < 1e-3
