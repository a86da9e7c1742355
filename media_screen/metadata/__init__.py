"""Metadata readers, one per container family, behind one function.

Each reader returns the facts it found and the raw GPS readings; `geo.locate`
validates the readings and turns the first valid one into the file's Location;
`text_fields.place_facts` checks places written as text against the sensitive places;
`c2pa.credential_facts` reads the Content Credentials (C2PA manifests) of any container;
`embedded.embedded_video_metadata` reads the video hidden in a motion photo.
"""

from __future__ import annotations

from media_screen.config import Profile
from media_screen.metadata.c2pa import credential_facts, remote_reference_facts
from media_screen.metadata.embedded import embedded_video_metadata
from media_screen.metadata.geo import locate
from media_screen.metadata.text_fields import place_facts
from media_screen.model import MediaType, Metadata
from media_screen.inputs.source import Source


def read_metadata(source: Source, profile: Profile) -> Metadata:
    """Everything the file's metadata says, read from the source's bytes."""
    if source.probe.media_type == MediaType.VIDEO:
        from media_screen.metadata.video import read_video_metadata as reader
    else:
        from media_screen.metadata.still import read_still_metadata as reader
    facts, readings = reader(source)
    hidden_facts, hidden_readings = embedded_video_metadata(source)
    facts, readings = [*facts, *hidden_facts], [*readings, *hidden_readings]
    facts = [*facts, *credential_facts(source), *remote_reference_facts(facts)]
    location, invalid = locate(readings, profile)
    return Metadata(facts=tuple(facts) + invalid + place_facts(facts, profile), location=location)
