"""Video redaction (media_screen/redact/video.py): every frame masked, tracks interpolated and held.

The clips are tiny and made here; the detector is the test marker detector (a red square counts as
a face), so the tests check the tracking and masking, not a model's judgement.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import av
import numpy as np
import pytest
from video_support import clip_with_audio, solid, with_marker, write_clip

from media_screen import detectors as registry
from media_screen.config import PublishTarget
from media_screen.model import Box, Detection, DetectionKind, RedactionStatus
from media_screen.redact import RedactOptions, redact_paths
from media_screen.redact.video import MaskTrack, _Pass1, _with_missed, link_keyframes
from media_screen.video.orientation import side_data

FPS = 10


@pytest.fixture
def marker_only(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {"marker": "video_support:MarkerDetector"})


def face(x: float, y: float = 10, size: float = 16) -> Detection:
    return Detection(DetectionKind.FACE, "face", 0.9, Box(x, y, x + size, y + size), "marker")


def red_pixels(rgb: np.ndarray) -> int:
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return int(((r > 150) & (g < 100) & (b < 100)).sum())


def decoded(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- tracks ---------------------------------------------------------------------------------------


def test_a_track_is_interpolated_between_detections_and_held_at_both_ends():
    # given detections on frames 5, 10, 15 of a face moving right, nothing on frames 0 and 20
    keyframes = [(0, ()), (5, (face(10),)), (10, (face(20),)), (15, (face(30),)), (20, ())]
    # when they are linked with a stride of 5
    (track,) = link_keyframes(keyframes, stride=5, last_index=22)
    # then between detections the box follows the motion
    box, pad = track.box_at(7)
    assert box.x1 == pytest.approx(14) and pad > 0
    # and it is held back to the previous detection frame and on to the next
    assert track.span() == (0, 20)
    assert track.box_at(1) is not None and track.box_at(20) is not None and track.box_at(21) is None


def test_a_missed_detection_does_not_split_the_track():
    keyframes = [(0, (face(10),)), (5, ()), (10, (face(20),))]
    tracks = link_keyframes(keyframes, stride=5, last_index=10)
    assert len(tracks) == 1 and [i for i, _ in tracks[0].keys] == [0, 10]
    box, _ = tracks[0].box_at(5)
    assert box.x1 == pytest.approx(15)


def test_far_apart_detections_are_different_objects():
    keyframes = [(0, (face(0), face(70))), (5, (face(2), face(72)))]
    assert len(link_keyframes(keyframes, stride=5, last_index=5)) == 2


# --- whole clips ----------------------------------------------------------------------------------


def moving_marker_frames(count: int, appear: int, leave: int, width: int = 96, height: int = 64):
    frames = []
    for i in range(count):
        frame = solid(width, height)
        if appear <= i < leave:
            frame = with_marker(frame, 4 + 3 * i, 20)
        frames.append(frame)
    return frames


def test_every_frame_is_masked_even_when_the_object_appears_between_detection_frames(tmp_path, marker_only, profile):
    # given a clip (with a location atom) where a red "face" appears on frame 3 and leaves after frame 21,
    # moving 3 px a frame; the detectors look at frames 0, 5, 10, ...
    source = write_clip(tmp_path / "in" / "clip.mp4", moving_marker_frames(25, 3, 22), fps=FPS,
                        metadata={"location": "+37.9747-122.0303/"})
    digest = sha256(source)
    # when it is redacted with fill
    options = RedactOptions(style="fill", detect_every=5)
    (report,) = redact_paths([tmp_path / "in"], tmp_path / "out", profile, options)
    # then the copy is written, its coverage check is zero, and no frame shows the red square
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert report.frames_total == 25 and report.frames_unmasked == 0
    frames = decoded(report.output)
    assert len(frames) == 25
    assert [i for i, frame in enumerate(frames) if red_pixels(frame) > 3] == []
    # and one object was tracked over the frames where it was visible (and held around them)
    (region,) = report.obscured
    assert region.first_frame <= 3 and region.last_frame >= 21
    # and the location atom is gone, the input untouched
    with av.open(report.output) as container:
        assert "location" not in container.metadata
    assert report.rescan.metadata.location is None
    assert any(f.key == "loci" or "location" in f.key.lower() or f.kind.value == "gps" for f in report.removed_facts)
    assert sha256(source) == digest


def test_rotation_is_baked_into_the_pixels(tmp_path, marker_only, profile):
    frames = [with_marker(solid(96, 64), 70, 8) for _ in range(6)]
    source = write_clip(tmp_path / "rotated.mp4", frames, fps=FPS, rotation=90)
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(style="fill"))
    assert report.status == RedactionStatus.WRITTEN, report.problems
    with av.open(report.output) as container:
        stream = container.streams.video[0]
        first = next(container.decode(stream))
        assert (first.width, first.height) == (64, 96)
        assert not any(sd.type.name == "DISPLAYMATRIX" for sd in side_data(first))
    assert all(red_pixels(f) <= 3 for f in decoded(report.output))
    assert any(m.item == "display matrix" for m in report.removed)


def clip_larger_than_a_platform(tmp_path, profile, frames: int):
    """A 192x128 clip with a moving red "face", and the profile with a platform (instagram) 96 px long."""
    pictures = [with_marker(solid(192, 128), 20 + 4 * i, 40, size=32) for i in range(frames)]
    source = write_clip(tmp_path / "in" / "clip.mp4", pictures, fps=FPS)
    return source, replace(profile, publish_sides={**profile.publish_sides, PublishTarget.INSTAGRAM: 96})


def video_size(path) -> tuple[int, int]:
    with av.open(str(path)) as container:
        return container.streams.video[0].width, container.streams.video[0].height


def test_a_video_larger_than_the_published_size_is_copied_at_that_size(tmp_path, marker_only, profile):
    # given a 192x128 clip with a moving red "face", and a platform whose long side is 96 px
    source, small = clip_larger_than_a_platform(tmp_path, profile, frames=12)
    # when it is redacted for that platform
    (report,) = redact_paths([source], tmp_path / "out", small, RedactOptions(style="fill", publish="instagram"))
    # then the copy is 96x64, every frame masked, and the method says it was resized
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert video_size(report.output) == (96, 64)
    copy = decoded(report.output)
    assert len(copy) == 12 and all(red_pixels(f) <= 3 for f in copy)
    assert "resized from 192x128 to 96x64 (--publish)" in report.method
    # and the masked region is in the copy's pixels, where the re-scan looked
    (region,) = report.obscured
    assert region.box.x2 <= 96 and region.box.y2 <= 64
    assert report.rescan.analysed.width == 96


def test_publish_full_keeps_the_original_size(tmp_path, marker_only, profile):
    # given the same kind of clip and the same small platform
    source, small = clip_larger_than_a_platform(tmp_path, profile, frames=6)
    # when it is redacted at --publish full
    (report,) = redact_paths([source], tmp_path / "out", small, RedactOptions(style="fill", publish="full"))
    # then the copy keeps 192x128 and says nothing about resizing
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert video_size(report.output) == (192, 128)
    assert all(red_pixels(f) <= 3 for f in decoded(report.output)) and "resized" not in report.method


@pytest.mark.parametrize("keep_audio", [False, True])
def test_audio_is_dropped_unless_asked_for(tmp_path, marker_only, profile, keep_audio):
    source = clip_with_audio(tmp_path / "talk.mp4")
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(keep_audio=keep_audio))
    assert report.status == RedactionStatus.WRITTEN, report.problems
    with av.open(report.output) as container:
        assert len(container.streams.audio) == (1 if keep_audio else 0)
        assert [s.type for s in container.streams if s.type not in ("video", "audio")] == []
    assert any(m.item == "audio stream" for m in report.removed) is not keep_audio



# --- objects a re-scan still finds ----------------------------------------------------------------


def _plan(tracks, frames=40, width=320, height=180):
    return _Pass1(frames=frames, times=[i / FPS for i in range(frames)], tracks=tracks, width=width, height=height,
                  rotated=False, long_side=None, scaled_from=None)


def officer(box: Box, time_s: float, end_s: float | None = None, score: float = 0.8) -> Detection:
    return Detection(DetectionKind.POLICE_OFFICER, "police_officer", score, box, "police_items", time_s=time_s,
                     end_s=end_s if end_s is not None else time_s)


def test_a_scene_finding_whose_centre_lies_in_a_mask_is_not_taken_for_that_object_seen_through_it(profile):
    # given an officer masked in the middle of the frame, and a re-scan that still calls the whole frame an
    # officer scene (other, unmasked people in uniform) at 2.0 s
    masked = MaskTrack(DetectionKind.POLICE_OFFICER, "police_items", [(0, officer(Box(130, 20, 190, 170), 0.0)),
                                                                        (39, officer(Box(130, 20, 190, 170), 3.9))])
    scene = officer(Box(0, 0, 320, 180), 2.0)
    # when the plan takes in what the re-scan found
    plan, followed = _with_missed(None, _plan([masked]), [scene], (), RedactOptions(), profile)
    # then the masked officer is not made a fill again (it was not seen through), and the frames the scene
    # was seen in are masked whole, a detection stride either side, filled
    assert not plan.tracks[0].force_fill and followed == 0
    added = plan.tracks[1]
    assert added.fill and added.span() == (15, 25)
    box, _ = added.box_at(20)
    assert box.as_list() == [0.0, 0.0, 320.0, 180.0]


def test_an_object_seen_through_its_mask_fills_its_track(profile):
    # given a face pixelated in every frame, which the re-scan still finds where the mask is
    masked = MaskTrack(DetectionKind.FACE, "marker", [(0, face(100, 50, 30)), (39, face(100, 50, 30))])
    seen = replace(face(102, 52, 26), time_s=1.0, end_s=1.0)
    # when the plan takes it in, then that track is filled and nothing new is followed
    plan, followed = _with_missed(None, _plan([masked]), [seen], (), RedactOptions(), profile)
    assert plan.tracks[0].force_fill and len(plan.tracks) == 1 and followed == 0


def test_a_subtitle_track_is_not_in_the_copy_and_the_report_says_what_it_said(tmp_path, profile, monkeypatch):
    from video_support import with_subtitles

    # given a clip whose subtitles say CONFIDENTIAL
    monkeypatch.setattr(registry, "REGISTRY", {})
    (tmp_path / "in").mkdir()
    source = with_subtitles(tmp_path / "in", [("00:00:00,500", "00:00:01,500", "CONFIDENTIAL")])
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions())
    # then the copy has no subtitle track, its re-scan reads no cue, and the report lists the cue among what was removed
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert "subtitle stream" in {item.item for item in report.removed}
    assert not [f for f in report.rescan.metadata.facts if f.key == "subtitle"]
    assert [f.value for f in report.removed_facts if f.key == "subtitle"] == ["CONFIDENTIAL"]

