"""The metadata of a video hidden after a still's picture (a motion photo: inputs/embedded.py).

The still's own readers stop at the picture; the video carries metadata of its own (a QuickTime location,
device, creation time), read here as any video's and reported with the picture's, each source named
"embedded video ...". The video's presence is a fact of its own (FactKind.EMBEDDED_VIDEO).
"""

from __future__ import annotations

import dataclasses

from media_screen.inputs.source import Source
from media_screen.metadata.geo import GpsReading
from media_screen.model import FactKind, MediaType, MetadataFact

PREFIX = "embedded video"


def embedded_video_metadata(source: Source) -> tuple[list[MetadataFact], list[GpsReading]]:
    """(facts, GPS readings) of the video hidden in a still, beginning with the fact that it is there; none for a
    file without one. Raises what the video's readers raise (CorruptMediaError: the file is ERROR)."""
    video = source.embedded_video
    if video is None:
        return [], []
    found = [MetadataFact(FactKind.EMBEDDED_VIDEO, "motion photo", video.describe(), f"{PREFIX} after the picture")]
    with source.part(video.offset) as part:
        if part.probe.media_type != MediaType.VIDEO:
            return found, []
        from media_screen.metadata.video import read_video_metadata

        facts, readings = read_video_metadata(part)
    found += [dataclasses.replace(fact, source=f"{PREFIX} {fact.source}") for fact in facts]
    return found, [dataclasses.replace(reading, source=f"{PREFIX} {reading.source}") for reading in readings]
