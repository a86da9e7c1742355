"""Small edits of an ONNX model's bytes at the protobuf wire level, without importing the `onnx` package.

Importing `onnx` costs about 0.6 s per process here (its ml_dtypes extension), more than loading the face
network itself; a screening tool starts a process per command and per worker, so the one edit the face
detector needs at load (its picture's sides made free) is done on the wire instead. Only what the edits
need is read: the model's graph (field 7), its nodes' inputs (1 -> 1), its weights' names (5 -> 8), its
inputs and outputs (11, 12: ValueInfoProto), and in each the tensor type's shape dimensions
(ValueInfoProto.type 2 -> TypeProto.tensor_type 1 -> shape 2 -> dim 1 -> dim_value 1 / dim_param 2).
Every other field is copied byte for byte.
"""

from __future__ import annotations

from typing import Callable

Field = tuple[int, int, bytes]  # (field number, wire type, payload: the content of a length-delimited field, else its raw bytes)

VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5


class WireError(ValueError):
    """The bytes are not a protobuf message this module can read."""


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise WireError("truncated varint")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def fields(data: bytes) -> list[Field]:
    """The top-level fields of one message, in order."""
    result, position = [], 0
    while position < len(data):
        key, position = _read_varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            start = position
            _, position = _read_varint(data, position)
            result.append((number, wire_type, data[start:position]))
        elif wire_type == LENGTH_DELIMITED:
            length, position = _read_varint(data, position)
            if position + length > len(data):
                raise WireError("truncated field")
            result.append((number, wire_type, data[position : position + length]))
            position += length
        elif wire_type in (FIXED64, FIXED32):
            size = 8 if wire_type == FIXED64 else 4
            result.append((number, wire_type, data[position : position + size]))
            position += size
        else:
            raise WireError(f"unsupported wire type {wire_type}")
    return result


def message(items: list[Field]) -> bytes:
    """The fields encoded again."""
    out = bytearray()
    for number, wire_type, payload in items:
        out += _varint(number << 3 | wire_type)
        if wire_type == LENGTH_DELIMITED:
            out += _varint(len(payload))
        out += payload
    return bytes(out)


def _edit(data: bytes, number: int, change: Callable[[bytes], bytes]) -> bytes:
    """The message with every length-delimited field `number` replaced by change(its content)."""
    return message([(n, w, change(p) if n == number and w == LENGTH_DELIMITED else p) for n, w, p in fields(data)])


def _strings(items: list[Field], number: int) -> list[str]:
    return [p.decode("utf-8") for n, w, p in items if n == number and w == LENGTH_DELIMITED]


def _string(items: list[Field], number: int) -> str:
    return next(iter(_strings(items, number)), "")


def with_free_sides(model: bytes, value_names: set[str], fixed_axes: set[int]) -> bytes:
    """The model with every dimension of the named graph inputs and outputs made symbolic (named
    "<value>_<axis>"), except the axes in `fixed_axes`."""

    def value_info(data: bytes) -> bytes:
        items = fields(data)
        name = _string(items, 1)
        if name not in value_names:
            return data

        def shape(shape_data: bytes) -> bytes:
            dims = []
            for axis, (n, w, p) in enumerate(fields(shape_data)):
                if n == 1 and w == LENGTH_DELIMITED and axis not in fixed_axes:
                    p = message([(2, LENGTH_DELIMITED, f"{name}_{axis}".encode("utf-8"))])
                dims.append((n, w, p))
            return message(dims)

        return message([(n, w, _edit(p, 1, lambda tensor: _edit(tensor, 2, shape)) if n == 2 and w == LENGTH_DELIMITED else p)
                        for n, w, p in items])

    def graph(data: bytes) -> bytes:
        return message([(n, w, value_info(p) if n in (11, 12) and w == LENGTH_DELIMITED else p)
                        for n, w, p in fields(data)])

    return _edit(model, 7, graph)


def weights_as_constants(model: bytes) -> bytes:
    """The model with its weights no longer listed among the graph's inputs (old exporters list them: onnxruntime
    then cannot fold them), and without the weights no node reads (batch-norm counters)."""

    def graph(data: bytes) -> bytes:
        items = fields(data)
        read = {name for n, w, p in items if n == 1 and w == LENGTH_DELIMITED for name in _strings(fields(p), 1)}
        weights = {_string(fields(p), 8) for n, w, p in items if n == 5 and w == LENGTH_DELIMITED}
        kept = []
        for n, w, p in items:
            if n == 5 and w == LENGTH_DELIMITED and _string(fields(p), 8) not in read:
                continue  # a weight nobody reads
            if n == 11 and w == LENGTH_DELIMITED and _string(fields(p), 1) in weights:
                continue  # a weight listed as an input
            kept.append((n, w, p))
        return message(kept)

    return _edit(model, 7, graph)
