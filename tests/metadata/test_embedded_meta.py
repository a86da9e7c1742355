"""The metadata of a motion photo's video (media_screen/metadata/embedded.py, through read_metadata)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from video_support import marker_clip

from media_screen.inputs.source import Source
from media_screen.metadata import read_metadata
from media_screen.model import FactKind

PLAZA = (37.978, -122.0313)


def motion_photo(tmp_path: Path, metadata: dict | None = None) -> Path:
    """A JPEG with a 0.5 s QuickTime clip after it (QuickTime Keys metadata when given)."""
    clip = marker_clip(tmp_path / "clip.mov", seconds=0.5, container_format="mov", metadata=metadata,
                       muxer_options={"movflags": "use_metadata_tags"})
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(buffer, "JPEG")
    path = tmp_path / "MVIMG_20261201_101500.jpg"
    path.write_bytes(buffer.getvalue() + clip.read_bytes())
    return path


def test_the_location_in_a_motion_photos_video_is_the_files_location(tmp_path, profile):
    # given a motion photo whose picture has no metadata and whose video records where it was taken
    path = motion_photo(tmp_path, {"com.apple.quicktime.location.ISO6709": "+37.9780-122.0313+020.000/",
                                   "com.apple.quicktime.model": "iPhone 12"})
    # when its metadata is read
    with Source.open(path) as source:
        metadata = read_metadata(source, profile)
    # then the video's location and device are the file's, each saying it came from the embedded video
    assert (metadata.location.lat, metadata.location.lon) == PLAZA
    assert metadata.location.source == "embedded video QuickTime Keys com.apple.quicktime.location.ISO6709"
    [device] = metadata.of_kind(FactKind.DEVICE)
    assert device.value == "iPhone 12" and device.source.startswith("embedded video ")
    # and the video itself is a fact: what it is and where it starts
    [hidden] = metadata.of_kind(FactKind.EMBEDDED_VIDEO)
    assert hidden.value.startswith("qt video of ") and "from byte" in hidden.value


def test_a_motion_photo_without_video_metadata_still_says_it_holds_a_video(tmp_path, profile):
    path = motion_photo(tmp_path)
    with Source.open(path) as source:
        metadata = read_metadata(source, profile)
    assert metadata.location is None and len(metadata.of_kind(FactKind.EMBEDDED_VIDEO)) == 1
