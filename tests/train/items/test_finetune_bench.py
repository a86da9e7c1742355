"""bench/police_items_finetune.py: its float top of EfficientNet-Lite3 is the int8 model's own top.

The bench's comparison of a fine-tuned top against the frozen probe only means something if the top it
starts from computes what the shipped embedder computes; this checks that on real pictures.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from media_screen.detectors import crop_features
from repo_scripts import REPO, repo_script

torch = pytest.importorskip("torch")  # the train extra


@pytest.fixture(scope="module")
def bench():
    try:
        crop_features.model_path()
    except Exception as exc:  # the backbone's package is missing here
        pytest.skip(str(exc))
    return repo_script("bench/police_items_finetune.py")


@pytest.mark.parametrize("name", ["marked_car.jpg", "clean_cat.jpg"])
def test_the_float_top_reproduces_the_int8_embedding(bench, name):
    # given a sample picture at the embedder's input size, run through the int8 network once
    interpreter = bench.open_network()
    bgr = cv2.imread(str(REPO / "sample_media" / "detectors" / name))
    rgb = cv2.resize(bgr, (crop_features.SIDE,) * 2, interpolation=cv2.INTER_AREA)[..., ::-1]
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], np.ascontiguousarray(rgb[None]))
    interpreter.invoke()
    details = {t["name"]: t for t in interpreter.get_tensor_details()}
    block22 = bench.dequantised(interpreter, details[bench.BLOCK_22])[0]
    embedding = bench.dequantised(interpreter, details[crop_features.EMBEDDING_TENSOR])[0]
    # when the bench's float layers carry block 22's output to the pooled embedding
    top = bench.float_top(interpreter)
    with torch.no_grad():
        mine = top(torch.tensor(block22).permute(2, 0, 1)[None])[0].numpy()
    # then they give the int8 model's embedding up to its quantisation (a step is 0.024)
    assert mine.shape == embedding.shape == (crop_features.AVERAGE_FEATURES,)
    assert np.corrcoef(mine, embedding)[0, 1] > 0.999
    assert np.abs(mine - embedding).max() < 0.1
