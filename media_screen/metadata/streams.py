"""What a video's other streams carry: subtitle tracks and chapter titles (read), and sound (not screened).

A player shows a video's subtitle track (MP4 `mov_text`, Matroska SRT / ASS, WebVTT) over the picture, and its
chapter titles in its menu; an edited clip can carry "Undercover officer ..." or "CONFIDENTIAL" there while its
frames show nothing. Each cue and each title becomes a metadata text fact, so the text rules read it like any
caption or metadata field; a finding names the track and the time of the cue.

Drones write their telemetry as a subtitle track, a cue a frame (DJI: "GPS(-122.0313,37.9780,20)" or
"[latitude: 37.978000] [longitude: -122.031300]"): such cues are a location track, not text. The first fix (the
first away from 0/0) is the video's location, and the track is a LOCATION_TRACK fact; they count towards
MAX_TELEMETRY_CUES instead of MAX_CUES.

Sound is not screened: voices, and names spoken, are not analysed. Each audio track is an AUDIO fact, so the
policy can say so (rule `audio_not_screened`: review for covert officers, whose own voice may identify them), and a
redaction drops the sound unless asked to keep it.

Threat model: the track is the file's and may be hostile. Text cues are decoded by FFmpeg (through PyAV) and
cleaned like any field (at most FIELD_TEXT_LIMIT characters a cue). A file with more than MAX_CUES cues, a picture
subtitle track (DVD, PGS: text drawn as images, which are not read) and a track that does not decode cannot be
fully screened: the file is ERROR. Only files with a subtitle track are read to their end here.
"""

from __future__ import annotations

import re

from media_screen.errors import CorruptMediaError, UnsupportedMediaError
from media_screen.inputs.source import Source
from media_screen.metadata.geo import GpsReading
from media_screen.metadata.text_fields import field_fact
from media_screen.model import FactKind, MetadataFact

MAX_CUES = 5000  # a feature film has about 1,500
MAX_TELEMETRY_CUES = 500_000  # a cue a frame: four and a half hours at 30 frames a second
_TELEMETRY = (
    re.compile(r"GPS\s*\(\s*(?P<lon>[-+]?\d{1,3}\.\d+)\s*,\s*(?P<lat>[-+]?\d{1,2}\.\d+)"),  # DJI: lon, lat, alt
    re.compile(r"latitude\s*:\s*(?P<lat>[-+]?\d{1,2}\.\d+).{0,80}?longt?itude\s*:\s*(?P<lon>[-+]?\d{1,3}\.\d+)",
               re.IGNORECASE | re.DOTALL),
)
PICTURE_CODECS = {"dvd_subtitle", "hdmv_pgs_subtitle", "dvb_subtitle", "xsub", "dvb_teletext"}


def stream_facts(source: Source, sound: bool = True) -> tuple[list[MetadataFact], list[GpsReading]]:
    """container_stream_facts of the video in `source`, opened by PyAV (nothing when FFmpeg cannot open it: decoding
    the video reports the file as ERROR)."""
    import av

    try:
        container = av.open(source.reader(), metadata_errors="replace")
    except (av.error.FFmpegError, OSError, ValueError):
        return [], []
    with container:
        return container_stream_facts(container, sound)


def container_stream_facts(container, sound: bool = True) -> tuple[list[MetadataFact], list[GpsReading]]:
    """(facts, GPS readings) of an open PyAV container: a TEXT fact (or PLACE_TEXT, for an address) per subtitle cue
    and chapter title, in file order, an AUDIO fact per audio track (`sound`), and a drone's telemetry cues as a
    location track. Raises UnsupportedMediaError or CorruptMediaError when a subtitle track cannot be read whole."""
    import av

    facts: list[MetadataFact] = []
    readings: list[GpsReading] = []
    chapters = container.chapters() if hasattr(container, "chapters") else []  # PyAV 14 and later
    for number, chapter in enumerate(chapters, 1):
        _add(facts, f"chapter {number} title", chapter.get("metadata", {}).get("title"), "chapters")
    for number, track in enumerate(container.streams.audio if sound else (), 1):
        codec = track.codec_context.name if track.codec_context else "unknown codec"
        facts.append(sound_fact(number, codec))
    tracks = list(container.streams.subtitles)
    for number, track in enumerate(tracks, 1):
        if track.codec_context is None or track.codec_context.name in PICTURE_CODECS:
            name = track.codec_context.name if track.codec_context else "unknown"
            raise UnsupportedMediaError(f"subtitle track {number} ({name}) draws its text as pictures, "
                                        "which are not screened")
    if tracks:
        try:
            _read_cues(container, tracks, facts, readings)
        except av.error.FFmpegError as exc:
            raise CorruptMediaError(f"subtitle track cannot be read: {exc}") from exc
    return facts, readings


def _read_cues(container, tracks, facts: list[MetadataFact], readings: list[GpsReading]) -> None:
    numbers = {track.index: number for number, track in enumerate(tracks, 1)}  # subtitle track 1, 2 ... as players say
    cues = telemetry = 0
    first_fix: dict[int, tuple[float, float, float | None]] = {}  # per track: (lat, lon, time) of its first fix ...
    first_away: dict[int, tuple[float, float, float | None]] = {}  # ... and of its first away from 0/0 (no lock yet)
    for packet in container.demux(*tracks):
        if packet.size == 0:  # the demuxer's flush packet
            continue
        start = float(packet.pts * packet.time_base) if packet.pts is not None and packet.time_base else None
        for cue in packet.decode():
            text = getattr(cue, "dialogue", None) or getattr(cue, "text", None)
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            stream = packet.stream
            fix = telemetry_fix(text or "")
            if fix is not None:  # a drone's telemetry: a location track, not text
                telemetry += 1
                if telemetry > MAX_TELEMETRY_CUES:
                    raise UnsupportedMediaError(f"more than {MAX_TELEMETRY_CUES} telemetry cues: not all can be read")
                first_fix.setdefault(stream.index, (*fix, start))
                if fix != (0.0, 0.0):
                    first_away.setdefault(stream.index, (*fix, start))
                continue
            cues += 1
            if cues > MAX_CUES:
                raise UnsupportedMediaError(f"more than {MAX_CUES} subtitle cues: not all of them can be screened")
            language = stream.metadata.get("language") or getattr(stream, "language", None) or "language not stated"
            at = f" at {start:.1f} s" if start is not None else ""
            _add(facts, "subtitle", text, f"subtitle track {numbers[stream.index]} ({language}){at}")
    for track in tracks:
        if track.index not in first_fix:
            continue
        lat, lon, at = first_away.get(track.index) or first_fix[track.index]
        source = f"subtitle track {numbers[track.index]} telemetry"
        when = f" at {at:.1f} s" if at is not None else ""
        readings.append(GpsReading(lat, lon, f"{source} (first fix{when})"))
        facts.append(MetadataFact(FactKind.LOCATION_TRACK, "telemetry subtitles",
                                  f"location track present, first fix {lat:.5f}, {lon:.5f}", source))


def sound_fact(number: int, codec: str) -> MetadataFact:
    """The fact that a video has its `number`-th audio track (not screened)."""
    return MetadataFact(FactKind.AUDIO, "sound", f"audio track {number} ({codec})", "streams")


def telemetry_fix(text: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a drone's telemetry cue, or None for any other text."""
    for pattern in _TELEMETRY:
        match = pattern.search(text)
        if match:
            return float(match.group("lat")), float(match.group("lon"))
    return None


def _add(facts: list[MetadataFact], key: str, value: object, source: str) -> None:
    fact = field_fact(FactKind.TEXT, key, value, source) if value else None
    if fact is not None and fact not in facts:
        facts.append(fact)
