"""The onnxruntime YOLO runner: letterbox, decoding and NMS, and agreement with ultralytics on real photos."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

from media_screen.detectors.model_files import models_dir, package_model
from media_screen.detectors.yolo_onnx import YoloOnnx, decode, letterbox, non_max_suppression

REPO = Path(__file__).resolve().parents[2]
EVAL = REPO.parent / "shared" / "eval"


@pytest.mark.parametrize(
    "height, width, target, auto, padded_shape, pad",  # pad: (left, top)
    [
        # given a frame and the model's input / then it is scaled to fit, centred, padded with grey
        (480, 640, (256, 256), False, (256, 256), (0, 32)),  # landscape into a fixed square
        (640, 480, (256, 256), False, (256, 256), (32, 0)),  # portrait
        (100, 100, (320, 320), False, (320, 320), (0, 0)),  # scaled up, nothing to pad
        (480, 640, (320, 320), True, (256, 320), (0, 8)),  # dynamic input: padded only to the stride
        (1, 900, (320, 320), True, (32, 320), (0, 15)),  # a thin strip keeps one pixel row
    ],
)
def test_letterbox_fits_the_frame_like_ultralytics(height, width, target, auto, padded_shape, pad):
    padded, fitted = letterbox(np.zeros((height, width, 3), np.uint8), target, 32, auto)
    assert padded.shape[:2] == padded_shape and (fitted.pad_x, fitted.pad_y) == pad
    assert padded[0, 0].tolist() == ([114, 114, 114] if any(pad) else [0, 0, 0])


def test_boxes_map_back_through_the_letterbox():
    _, fitted = letterbox(np.zeros((480, 640, 3), np.uint8), (256, 256), 32, False)
    back = fitted.to_frame(np.array([[0, 32, 256, 224], [-5, 0, 300, 300]], np.float32), 640, 480)
    assert np.allclose(back, [[0, 0, 640, 480], [0, 0, 640, 480]])  # the second clipped to the frame


def test_nms_keeps_the_best_of_overlapping_boxes_per_class_only():
    # given two overlapping boxes of one class, one of another class on top of them, and a distant one
    output = np.zeros((4 + 2, 4), np.float32)
    output[:4] = np.array([[50, 50, 20, 20], [52, 50, 20, 20], [50, 50, 20, 20], [200, 200, 10, 10]], np.float32).T
    output[4] = [0.9, 0.8, 0.0, 0.7]
    output[5] = [0.0, 0.0, 0.6, 0.0]
    # when decoded
    xyxy, scores, classes = decode(output, 0.25, None, 0.45)
    # then the weaker overlapping box of class 0 is gone; class 1 on top of it stays
    assert scores.tolist() == pytest.approx([0.9, 0.7, 0.6]) and classes.tolist() == [0, 0, 1]
    assert xyxy[0].tolist() == [40, 40, 60, 60]
    # and asking for class 1 only drops class 0 before NMS; a score at the floor is not above it
    assert decode(output, 0.25, [1], 0.45)[2].tolist() == [1]
    assert len(decode(output, 0.9, None, 0.45)[1]) == 0


def test_greedy_nms_suppresses_only_above_the_threshold():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 5], [20, 20, 30, 30]], np.float32)  # IoU of the first two: 0.5
    assert non_max_suppression(boxes, np.array([0.9, 0.8, 0.7]), 0.5).tolist() == [0, 1, 2]
    assert non_max_suppression(boxes, np.array([0.9, 0.8, 0.7]), 0.49).tolist() == [0, 2]


def real_photos() -> list[Path]:
    photos = sorted((REPO / "sample_media" / "detectors").glob("*.jpg"))
    for folder in ("police", "faces"):
        photos += sorted((EVAL / folder).rglob("*.jpg"))[::25][:15]
    return photos


@pytest.mark.skipif(importlib.util.find_spec("ultralytics") is None, reason="ultralytics (train extra) not installed")
@pytest.mark.parametrize(
    "model, imgsz",
    [(lambda: package_model("nudenet", "320n.onnx"), 320), (lambda: models_dir() / "police_yolov8n.onnx", None)],
    ids=["nudenet", "police"],
)
def test_the_same_boxes_as_ultralytics_on_real_photos(model, imgsz):
    from media_screen.detectors.ultralytics_backend import YoloModel

    # given a shipped model run both ways, with a low score floor so that there are many boxes to compare
    path = model()
    ours, theirs = YoloOnnx(path), YoloModel(path, "detect")
    compared = 0
    for photo in real_photos():
        pixels = cv2.imread(str(photo))
        # when each finds boxes in the same photo
        found, expected = ours.predict(pixels, 0.05, imgsz), theirs.predict(pixels, 0.05, imgsz)
        # then the boxes, classes and order agree: coordinates within 1 px, scores within 0.01
        assert found.class_ids.tolist() == expected.class_ids.tolist(), photo.name
        assert np.abs(found.xyxy - expected.xyxy).max(initial=0) <= 1.0, photo.name
        assert np.abs(found.scores - expected.scores).max(initial=0) <= 0.01, photo.name
        compared += len(found)
    assert compared >= 5
