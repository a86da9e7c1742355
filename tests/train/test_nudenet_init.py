"""NudeNet's YOLOv8n, converted from ONNX into an ultralytics model, computes what the ONNX computes."""

from __future__ import annotations

import copy

import cv2
import numpy as np
import pytest
import skimage.data

from media_screen.train.nudenet_init import (
    calibrate_batchnorm,
    convert_nudenet,
    max_output_difference,
    nudenet_onnx_path,
)


@pytest.fixture(scope="module")
def converted():
    return convert_nudenet(nudenet_onnx_path())


@pytest.fixture(scope="module")
def astronaut_bgr():
    return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)


def test_converted_model_matches_the_onnx_file(converted, astronaut_bgr):
    # given the converted model and the original ONNX
    # when both run on the same small input
    difference, scale = max_output_difference(converted, nudenet_onnx_path(), astronaut_bgr, size=128)
    # then the outputs agree to float rounding (boxes are in pixels, scores in 0..1)
    assert scale > 10
    assert difference <= 1e-3 * scale


def test_converted_model_keeps_nudenets_classes(converted):
    assert len(converted.names) == 18 and "FACE_FEMALE" in converted.names.values()


def test_batchnorm_calibration_leaves_eval_outputs_unchanged(converted, astronaut_bgr):
    # given a copy of the converted model
    model = copy.deepcopy(converted)
    coffee = cv2.cvtColor(skimage.data.coffee(), cv2.COLOR_RGB2BGR)
    # when its BatchNorm statistics are set from two photos
    calibrate_batchnorm(model, [astronaut_bgr, coffee])
    # then it still matches the ONNX, and the statistics are no longer the identity's
    difference, scale = max_output_difference(model, nudenet_onnx_path(), astronaut_bgr, size=128)
    assert difference <= 1e-3 * scale
    first_bn = model.model[0].bn
    assert not np.allclose(first_bn.running_mean.numpy(), 0.0)
