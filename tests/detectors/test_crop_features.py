"""The crop embedder: EfficientNet-Lite3's pooled features, from the graph rewritten to output them."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from media_screen.detectors import crop_features
from media_screen.detectors.crop_features import (
    AVERAGE_FEATURES, EMBEDDING_TENSOR, SPATIAL_FEATURES, CropEmbedder, embedding_as_output, model_path,
    whole_frame_embedding,
)
from media_screen.detectors.frame_cache import frozen
from media_screen.errors import ModelUnavailableError


@pytest.fixture(scope="module")
def embedders() -> tuple[CropEmbedder, CropEmbedder]:
    try:
        return CropEmbedder.load(1), CropEmbedder.load(1, spatial=True)
    except ModelUnavailableError as exc:  # the backbone's package is missing here
        pytest.skip(str(exc))


def test_the_rewritten_graph_outputs_the_pooled_embedding(embedders):
    # given the shipped model file, when its output is rewritten
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=embedding_as_output(model_path().read_bytes()))
    # then the graph's one output is the embedding before the ImageNet classifier, and the file on disk is untouched
    (output,) = interpreter.get_output_details()
    assert output["name"] == EMBEDDING_TENSOR and list(output["shape"]) == [1, AVERAGE_FEATURES]
    (original,) = Interpreter(model_path=str(model_path())).get_output_details()
    assert list(original["shape"]) == [1, 1000]


def test_the_fast_embedding_equals_the_first_half_of_the_spatial_one(embedders, astronaut, coffee):
    fast, spatial = embedders
    for picture in (astronaut, coffee, astronaut[:200, 100:250]):
        # when one crop is embedded both ways
        pooled, both = fast(picture), spatial(picture)
        # then the average-pooled features are the same numbers; only the spatial embedder adds the max-pooled ones
        assert pooled.shape == (AVERAGE_FEATURES,) and both.shape == (SPATIAL_FEATURES,)
        assert np.array_equal(pooled, both[:AVERAGE_FEATURES])
        # and each channel's maximum over the map is at least its average (within a quantisation step)
        assert np.all(both[AVERAGE_FEATURES:] >= pooled - 0.05)
    # and different pictures give different embeddings
    assert not np.allclose(fast(astronaut), fast(coffee))


class Counted:
    """An embedder whose runs are counted."""

    def __init__(self, embedder: CropEmbedder) -> None:
        self.embedder, self.spatial, self.runs = embedder, embedder.spatial, 0

    def __call__(self, crop):
        self.runs += 1
        return self.embedder(crop)


def test_the_whole_frame_is_embedded_once_for_every_detector_that_judges_it(embedders, coffee):
    fast, spatial = embedders
    # given two detectors' embedders of the same network (police_items and weapons) and one decoded frame
    police_items, weapons, wide = Counted(fast), Counted(fast), Counted(spatial)
    frame = frozen(coffee.copy())
    # when both embed the whole frame
    first, second = whole_frame_embedding(police_items, frame), whole_frame_embedding(weapons, frame)
    # then the network ran once, and both have its embedding, which neither can change
    assert police_items.runs + weapons.runs == 1
    assert second is first and np.array_equal(first, fast(coffee)) and not first.flags.writeable
    # and an embedder that describes more (max-pooled features too) has its own
    assert whole_frame_embedding(wide, frame).shape == (SPATIAL_FEATURES,) and wide.runs == 1


def test_interpreter_loads_on_two_threads_take_turns_and_leave_stderr_as_it_was():
    # given two threads that each make "an interpreter" inside the quiet load, a moment apart
    inside, overlaps = [0], []
    lock = threading.Lock()
    before = os.fstat(2)

    def load():
        with crop_features.quiet_interpreter_load():
            with lock:
                inside[0] += 1
                overlaps.append(inside[0])
            time.sleep(0.05)
            with lock:
                inside[0] -= 1

    # when they run at once
    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # then never both inside at once, and file descriptor 2 is the same file again afterwards
    assert overlaps == [1, 1]
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
