"""Video metadata: location atoms, device, software, capture time and GPS telemetry tracks.

MP4 / MOV / M4V / 3GP / 3G2 are read with our own bounded box walker (bmff.py):
QuickTime Keys (`moov/meta` keys + ilst), `udta` atoms (©xyz, ©mak, ©mod, ©swr,
©day, 3GPP `loci` and `auth`, GoPro `GPMF`), XMP (`uuid` box or `udta/XMP_`),
`mvhd` creation time, and telemetry tracks (GoPro `gpmd`, Google `camm`, Apple
timed-metadata `mebx` with location keys). AVI, Matroska / WebM and MPEG-TS
tags come from PyAV's container metadata. Nothing here raises on a malformed
file: what can be read is returned, and decoding decides whether the file is ERROR.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from dataclasses import dataclass, field, replace

from media_screen.metadata.bmff import Box, BoxReader
from media_screen.metadata.geo import GpsReading
from media_screen.metadata.streams import container_stream_facts, sound_fact, stream_facts
from media_screen.metadata.telemetry import camm_gps_fix, gpmf_device_strings, gpmf_gps_fix
from media_screen.metadata.text_fields import field_fact
from media_screen.metadata.xmp import xmp_metadata
from media_screen.model import FactKind, MetadataFact
from media_screen.sanitize import clean_text
from media_screen.inputs.source import Source

BMFF_FORMATS = {"MP4", "MOV", "M4V", "3GP", "3G2", "QuickTime"}
XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
TEXT_LIMIT = 4096  # bytes read from one text atom
XMP_LIMIT = 2 << 20
TABLE_ENTRIES = 512  # sample-table entries read per telemetry track
GPMF_SAMPLES = 10  # GoPro payloads (about 1 s each) searched for a fix
CAMM_SAMPLES = 400  # CAMM packets (gyro, accelerometer, GPS interleaved) searched for a fix
SAMPLE_LIMIT = 1 << 20
MAC_EPOCH = dt.datetime(1904, 1, 1, tzinfo=dt.timezone.utc)

ISO6709 = re.compile(r"^\s*([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)?")

# udta atom -> (fact kind, how it is stored)
UDTA_TEXT = {
    b"\xa9mak": FactKind.DEVICE,
    b"\xa9mod": FactKind.DEVICE,
    b"\xa9swr": FactKind.SOFTWARE,
    b"\xa9too": FactKind.SOFTWARE,
    b"\xa9enc": FactKind.SOFTWARE,
    b"\xa9day": FactKind.CAPTURE_TIME,
    b"\xa9aut": FactKind.OWNER_NAME,
    b"\xa9ART": FactKind.OWNER_NAME,
    b"auth": FactKind.OWNER_NAME,  # 3GPP author
    b"date": FactKind.CAPTURE_TIME,
    b"FIRM": FactKind.SOFTWARE,  # GoPro firmware
}
# QuickTime Keys (moov/meta/keys) -> fact kind; location keys become GPS readings.
KEYS_FACTS = {
    "com.apple.quicktime.make": FactKind.DEVICE,
    "com.apple.quicktime.model": FactKind.DEVICE,
    "com.apple.quicktime.software": FactKind.SOFTWARE,
    "com.android.version": FactKind.SOFTWARE,
    "com.android.manufacturer": FactKind.DEVICE,
    "com.android.model": FactKind.DEVICE,
    "com.apple.quicktime.creationdate": FactKind.CAPTURE_TIME,
    "com.apple.quicktime.author": FactKind.OWNER_NAME,
    "com.apple.quicktime.artist": FactKind.OWNER_NAME,
}
LOCATION_KEYS = {"com.apple.quicktime.location.ISO6709", "location", "location-eng"}
# Free text a person writes (titles, comments, descriptions, copyright, a place's name): run through the text rules.
UDTA_FREE_TEXT = {
    b"\xa9nam": FactKind.TEXT, b"\xa9cmt": FactKind.TEXT, b"\xa9des": FactKind.TEXT, b"\xa9inf": FactKind.TEXT,
    b"\xa9key": FactKind.TEXT, b"\xa9dir": FactKind.TEXT, b"\xa9prd": FactKind.TEXT, b"\xa9wrt": FactKind.TEXT,
    b"\xa9pub": FactKind.TEXT, b"\xa9src": FactKind.TEXT, b"\xa9com": FactKind.TEXT, b"\xa9alb": FactKind.TEXT,
    b"\xa9grp": FactKind.TEXT, b"desc": FactKind.TEXT, b"ldes": FactKind.TEXT, b"titl": FactKind.TEXT,
    b"dscp": FactKind.TEXT, b"perf": FactKind.TEXT, b"\xa9cpy": FactKind.OWNER_NAME, b"cprt": FactKind.OWNER_NAME,
    b"\xa9loc": FactKind.PLACE_TEXT,
}
KEYS_FREE_TEXT = {
    "com.apple.quicktime.title": FactKind.TEXT,
    "com.apple.quicktime.description": FactKind.TEXT,
    "com.apple.quicktime.comment": FactKind.TEXT,
    "com.apple.quicktime.keywords": FactKind.TEXT,
    "com.apple.quicktime.information": FactKind.TEXT,
    "com.apple.quicktime.displayname": FactKind.TEXT,
    "com.apple.quicktime.publisher": FactKind.TEXT,
    "com.apple.quicktime.copyright": FactKind.OWNER_NAME,
    "com.apple.quicktime.location.name": FactKind.PLACE_TEXT,
    "com.apple.quicktime.location.body": FactKind.PLACE_TEXT,
    "com.apple.quicktime.location.note": FactKind.PLACE_TEXT,
}
CONTAINER_FREE_TEXT = {
    "title": FactKind.TEXT, "comment": FactKind.TEXT, "description": FactKind.TEXT, "synopsis": FactKind.TEXT,
    "keywords": FactKind.TEXT, "subject": FactKind.TEXT, "copyright": FactKind.OWNER_NAME,
}
# Tags PyAV reports for AVI, Matroska / WebM, MPEG-TS.
CONTAINER_TAGS = {
    "make": FactKind.DEVICE,
    "model": FactKind.DEVICE,
    "encoder": FactKind.SOFTWARE,
    "software": FactKind.SOFTWARE,
    "encoded_by": FactKind.SOFTWARE,
    "creation_time": FactKind.CAPTURE_TIME,
    "date": FactKind.CAPTURE_TIME,
    "date_recorded": FactKind.CAPTURE_TIME,
    "artist": FactKind.OWNER_NAME,
    "author": FactKind.OWNER_NAME,
    **KEYS_FACTS,
}
@dataclass
class _Found:
    facts: list[MetadataFact] = field(default_factory=list)
    readings: list[GpsReading] = field(default_factory=list)

    def fact(self, kind: FactKind, key: str, value: object, source: str) -> None:
        text = clean_text(value)
        if not text:
            return
        fact = MetadataFact(kind, clean_text(key), text, source)
        if fact not in self.facts:
            self.facts.append(fact)

    def text(self, kind: FactKind, key: str, value: str, source: str) -> None:
        fact = field_fact(kind, key, value, source)
        if fact is not None and fact not in self.facts:
            self.facts.append(fact)

    def iso6709(self, text: str, key: str, source: str) -> None:
        self.fact(FactKind.GPS, key, text, source)
        position = parse_iso6709(text)
        if position is None:
            self.readings.append(GpsReading(None, None, source))
        else:
            self.readings.append(GpsReading(position[0], position[1], source, altitude_m=position[2]))


TEXT_HANDLERS = {b"sbtl", b"text", b"subt", b"clcp"}  # subtitle, QuickTime text (chapters), closed captions


@dataclass
class _Track:
    handler: bytes = b""
    entry: bytes = b""  # first sample-entry type, e.g. b"avc1", b"gpmd", b"camm"
    location_keys: bool = False  # an Apple timed-metadata track declares a location key
    tables: dict[bytes, Box] = field(default_factory=dict)


def read_video_metadata(source: Source) -> tuple[list[MetadataFact], list[GpsReading]]:
    found = _Found()
    if source.probe.format_name in BMFF_FORMATS:
        _read_bmff(source, found)
    else:
        _read_container_tags(source, found)
    return found.facts, found.readings


# --- ISO base media -------------------------------------------------------


def _read_bmff(source: Source, found: _Found) -> None:
    chapters = False  # a Nero chapter list (udta chpl); QuickTime chapters are a text track
    with source.reader() as handle:
        reader = BoxReader(handle, source.size)
        keys_of_meta: dict[int, list[str]] = {}
        tracks: dict[int, _Track] = {}
        for parents, box in reader.walk():
            parent = parents[-1].type if parents else b""
            trak = next((p for p in reversed(parents) if p.type == b"trak"), None)
            chapters = chapters or box.type == b"chpl"
            if box.type == b"mvhd" and parent == b"moov":
                _mvhd(reader.read(box, 32), found)
            elif parent == b"udta":
                _udta_atom(reader, box, found)
            elif box.type == b"keys" and parent == b"meta":
                keys_of_meta[parents[-1].offset] = _keys(reader.read(box, 1 << 16))
            elif box.type == b"data" and len(parents) >= 3 and parents[-2].type == b"ilst":
                _ilst_value(reader, box, parents, keys_of_meta, found)
            elif box.type == b"uuid":
                head = reader.read(box, 16)
                if head == XMP_UUID:
                    _xmp(reader.read(box, XMP_LIMIT, skip=16), "uuid box", found)
            elif trak is not None:
                _track_box(reader, box, parent, tracks.setdefault(trak.offset, _Track()))
        for track in tracks.values():
            _telemetry(reader, track, found)
    sounds = [track.entry.decode("latin-1").strip() or "unknown codec" for track in tracks.values()
              if track.handler == b"soun"]
    found.facts += [sound_fact(number, codec) for number, codec in enumerate(sounds, 1)]
    if chapters or any(track.handler in TEXT_HANDLERS for track in tracks.values()):  # cues and titles: PyAV reads them
        _add_streams(found, *stream_facts(source, sound=False))


def _mvhd(payload: bytes, found: _Found) -> None:
    if len(payload) < 12:
        return
    seconds = struct.unpack(">Q", payload[4:12])[0] if payload[0] == 1 else struct.unpack(">I", payload[4:8])[0]
    if seconds <= 0:
        return
    try:
        when = MAC_EPOCH + dt.timedelta(seconds=seconds)
    except OverflowError:
        return
    if when.year >= 1970:  # older is an unset clock (or seconds from the wrong epoch)
        found.fact(FactKind.CAPTURE_TIME, "mvhd creation_time", when.strftime("%Y-%m-%dT%H:%M:%SZ"), "QuickTime mvhd")


def _udta_atom(reader: BoxReader, box: Box, found: _Found) -> None:
    source = f"QuickTime udta {box.name}"
    if box.type == b"\xa9xyz":
        found.iso6709(_qt_text(reader.read(box, TEXT_LIMIT)), "\u00a9xyz", source)
    elif box.type == b"loci":
        _loci(reader.read(box, TEXT_LIMIT), found)
    elif box.type == b"XMP_":
        _xmp(reader.read(box, XMP_LIMIT), "udta XMP_", found)
    elif box.type == b"thmb":
        found.fact(FactKind.THUMBNAIL, "thmb", f"embedded thumbnail, {box.payload_size} bytes", source)
    elif box.type == b"GPMF":
        strings = gpmf_device_strings(reader.read(box, SAMPLE_LIMIT))
        if "serial" in strings:
            found.fact(FactKind.DEVICE_SERIAL, "GPMF CASN", strings["serial"], "GoPro udta GPMF")
        if "model" in strings:
            found.fact(FactKind.DEVICE, "GPMF MINF", strings["model"], "GoPro udta GPMF")
    elif box.type in UDTA_TEXT:
        payload = reader.read(box, TEXT_LIMIT)
        text = _qt_text(payload) if box.type[0] == 0xA9 else _3gpp_text(payload, box.type)
        found.fact(UDTA_TEXT[box.type], box.name, text, source)
    elif box.type in UDTA_FREE_TEXT:
        payload = reader.read(box, TEXT_LIMIT)
        text = _qt_text(payload) if box.type[0] == 0xA9 else _3gpp_text(payload, box.type)
        found.text(UDTA_FREE_TEXT[box.type], box.name, text, source)


def _qt_text(payload: bytes) -> str:
    """QuickTime international text: uint16 length, uint16 language, text; or plain text."""
    if len(payload) >= 4:
        length = struct.unpack(">H", payload[:2])[0]
        if 0 < length <= len(payload) - 4:
            return payload[4 : 4 + length].decode("utf-8", errors="replace")
    return payload.decode("utf-8", errors="replace")


def _3gpp_text(payload: bytes, box_type: bytes) -> str:
    """3GPP asset text: version/flags, packed language, then UTF-8 or UTF-16 (with BOM) text."""
    if box_type in (b"date", b"FIRM") or len(payload) < 6:
        return payload.split(b"\x00", 1)[0].decode("utf-8", errors="replace")
    return _string_at(payload, 6)[0]


def _string_at(payload: bytes, offset: int) -> tuple[str, int]:
    """A null-terminated UTF-8 or UTF-16 (BOM) string and the offset after it."""
    if payload[offset : offset + 2] in (b"\xfe\xff", b"\xff\xfe"):
        end = offset + 2
        while end + 1 < len(payload) and payload[end : end + 2] != b"\x00\x00":
            end += 2
        return payload[offset:end].decode("utf-16", errors="replace"), end + 2
    end = payload.find(b"\x00", offset)
    end = len(payload) if end < 0 else end
    return payload[offset:end].decode("utf-8", errors="replace"), end + 1


def _loci(payload: bytes, found: _Found) -> None:
    """3GPP `loci`: version/flags, language, name, role (1 byte), then longitude, latitude, altitude (16.16)."""
    source = "3GPP udta loci"
    if len(payload) < 7:
        found.readings.append(GpsReading(None, None, source))
        return
    name, offset = _string_at(payload, 6)
    numbers = payload[offset + 1 : offset + 13]
    if len(numbers) < 12:
        found.readings.append(GpsReading(None, None, source))
        return
    lon, lat, alt = (v / 65536 for v in struct.unpack(">3i", numbers))
    found.fact(FactKind.GPS, "loci", f"{lat:.5f}, {lon:.5f}" + (f" ({name})" if name else ""), source)
    found.readings.append(GpsReading(lat, lon, source, altitude_m=alt))


def _keys(payload: bytes) -> list[str]:
    """Key names of a QuickTime `keys` box, in order (ilst items refer to them by 1-based index)."""
    names: list[str] = []
    if len(payload) < 8:
        return names
    count = struct.unpack(">I", payload[4:8])[0]
    offset = 8
    while len(names) < min(count, 1024) and offset + 8 <= len(payload):
        size = struct.unpack(">I", payload[offset : offset + 4])[0]
        if size < 8 or offset + size > len(payload):
            break
        names.append(payload[offset + 8 : offset + size].decode("utf-8", errors="replace"))
        offset += size
    return names


def _ilst_value(reader: BoxReader, box: Box, parents: tuple[Box, ...], keys_of_meta, found: _Found) -> None:
    item, meta = parents[-1], parents[-3]
    payload = reader.read(box, TEXT_LIMIT)
    if len(payload) < 8:
        return
    data_type = struct.unpack(">I", payload[:4])[0] & 0xFFFFFF
    value = payload[8:]
    keys = keys_of_meta.get(meta.offset)
    if keys is not None:  # QuickTime Keys: the item type is a 1-based index
        index = struct.unpack(">I", item.type)[0]
        if not 1 <= index <= len(keys):
            return
        key, source = keys[index - 1], "QuickTime Keys"
    else:
        key, source = item.name, "QuickTime ilst"
    if data_type in (13, 14, 27) or key == "covr":  # JPEG, PNG, BMP cover art
        found.fact(FactKind.THUMBNAIL, key, f"embedded image, {box.payload_size - 8} bytes", source)
        return
    if data_type not in (1, 2):  # only text values are facts here
        return
    text = value.decode("utf-16-be" if data_type == 2 else "utf-8", errors="replace")
    if key in LOCATION_KEYS or key == "\u00a9xyz":
        found.iso6709(text, key, f"{source} {key}")
    elif key in KEYS_FACTS:
        found.fact(KEYS_FACTS[key], key, text, source)
    elif item.type in UDTA_TEXT:
        found.fact(UDTA_TEXT[item.type], key, text, source)
    elif key in KEYS_FREE_TEXT:
        found.text(KEYS_FREE_TEXT[key], key, text, f"{source} {key}")
    elif item.type in UDTA_FREE_TEXT:
        found.text(UDTA_FREE_TEXT[item.type], key, text, f"{source} {key}")


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """'+32.0929+034.8620+028.516/' -> (32.0929, 34.862, 28.516). Degrees, DDMM and DDMMSS forms."""
    match = ISO6709.match(text or "")
    if not match:
        return None
    try:
        lat = _iso6709_angle(match.group(1), degree_digits=2)
        lon = _iso6709_angle(match.group(2), degree_digits=3)
        alt = float(match.group(3)) if match.group(3) else None
    except ValueError:
        return None
    return lat, lon, alt


def _iso6709_angle(part: str, degree_digits: int) -> float:
    sign = -1.0 if part[0] == "-" else 1.0
    whole, _, fraction = part[1:].partition(".")
    fraction = float("0." + fraction) if fraction else 0.0
    extra = len(whole) - degree_digits
    if extra <= 0:  # plain degrees (also unpadded "+5.1")
        value = int(whole or "0") + fraction
    elif extra == 2:  # DDMM.mmm
        value = int(whole[:-2]) + (int(whole[-2:]) + fraction) / 60
    elif extra == 4:  # DDMMSS.sss
        value = int(whole[:-4]) + int(whole[-4:-2]) / 60 + (int(whole[-2:]) + fraction) / 3600
    else:
        raise ValueError(f"not an ISO 6709 angle: {part}")
    return sign * value


# --- XMP --------------------------------------------------------------------


def _xmp(payload: bytes, where: str, found: _Found) -> None:
    """An XMP packet (read by the still-image XMP reader); sources say which box held it."""
    facts, readings = xmp_metadata(payload)
    for fact in facts:
        found.fact(fact.kind, fact.key, fact.value, f"{fact.source} ({where})")
    for reading in readings:
        found.readings.append(replace(reading, source=f"{reading.source} ({where})"))


# --- tracks and telemetry ---------------------------------------------------


def _track_box(reader: BoxReader, box: Box, parent: bytes, track: _Track) -> None:
    if box.type == b"hdlr" and parent == b"mdia":
        track.handler = reader.read(box, 12)[8:12]
    elif parent == b"stsd" and not track.entry:
        track.entry = box.type
        if box.type == b"mebx":
            declared = reader.read(box, 1 << 16)
            track.location_keys = b"com.apple.quicktime.location" in declared
    elif box.type in (b"stsz", b"stco", b"co64", b"stsc") and parent == b"stbl":
        track.tables[box.type] = box


def _telemetry(reader: BoxReader, track: _Track, found: _Found) -> None:
    if track.entry == b"mebx" and track.location_keys:
        found.fact(FactKind.LOCATION_TRACK, "mebx", "location track present (QuickTime timed metadata)",
                   "QuickTime mebx track")
        return
    if track.entry == b"gpmd":
        name, parse, limit = "GoPro GPMF GPS5", gpmf_gps_fix, GPMF_SAMPLES
    elif track.entry == b"camm":
        name, parse, limit = "Google CAMM", camm_gps_fix, CAMM_SAMPLES
    else:
        return
    present, first, first_locked = False, None, None
    for offset, size in _samples(reader, track, limit):
        has_gps, fix = parse(reader.read_at(offset, size, SAMPLE_LIMIT))
        present = present or has_gps
        if fix is not None:
            first = first or fix
            if fix.locked:
                first_locked = fix
                break
    if not present:
        return
    fix = first_locked or first
    detail = "location track present"
    if fix is not None:
        detail += f", first fix {fix.lat:.5f}, {fix.lon:.5f}" + ("" if fix.locked else " (receiver reported no lock)")
        found.readings.append(GpsReading(fix.lat, fix.lon, f"{name} (first fix)", fix.altitude_m, fix.gps_time))
    found.fact(FactKind.LOCATION_TRACK, track.entry.decode("latin-1"), detail, f"{name} telemetry track")


def _samples(reader: BoxReader, track: _Track, limit: int) -> list[tuple[int, int]]:
    """(file offset, size) of the first `limit` samples, from stsz, stsc and stco/co64."""
    stsz, stsc = track.tables.get(b"stsz"), track.tables.get(b"stsc")
    chunks_box = track.tables.get(b"stco") or track.tables.get(b"co64")
    if stsz is None or stsc is None or chunks_box is None:
        return []
    sizes = _stsz(reader.read(stsz, 12 + 4 * TABLE_ENTRIES), limit)
    chunk_offsets = _chunk_offsets(reader.read(chunks_box, 8 + 8 * TABLE_ENTRIES), chunks_box.type == b"co64")
    runs = _stsc(reader.read(stsc, 8 + 12 * TABLE_ENTRIES))
    samples: list[tuple[int, int]] = []
    for chunk_index, chunk_offset in enumerate(chunk_offsets, start=1):
        per_chunk = next((n for first, n in reversed(runs) if first <= chunk_index), 0)
        offset = chunk_offset
        for _ in range(min(per_chunk, limit)):
            if len(samples) >= min(limit, len(sizes)):
                return samples
            size = sizes[len(samples)]
            samples.append((offset, size))
            offset += size
    return samples


def _stsz(payload: bytes, limit: int) -> list[int]:
    if len(payload) < 12:
        return []
    uniform, count = struct.unpack(">II", payload[4:12])
    count = min(count, limit, TABLE_ENTRIES)
    if uniform:
        return [uniform] * count
    available = (len(payload) - 12) // 4
    return list(struct.unpack(f">{min(count, available)}I", payload[12 : 12 + 4 * min(count, available)]))


def _chunk_offsets(payload: bytes, wide: bool) -> list[int]:
    if len(payload) < 8:
        return []
    width = 8 if wide else 4
    count = min(struct.unpack(">I", payload[4:8])[0], (len(payload) - 8) // width)
    return list(struct.unpack(f">{count}{'Q' if wide else 'I'}", payload[8 : 8 + width * count]))


def _stsc(payload: bytes) -> list[tuple[int, int]]:
    if len(payload) < 8:
        return []
    count = min(struct.unpack(">I", payload[4:8])[0], (len(payload) - 8) // 12)
    runs = [struct.unpack(">III", payload[8 + 12 * i : 20 + 12 * i])[:2] for i in range(count)]
    return sorted(runs)


def _add_streams(found: _Found, facts: list[MetadataFact], readings: list[GpsReading]) -> None:
    """What a video's other streams carry (metadata/streams.py): cue and title texts, telemetry, sound."""
    found.facts += [fact for fact in facts if fact not in found.facts]
    found.readings += readings


# --- other containers (AVI, Matroska / WebM, MPEG-TS) -----------------------


def _read_container_tags(source: Source, found: _Found) -> None:
    import av

    try:
        container = av.open(source.reader(), metadata_errors="replace")
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError):
        return  # decoding reports the file as ERROR
    with container:
        try:
            tags = [("container", dict(container.metadata))]
            tags += [(f"stream {s.index}", dict(s.metadata)) for s in container.streams]
        except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError):
            return
        _add_streams(found, *container_stream_facts(container))  # subtitles, chapters, a drone's telemetry, sound
    for where, values in tags:
        for key, value in values.items():
            name = key.lower()
            source = f"{where} tag {clean_text(key)}"
            if name in {k.lower() for k in LOCATION_KEYS}:
                found.iso6709(str(value), key, source)
            elif name in CONTAINER_TAGS and where == "container":
                found.fact(CONTAINER_TAGS[name], key, value, source)
            elif name in CONTAINER_FREE_TEXT and where == "container":
                found.text(CONTAINER_FREE_TEXT[name], key, str(value), source)
