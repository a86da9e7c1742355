"""GPS in camera telemetry tracks: GoPro GPMF (`gpmd`, GPS5 / GPS9) and Google CAMM (`camm`).

Pure functions over the bytes of one sample. Hostile input: every length is
checked against the bytes that exist, nesting is bounded, and a malformed
record ends the parse of that sample (returns what was found so far).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Iterator

MAX_GPMF_DEPTH = 8
GPMF_NESTED = 0  # type byte 0: the value is more KLV records


@dataclass(frozen=True)
class Fix:
    """One telemetry position; `locked` is False when the receiver said it had no fix."""

    lat: float
    lon: float
    altitude_m: float | None
    locked: bool
    gps_time: str | None = None


@dataclass(frozen=True)
class Klv:
    key: bytes
    type: int  # a byte: ord('l'), ord('L'), ..., 0 for nested
    struct_size: int
    repeat: int
    value: bytes


def iter_gpmf(data: bytes, depth: int = 0) -> Iterator[tuple[int, Klv]]:
    """(depth, record) for every GPMF KLV record, depth first."""
    if depth > MAX_GPMF_DEPTH:
        return
    offset = 0
    while offset + 8 <= len(data):
        key = data[offset : offset + 4]
        type_byte, struct_size = data[offset + 4], data[offset + 5]
        repeat = struct.unpack(">H", data[offset + 6 : offset + 8])[0]
        length = struct_size * repeat
        start = offset + 8
        if key == b"\x00\x00\x00\x00" or start + length > len(data):
            return  # padding, or a record that claims more bytes than exist
        record = Klv(key, type_byte, struct_size, repeat, data[start : start + length])
        yield depth, record
        if type_byte == GPMF_NESTED:
            yield from iter_gpmf(record.value, depth + 1)
        offset = start + ((length + 3) & ~3)  # values are padded to 32 bits


def _numbers(record: Klv) -> list[float]:
    """The values of a numeric record (one flat list)."""
    codes = {ord("l"): "i", ord("L"): "I", ord("s"): "h", ord("S"): "H", ord("f"): "f", ord("d"): "d",
             ord("b"): "b", ord("B"): "B", ord("j"): "q", ord("J"): "Q"}
    code = codes.get(record.type)
    if code is None:
        return []
    width = struct.calcsize(code)
    count = len(record.value) // width
    return list(struct.unpack(f">{count}{code}", record.value[: count * width]))


def _text(record: Klv) -> str:
    return record.value.split(b"\x00", 1)[0].decode("latin-1", errors="replace").strip()


def gpmf_gps_fix(payload: bytes) -> tuple[bool, Fix | None]:
    """(GPS stream present, first position) in one GPMF payload.

    GPS5 holds lat, lon, alt, 2D and 3D speed as int32 divided by SCAL; GPS9
    (HERO11 and later) holds those plus time, DOP and fix in one record each.
    GPSF (0 none, 2 2D, 3 3D) says whether GPS5 positions are a fix.
    """
    present = False
    scale: list[float] = []
    fix_state: int | None = None
    gps_time: str | None = None
    for _, record in iter_gpmf(payload):
        if record.key == b"STRM":
            scale, fix_state, gps_time = [], None, None  # each stream carries its own SCAL
        elif record.key == b"SCAL":
            scale = _numbers(record)
        elif record.key == b"GPSF":
            values = _numbers(record)
            fix_state = int(values[0]) if values else None
        elif record.key == b"GPSU" and record.value:
            gps_time = _text(record)
        elif record.key == b"GPS5" and record.type == ord("l") and record.struct_size >= 12:
            present = True
            values = struct.unpack(">3i", record.value[:12])
            fix = _scaled_fix(values, scale, fix_state != 0, gps_time)
            if fix is not None:
                return present, fix
        elif record.key == b"GPS9" and record.struct_size >= 32:
            present = True
            values = struct.unpack(">3i", record.value[:12])
            locked = struct.unpack(">H", record.value[30:32])[0] != 0
            fix = _scaled_fix(values, scale, locked, gps_time)
            if fix is not None:
                return present, fix
    return present, None


def _scaled_fix(values: tuple[int, ...], scale: list[float], locked: bool, gps_time: str | None) -> Fix | None:
    if not scale:
        return None
    scales = scale if len(scale) >= 3 else [scale[0]] * 3
    if any(s == 0 for s in scales[:3]):
        return None
    lat, lon, alt = (values[i] / scales[i] for i in range(3))
    return Fix(lat, lon, alt, locked, gps_time)


def gpmf_device_strings(payload: bytes) -> dict[str, str]:
    """Camera serial (CASN), model (MINF) and firmware (FMWR) from a `udta/GPMF` box."""
    wanted = {b"CASN": "serial", b"MINF": "model", b"FMWR": "firmware"}
    found: dict[str, str] = {}
    for _, record in iter_gpmf(payload):
        name = wanted.get(record.key)
        if name and record.type == ord("c") and name not in found:
            text = _text(record)
            if text:
                found[name] = text
    return found


# CAMM packet types that carry a position (all fields little-endian).
CAMM_GPS_POSITION = 5  # lat, lon, alt as doubles
CAMM_GPS_FULL = 6  # time (double), fix type (int32), lat, lon (doubles), alt (float), ...


def camm_gps_fix(sample: bytes) -> tuple[bool, Fix | None]:
    """(GPS packet, position) in one CAMM sample (one packet per sample)."""
    if len(sample) < 4:
        return False, None
    packet_type = struct.unpack("<H", sample[2:4])[0]
    body = sample[4:]
    if packet_type == CAMM_GPS_POSITION and len(body) >= 24:
        lat, lon, alt = struct.unpack("<3d", body[:24])
        return True, Fix(lat, lon, alt, True)
    if packet_type == CAMM_GPS_FULL and len(body) >= 32:
        _, fix_type, lat, lon, alt = struct.unpack("<diddf", body[:32])
        return True, Fix(lat, lon, float(alt), fix_type != 0)
    return False, None
