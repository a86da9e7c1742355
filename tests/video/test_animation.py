"""An animated PNG or WebP is screened frame by frame (video/animation.py): a platform plays every frame.

The detector is fake_detectors.OfficerDetector: an officer wherever navy pixels (UNIFORM_RGB) are; the animations
are tests/animation_support.py's.
"""

from __future__ import annotations

import numpy as np
import pytest
from animation_support import animation, frame
from fake_detectors import UNIFORM_RGB
from PIL import Image

from media_screen import detectors as registry
from media_screen.config import ScanOptions
from media_screen.model import DetectionKind, Verdict
from media_screen.pipeline import Screener


@pytest.fixture
def officer_only(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {"officer_stub": "fake_detectors:OfficerDetector"})


@pytest.mark.parametrize("suffix", [".png", ".webp"])
def test_an_officer_only_in_a_later_frame_is_found(tmp_path, profile, officer_only, suffix):
    # given an animation whose first two frames are empty and whose third shows an officer
    path = animation(tmp_path / f"wave{suffix}", [frame(), frame(shade=1), frame(officer_at=30), frame(shade=2)])
    # when it is scanned for a covert officer
    report = Screener(profile, ScanOptions(audience="covert")).scan_file(path)
    # then the officer is found, at the time its frame is shown, and the animation is not clear
    assert report.error is None and report.verdict is not Verdict.CLEAR
    [officer] = [d for d in report.detections if d.kind is DetectionKind.POLICE_OFFICER]
    assert (officer.time_s, officer.end_s) == (0.4, 0.4)
    assert report.media.duration_s == 0.8 and report.frames_analysed == 3  # the second frame, unchanged, reused


def test_an_officer_walking_across_the_frames_is_one_tracked_detection(tmp_path, profile, officer_only):
    # given an officer who moves a little in each of four frames
    path = animation(tmp_path / "walk.png", [frame(officer_at=x) for x in (10, 14, 18, 22)])
    # when it is scanned
    report = Screener(profile, ScanOptions()).scan_file(path)
    # then every frame was screened and the officer is one detection from the first frame to the last
    [officer] = [d for d in report.detections if d.kind is DetectionKind.POLICE_OFFICER]
    assert (officer.time_s, officer.end_s) == (0.0, 0.6) and report.frames_analysed == 4


def test_an_animation_longer_than_max_frames_is_an_error_with_what_was_found(tmp_path, profile, officer_only):
    # given an animation of six changing frames, and a scan that screens at most three
    path = animation(tmp_path / "long.png", [frame(officer_at=x) for x in (5, 15, 25, 35, 45, 55)])
    report = Screener(profile, ScanOptions(max_frames=3)).scan_file(path)
    # then the file is ERROR, says how far it got, and keeps what it found (fail closed)
    assert report.verdict is Verdict.ERROR
    assert "screened to frame 3 of 6" in report.error and "--max-frames 3" in report.error
    assert any(d.kind is DetectionKind.POLICE_OFFICER for d in report.detections)


def test_a_still_png_is_screened_as_one_frame(tmp_path, profile, officer_only):
    path = tmp_path / "still.png"
    frame(officer_at=30).save(path)
    report = Screener(profile, ScanOptions()).scan_file(path)
    assert report.frames_analysed == 1 and report.media.duration_s is None
    assert [d.time_s for d in report.detections] == [None]


def test_an_officer_seen_only_over_a_dark_background_is_found_in_a_see_through_animation(tmp_path, profile,
                                                                                          officer_only):
    # given a see-through animation whose second frame holds a half see-through officer that is navy only over
    # black (a dark theme), and invisible as navy over white, where frames are first shown
    frames = []
    for with_officer in (False, True):
        rgba = np.zeros((60, 80, 4), np.uint8)
        rgba[:4, :4] = (200, 200, 200, 255)
        if with_officer:
            rgba[10:55, 30:42] = (*[2 * v for v in UNIFORM_RGB], 128)
        frames.append(Image.fromarray(rgba, "RGBA"))
    path = tmp_path / "sticker.webp"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=300, loop=0, lossless=True)
    # when it is scanned
    report = Screener(profile, ScanOptions(audience="covert")).scan_file(path)
    # then the officer is found in the second frame, over a dark background, and the frames are counted once
    [officer] = report.detections
    assert officer.evidence["view"] == "over a dark background" and officer.time_s == 0.3
    assert report.frames_analysed == 2 and report.error is None
