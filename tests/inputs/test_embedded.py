"""The video hidden in a motion photo (media_screen/inputs/embedded.py, Source.embedded_video / part)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image
from video_support import marker_clip

from media_screen.inputs.embedded import MAX_PROBES, find_embedded_video
from media_screen.inputs.source import Source
from media_screen.model import MediaType


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> bytes:
    return marker_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=0.5).read_bytes()


def test_a_video_after_the_picture_is_found_where_it_starts(video):
    # given a Google-style motion photo: the video straight after the JPEG
    picture = jpeg()
    # when searched
    found = find_embedded_video(picture + video)
    # then the video starts where the picture ends and runs to the end of the file
    assert (found.offset, found.size, found.brand) == (len(picture), len(video), "isom")


def test_a_samsung_style_marker_and_trailer_do_not_hide_it(video):
    # given a Samsung-style motion photo: a marker before the video and an SEF trailer after it
    picture = jpeg() + b"MotionPhoto_Data"
    # when searched / then the video is found after the marker
    found = find_embedded_video(picture + video + b"SEFH" + b"\x00" * 40 + b"SEFT")
    assert found.offset == len(picture)


@pytest.mark.parametrize("decoy", [
    b"ftyp",  # the four bytes alone
    b"\x00\x00\x00\x18ftypisom" + b"\x00" * 12 + b"junk",  # a box header followed by no known box
    b"\x00\x00\x00\x18ftypheic" + b"\x00" * 12 + b"\x00\x00\x00\x08mdat",  # a HEIF picture, not a video
    b"\x00\x00\x00\x04ftypisom\x00\x00\x00\x08moov",  # a size too small for an ftyp box
])
def test_ftyp_bytes_without_a_video_around_them_are_not_a_video(decoy):
    assert find_embedded_video(jpeg() + decoy) is None


def test_the_search_is_bounded(video):
    # given a file packed with more decoys than the search looks at, before a real video
    data = jpeg() + b"ftyp" * MAX_PROBES + video
    # when searched / then it gives up rather than reading on (a hostile file costs a bounded search)
    assert find_embedded_video(data) is None
    assert find_embedded_video(jpeg() + b"ftyp" * (MAX_PROBES - 1) + video) is not None


def test_a_source_gives_its_hidden_video_as_a_source_of_the_same_bytes(tmp_path: Path, video):
    # given a motion photo on disk
    path = tmp_path / "MVIMG_1.jpg"
    path.write_bytes(jpeg() + video)
    with Source.open(path) as source:
        # when its embedded video is taken as a source of its own
        with source.part(source.embedded_video.offset) as part:
            # then it is the video's bytes, probed as a video, with nothing hidden in it in turn
            assert part.sha256 == hashlib.sha256(video).hexdigest()
            assert part.probe.media_type == MediaType.VIDEO and part.embedded_video is None


def test_a_plain_photo_and_a_video_file_hide_no_video(tmp_path: Path, video):
    (tmp_path / "a.jpg").write_bytes(jpeg())
    (tmp_path / "b.mp4").write_bytes(video)
    for name in ("a.jpg", "b.mp4"):
        with Source.open(tmp_path / name) as source:
            assert source.embedded_video is None
