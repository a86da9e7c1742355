"""Lossless FileReport <-> JSON, for the result cache and for reports sent between processes.

Unlike `report/serialize.py` (the stable, cleaned, rounded public contract), this
codec keeps every value exactly: decoding what it encoded gives an equal object.
Declared fields are decoded by their type hints (enums by name, tuples, nested
dataclasses); free-form values (evidence mappings) carry small tags so that
tuples and dicts survive JSON.
"""

from __future__ import annotations

import base64
import copyreg
import dataclasses
import enum
import functools
import json
import types
import typing
from collections.abc import Mapping
from typing import Any, Callable, TypeVar

from media_screen.model import FileReport

CODEC_VERSION = 3  # bump when the encoding changes; part of the cache key

T = TypeVar("T")


def encode(value: Any) -> Any:
    """Any data-model object as JSON-ready data."""
    return _encode(value, type(value))


def _encode(value: Any, hint: Any) -> Any:
    if hint is Any:
        return _encode_free(value)
    if value is None:
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        return {f.name: _encode(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.name
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _encode(value, options[0] if len(options) == 1 else Any)
    if origin is tuple:
        args = typing.get_args(hint)
        item_hint = args[0] if len(args) == 2 and args[1] is Ellipsis else Any
        return [_encode(item, item_hint) for item in value]
    if origin in (Mapping, dict):
        args = typing.get_args(hint)
        value_hint = args[1] if args else Any
        if value_hint is Any:
            return _encode_free(value)
        return {str(key): _encode(item, value_hint) for key, item in value.items()}
    return _encode_free(value)


def _encode_free(value: Any) -> Any:
    """Values typed `Any`: tag what JSON would otherwise change (tuples, bytes) and escape `$` keys."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {_escape(str(k)): _encode_free(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return {"$t": [_encode_free(v) for v in value]}
    if isinstance(value, list):
        return [_encode_free(v) for v in value]
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, enum.Enum):
        return _encode_free(value.value)
    if hasattr(value, "item"):  # numpy scalar
        return _encode_free(value.item())
    if dataclasses.is_dataclass(value):
        return _encode_free(dataclasses.asdict(value))
    return str(value)


def _escape(key: str) -> str:
    return "$" + key if key.startswith("$") else key


def _untag_object(obj: dict) -> Any:
    """json object_hook: turn tags back into tuples and bytes, unescape `$$` keys (objects come innermost first)."""
    if len(obj) == 1:
        if "$t" in obj:
            return tuple(obj["$t"])
        if "$b" in obj:
            return base64.b64decode(obj["$b"])
    for key in obj:
        if key.startswith("$$"):
            return {k[1:] if k.startswith("$$") else k: v for k, v in obj.items()}
    return obj


def _untag(data: Any) -> Any:
    """What `_untag_object` does during json.loads, for data that did not come through JSON."""
    if isinstance(data, list):
        return [_untag(v) for v in data]
    if isinstance(data, dict):
        return _untag_object({k: _untag(v) for k, v in data.items()})
    return data


def decode(cls: type[T], data: Any) -> T:
    """Rebuild an object of `cls` (a data-model dataclass) from `encode`d data."""
    return _decoder(cls)(_untag(data))


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _identity(data: Any) -> Any:
    return data


def _to_float(data: Any) -> Any:
    return float(data) if isinstance(data, int) and not isinstance(data, bool) else data


@functools.cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """A function that decodes data of type `hint`; built once per type (cache reads are hot)."""
    if hint is Any:
        return _identity  # tags were undone while parsing
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        inner = _decoder(options[0])
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return lambda data: tuple(item(value) for value in data)
        items = [_decoder(arg) for arg in args]
        return lambda data: tuple(decode_item(value) for decode_item, value in zip(items, data))
    if origin in (Mapping, dict):
        args = typing.get_args(hint)
        value_decoder = _decoder(args[1]) if args else _identity
        if value_decoder is _identity:
            return dict
        return lambda data: {key: value_decoder(value) for key, value in data.items()}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return lambda name: hint[name]  # by name; hint.__getitem__ would be str's for str enums
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    if hint is float:
        return _to_float
    return _identity


def _dataclass_decoder(cls: type) -> Callable[[Any], Any]:
    hints = _hints(cls)
    fields = {f.name: _decoder(hints[f.name]) for f in dataclasses.fields(cls) if f.init}

    def decode_dataclass(data: Any) -> Any:
        return cls(**{name: fields[name](value) for name, value in data.items() if name in fields})

    return decode_dataclass


def report_to_json(report: FileReport) -> str:
    """Compact JSON text that is also valid UTF-8: a path's undecodable bytes (surrogates) become JSON escapes."""
    text = json.dumps(encode(report), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "backslashreplace").decode("utf-8")  # only surrogates cannot be encoded


def report_from_json(text: str) -> FileReport:
    hook = _untag_object if '"$' in text else None  # most reports carry no tag at all: parse at C speed
    return _decoder(FileReport)(json.loads(text, object_hook=hook))


def _rebuild_mappingproxy(content: dict) -> types.MappingProxyType:
    return types.MappingProxyType(content)


# Frozen dataclasses hold their mappings as MappingProxyType, which pickle refuses;
# registering a reducer lets profiles, options and reports cross process boundaries.
copyreg.pickle(types.MappingProxyType, lambda proxy: (_rebuild_mappingproxy, (dict(proxy),)))
