"""Video metadata readers: per container family, it finds the thing, clean input gives nothing,
corrupt input gives nothing (or an invalid reading) without raising. Plus the box walker's limits
and the evaluation set in ../shared/eval/video_meta (skipped when absent)."""

from __future__ import annotations

import csv
import struct
from pathlib import Path

import pytest

from media_screen.inputs.source import Source
from media_screen.metadata import read_metadata
from media_screen.metadata.bmff import MAX_BOXES, BoxReader
from media_screen.metadata.telemetry import camm_gps_fix, gpmf_gps_fix
from media_screen.metadata.video import parse_iso6709, read_video_metadata
from media_screen.model import FactKind
from video_support import marker_clip

EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval" / "video_meta"
PLAZA = (37.978, -122.0313)


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, payload: bytes, version: int = 0) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]) + payload)


def read(path: Path):
    return read_video_metadata(Source.open(path))


def kinds(facts) -> set[FactKind]:
    return {f.kind for f in facts}


def clip(tmp_path: Path, name: str, container_format: str, metadata=None, muxer_options=None) -> Path:
    return marker_clip(tmp_path / name, seconds=0.5, container_format=container_format, metadata=metadata,
                       muxer_options=muxer_options, codec="mpeg4" if container_format == "avi" else "libx264")


def replace_box(path: Path, kind: bytes, new_payload: bytes) -> None:
    """Overwrite the payload of the first box of `kind` in place (same size, zero padded or cut)."""
    data = bytearray(path.read_bytes())
    with open(path, "rb") as handle:
        target = next(b for _, b in BoxReader(handle, len(data)).walk() if b.type == kind)
    payload = new_payload[: target.payload_size].ljust(target.payload_size, b"\x00")
    data[target.payload_offset : target.end] = payload
    path.write_bytes(bytes(data))


def append(path: Path, extra: bytes) -> None:
    path.write_bytes(path.read_bytes() + extra)


# --- QuickTime Keys ------------------------------------------------------------------------------

KEYS = {"movflags": "use_metadata_tags"}


def test_keys_location_make_and_model_are_found(tmp_path):
    path = clip(tmp_path, "keys.mov", "mov", {"com.apple.quicktime.location.ISO6709": "+37.9780-122.0313+020.000/",
                                              "com.apple.quicktime.make": "Apple",
                                              "com.apple.quicktime.model": "iPhone 12"}, KEYS)
    facts, readings = read(path)
    assert [(r.lat, r.lon, r.altitude_m) for r in readings] == [(*PLAZA, 20.0)]
    assert readings[0].source == "QuickTime Keys com.apple.quicktime.location.ISO6709"
    assert {f.value for f in facts if f.kind == FactKind.DEVICE} == {"Apple", "iPhone 12"}


def test_keys_without_location_give_no_position(tmp_path):
    facts, readings = read(clip(tmp_path, "clean.mov", "mov", {"com.apple.quicktime.make": "Apple"}, KEYS))
    assert readings == [] and FactKind.GPS not in kinds(facts)


def test_keys_box_with_a_lying_count_is_survived(tmp_path):
    path = clip(tmp_path, "bad.mov", "mov", {"com.apple.quicktime.location.ISO6709": "+37.9780-122.0313/"}, KEYS)
    replace_box(path, b"keys", b"\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x03mdt")  # 4 billion keys, 1 broken
    facts, readings = read(path)
    assert readings == []  # the ilst item points at a key that does not exist: ignored


# --- udta (c)xyz -------------------------------------------------------------------------------


def test_udta_xyz_is_found(tmp_path):
    facts, readings = read(clip(tmp_path, "xyz.mov", "mov", {"location": "+37.9780-122.0313/"}))
    assert [(r.lat, r.lon, r.source) for r in readings] == [(*PLAZA, "QuickTime udta ©xyz")]


def test_clean_mov_has_no_location(tmp_path):
    facts, readings = read(clip(tmp_path, "clean.mov", "mov"))
    assert readings == [] and FactKind.GPS not in kinds(facts)


def test_garbage_xyz_is_reported_as_invalid(tmp_path, profile):
    path = clip(tmp_path, "bad.mov", "mov", {"location": "+37.9780-122.0313/"})
    replace_box(path, b"\xa9xyz", b"\x00\x12\x15\xc7north of here!!")
    metadata = read_metadata(Source.open(path), profile)
    assert metadata.location is None
    assert [f.value for f in metadata.of_kind(FactKind.GPS_INVALID)] == ["GPS coordinates missing"]


# --- 3GPP loci -------------------------------------------------------------------------------------


def test_loci_is_found(tmp_path):
    facts, readings = read(clip(tmp_path, "loci.mp4", "mp4", {"location": "+37.9780-122.0313/"}))
    assert [r.source for r in readings] == ["3GPP udta loci"]
    assert (readings[0].lat, readings[0].lon) == pytest.approx(PLAZA, abs=1e-4)  # 16.16 fixed point


def test_clean_mp4_has_no_location(tmp_path):
    facts, readings = read(clip(tmp_path, "clean.mp4", "mp4"))
    assert readings == [] and FactKind.GPS not in kinds(facts)


def test_cut_loci_gives_an_invalid_reading(tmp_path):
    path = clip(tmp_path, "bad.3gp", "3gp", {"location": "+37.9780-122.0313/"})
    replace_box(path, b"loci", b"\x00\x00\x00\x00\x15\xc7" + b"x" * 40)  # a name that never ends
    facts, readings = read(path)
    assert [(r.lat, r.lon) for r in readings] == [(None, None)]


def test_zero_location_is_reported_invalid(tmp_path, profile):
    path = clip(tmp_path, "zero.mov", "mov", {"location": "+00.0000+000.0000/"})
    metadata = read_metadata(Source.open(path), profile)
    assert metadata.location is None
    assert [f.value for f in metadata.of_kind(FactKind.GPS_INVALID)] == ["GPS coordinates are 0/0 (no fix)"]


# --- XMP in a uuid box --------------------------------------------------------------------------

XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
XMP_GPS = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="37,58.68N" '
           b'exif:GPSLongitude="122,1.878W" tiff:Model="Pixel 7"/></rdf:RDF></x:xmpmeta>')


def test_xmp_gps_in_a_uuid_box_is_found(tmp_path):
    path = clip(tmp_path, "xmp.mp4", "mp4")
    append(path, box(b"uuid", XMP_UUID + XMP_GPS))
    facts, readings = read(path)
    assert (readings[0].lat, readings[0].lon) == pytest.approx(PLAZA, abs=1e-4)
    assert readings[0].source == "XMP exif:GPSLatitude (uuid box)"
    assert any(f.kind == FactKind.DEVICE and f.value == "Pixel 7" for f in facts)


def test_xmp_without_gps_gives_no_position(tmp_path):
    path = clip(tmp_path, "xmp.mp4", "mp4")
    append(path, box(b"uuid", XMP_UUID + b'<x:xmpmeta><rdf:Description xmp:CreatorTool="iMovie"/></x:xmpmeta>'))
    facts, readings = read(path)
    assert readings == [] and any(f.kind == FactKind.SOFTWARE and f.value == "iMovie" for f in facts)


def test_broken_xmp_is_survived(tmp_path):
    path = clip(tmp_path, "xmp.mp4", "mp4")
    append(path, box(b"uuid", XMP_UUID + b'<x:xmpmeta exif:GPSLatitude="north"' + b"\xff" * 64))
    facts, readings = read(path)
    assert [(r.lat, r.lon) for r in readings] == [(None, None)]  # a GPS block that holds no position


# --- telemetry tracks: GoPro GPMF and Google CAMM ----------------------------------------------


def klv(key: bytes, type_char: bytes, struct_size: int, repeat: int, value: bytes) -> bytes:
    padded = value + b"\x00" * (-len(value) % 4)
    return key + type_char + bytes([struct_size]) + struct.pack(">H", repeat) + padded


def gpmf_payload(lat: float, lon: float, fix: int = 3, with_gps: bool = True) -> bytes:
    stream = klv(b"STNM", b"c", 1, 3, b"GPS")
    if with_gps:
        stream += klv(b"GPSF", b"L", 4, 1, struct.pack(">I", fix))
        stream += klv(b"SCAL", b"l", 4, 5, struct.pack(">5i", 10_000_000, 10_000_000, 1000, 1000, 100))
        stream += klv(b"GPS5", b"l", 20, 1, struct.pack(">5i", round(lat * 1e7), round(lon * 1e7), 20_000, 0, 0))
    else:
        stream += klv(b"ACCL", b"s", 6, 1, struct.pack(">3h", 1, 2, 3))
    return nested(b"DEVC", nested(b"STRM", stream))


def nested(key: bytes, body: bytes) -> bytes:
    return klv(key, b"\x00", 4, len(body) // 4, body)


def camm_gps_sample(lat: float, lon: float) -> bytes:
    return struct.pack("<HH", 0, 6) + struct.pack("<diddf", 1.3e9, 3, lat, lon, 20.0) + b"\x00" * 24


def telemetry_file(path: Path, entry: bytes, samples: list[bytes]) -> Path:
    """A minimal MP4: one metadata track whose sample entry is `entry`, its samples in one chunk."""
    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isommp41")
    sizes = b"".join(struct.pack(">I", len(s)) for s in samples)

    def moov(chunk_offset: int) -> bytes:
        stbl = box(b"stbl", full_box(b"stsd", struct.pack(">I", 1) + box(entry, b"\x00" * 8))
                   + full_box(b"stsz", struct.pack(">II", 0, len(samples)) + sizes)
                   + full_box(b"stsc", struct.pack(">IIII", 1, 1, len(samples), 1))
                   + full_box(b"stco", struct.pack(">II", 1, chunk_offset)))
        hdlr = full_box(b"hdlr", b"\x00" * 4 + b"meta" + b"\x00" * 13)
        return box(b"moov", box(b"trak", box(b"mdia", hdlr + box(b"minf", stbl))))

    head = ftyp + moov(0)
    data_offset = len(head) + 8
    path.write_bytes(ftyp + moov(data_offset) + box(b"mdat", b"".join(samples)))
    return path


def test_gopro_gps5_track_is_found_with_its_first_fix(tmp_path):
    path = telemetry_file(tmp_path / "gopro.mp4", b"gpmd", [gpmf_payload(*PLAZA), gpmf_payload(38.0, -122.0)])
    facts, readings = read(path)
    assert [f.kind for f in facts] == [FactKind.LOCATION_TRACK]
    assert "location track present" in facts[0].value
    assert [(r.lat, r.lon, r.source) for r in readings] == [(*PLAZA, "GoPro GPMF GPS5 (first fix)")]


def test_gopro_track_without_gps_is_no_location_track(tmp_path):
    path = telemetry_file(tmp_path / "gopro.mp4", b"gpmd", [gpmf_payload(0, 0, with_gps=False)])
    assert read(path) == ([], [])


def test_gopro_record_longer_than_its_payload_is_survived(tmp_path):
    broken = gpmf_payload(*PLAZA)[:-12]  # GPS5 claims 20 bytes; 8 are there
    path = telemetry_file(tmp_path / "gopro.mp4", b"gpmd", [broken])
    facts, readings = read(path)
    assert readings == []


def test_camm_gps_track_is_found(tmp_path):
    gyro = struct.pack("<HH3f", 0, 2, 0.1, 0.2, 0.3)
    path = telemetry_file(tmp_path / "camm.mp4", b"camm", [gyro, gyro, camm_gps_sample(*PLAZA)])
    facts, readings = read(path)
    assert [f.kind for f in facts] == [FactKind.LOCATION_TRACK]
    assert [(r.lat, r.lon) for r in readings] == [PLAZA]


def test_camm_without_gps_packets_is_no_location_track(tmp_path):
    gyro = struct.pack("<HH3f", 0, 2, 0.1, 0.2, 0.3)
    assert read(telemetry_file(tmp_path / "camm.mp4", b"camm", [gyro] * 5)) == ([], [])


def test_camm_truncated_packet_is_survived(tmp_path):
    assert read(telemetry_file(tmp_path / "camm.mp4", b"camm", [camm_gps_sample(*PLAZA)[:20]])) == ([], [])


@pytest.mark.parametrize(
    "payload, expected",
    [
        (b"", (False, None)),
        (b"DEVC\x00\x04\xff\xff", (False, None)),  # claims 256 KiB
        (klv(b"GPS5", b"l", 20, 1, b"\x00" * 20), (True, None)),  # no SCAL: no position
    ],
)
def test_gpmf_parser_on_hostile_payloads(payload, expected):
    assert gpmf_gps_fix(payload) == expected


def test_camm_parser_on_a_short_sample():
    assert camm_gps_fix(b"\x00\x00\x05") == (False, None)


# --- Matroska / AVI / MPEG-TS tags through PyAV -------------------------------------------------


def test_matroska_location_tag_is_found(tmp_path):
    facts, readings = read(clip(tmp_path, "tagged.mkv", "matroska", {"location": "+37.9780-122.0313/",
                                                                     "artist": "Jane Doe"}))
    assert [(r.lat, r.lon) for r in readings] == [PLAZA]
    assert any(f.kind == FactKind.OWNER_NAME and f.value == "Jane Doe" for f in facts)


def test_clean_matroska_avi_and_mts_have_no_location(tmp_path):
    for name, container_format in (("a.mkv", "matroska"), ("a.avi", "avi"), ("a.mts", "mpegts")):
        facts, readings = read(clip(tmp_path, name, container_format))
        assert readings == [] and FactKind.GPS not in kinds(facts), name


def test_corrupt_matroska_gives_nothing(tmp_path):
    path = tmp_path / "bad.mkv"
    path.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x42\x82\x88matroska" + b"\xff\x00" * 300)
    assert read(path) == ([], [])


# --- the box walker's limits ---------------------------------------------------------------------


def walk(data: bytes):
    import io

    reader = BoxReader(io.BytesIO(data), len(data))
    return [b.name for _, b in reader.walk()], reader.problems


@pytest.mark.parametrize(
    "data, names, problem",
    [
        (box(b"free", b"x" * 8) + struct.pack(">I4s", 4, b"bad!"), ["free"], "smaller than its header"),
        (struct.pack(">I4s", 10**6, b"mdat") + b"x" * 100, ["mdat"], "run past the end of the file"),
        (struct.pack(">I4sQ", 1, b"mdat", 2**62) + b"x" * 10, ["mdat"], "run past the end of the file"),
        (box(b"moov", struct.pack(">I4s", 500, b"udta")) + box(b"free", b"x" * 600), ["moov", "udta", "free"],
         "run past the end of the parent box"),
        (struct.pack(">I4s", 1, b"mdat") + b"\x00\x00", [], "truncated 64-bit size"),
    ],
)
def test_box_walker_stops_cleanly_on_bad_sizes(data, names, problem):
    walked, problems = walk(data)
    assert walked == names
    assert any(problem in p for p in problems)


def test_box_walker_limits_nesting_and_box_count():
    nested = b""
    for _ in range(40):
        nested = box(b"udta", nested)
    walked, problems = walk(nested)
    assert len(walked) < 40 and any("nested deeper" in p for p in problems)
    walked, problems = walk(box(b"free") * (MAX_BOXES + 10))
    assert len(walked) == MAX_BOXES and any("more than" in p for p in problems)


def test_a_huge_declared_xmp_box_is_read_only_up_to_the_limit(tmp_path):
    path = clip(tmp_path, "big.mp4", "mp4")
    append(path, struct.pack(">I4s", 0, b"uuid") + XMP_UUID + b"<x:xmpmeta>" + b" " * (3 << 20))
    facts, readings = read(path)  # size 0: "to the end of the file"; XMP read is capped at 2 MiB
    assert readings == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("+32.0929+034.8620+028.516/", (32.0929, 34.862, 28.516)),
        ("+51.4169-000.0806/", (51.4169, -0.0806, None)),
        ("-3355.5+15112.5/", (-(33 + 55.5 / 60), 151 + 12.5 / 60, None)),  # DDMM.m
        ("+401213.1-0750015.1/", (40 + 12 / 60 + 13.1 / 3600, -(75 + 0 / 60 + 15.1 / 3600), None)),  # DDMMSS.s
        ("north", None),
        ("+1234567+1/", None),
    ],
)
def test_iso6709(text, expected):
    result = parse_iso6709(text)
    assert result == (pytest.approx(expected) if expected else None)


# --- the evaluation set -----------------------------------------------------------------------------


def eval_rows():
    if not (EVAL / "ground_truth.csv").exists():
        return []
    with open(EVAL / "ground_truth.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(not eval_rows(), reason="evaluation set ../shared/eval/video_meta not present")
@pytest.mark.parametrize("row", eval_rows(), ids=lambda row: row["file"])
def test_eval_video_locations(row, profile):
    path = EVAL / row["file"]
    metadata = read_metadata(Source.open(path), profile)
    expected = row["expected_location"]
    if expected == "yes":
        assert metadata.location is not None
        assert metadata.location.lat == pytest.approx(float(row["expected_lat"]), abs=1e-3)
        assert metadata.location.lon == pytest.approx(float(row["expected_lon"]), abs=1e-3)
    elif expected == "zero":
        assert metadata.location is None
        assert "0/0" in " ".join(f.value for f in metadata.of_kind(FactKind.GPS_INVALID))
    else:
        assert metadata.location is None and not metadata.of_kind(FactKind.LOCATION_TRACK)


# --- text fields (issue 14) ----------------------------------------------------------------------------


def test_quicktime_user_data_and_keys_text_are_facts(tmp_path):
    # given a MOV with a udta title and comment, and one with a QuickTime Keys description and place name
    udta = clip(tmp_path, "udta.mov", "mov", {"title": "Narcotics unit raid", "comment": "jroe@concordpd.org"})
    keys = clip(tmp_path, "keys.mov", "mov", {"com.apple.quicktime.description": "Det. Jane Roe",
                                              "com.apple.quicktime.location.name": "1350 Galindo St"}, KEYS)
    # when read, then each text is a fact, and the place name is a place
    assert {(f.kind, f.value) for f in read(udta)[0]} >= {
        (FactKind.TEXT, "Narcotics unit raid"), (FactKind.TEXT, "jroe@concordpd.org")}
    assert {(f.kind, f.value) for f in read(keys)[0]} >= {
        (FactKind.TEXT, "Det. Jane Roe"), (FactKind.PLACE_TEXT, "1350 Galindo St")}


def test_clean_mov_has_no_text_facts(tmp_path):
    facts, _ = read(clip(tmp_path, "clean.mov", "mov"))
    assert not {FactKind.TEXT, FactKind.PLACE_TEXT} & kinds(facts)
