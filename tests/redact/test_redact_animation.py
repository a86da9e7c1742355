"""Redacting an animated PNG or WebP (redact/animation.py): every frame masked, the animation kept, the copy
re-scanned frame by frame.

The detector is fake_detectors.OfficerDetector: an officer wherever navy pixels are, a target of `officers`; the
animations are tests/animation_support.py's.
"""

from __future__ import annotations

import pytest
from animation_support import animation, frame, navy_columns
from PIL import Image, ImageSequence

from media_screen import detectors as registry
from media_screen.model import RedactionStatus
from media_screen.redact import RedactOptions, RedactTarget, redact_paths


@pytest.fixture
def officer_only(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {"officer_stub": "fake_detectors:OfficerDetector"})


def redact(tmp_path, profile, path, **options):
    return next(redact_paths([path], tmp_path / "out", profile,
                             RedactOptions(targets={RedactTarget.OFFICERS}, style="fill", **options)))


@pytest.mark.parametrize("suffix", [".png", ".webp"])
def test_an_officer_in_a_later_frame_is_masked_there_and_the_animation_kept(tmp_path, profile, officer_only, suffix):
    # given an animation that shows an officer only in its third frame
    path = animation(tmp_path / f"wave{suffix}", [frame(), frame(shade=1), frame(officer_at=30), frame(shade=2)], duration_ms=150)
    # when it is redacted
    report = redact(tmp_path, profile, path)
    # then the copy is written, proven clean frame by frame, and is the same animation with the officer masked
    assert report.status is RedactionStatus.WRITTEN, report.problems
    assert report.method.startswith("re-encoded animated") and "4 frames" in report.method
    [region] = report.obscured
    assert (region.first_frame, region.last_frame, region.time_s) == (2, 2, 0.3)
    with Image.open(report.output) as copy:
        frames = [f.copy() for f in ImageSequence.Iterator(copy)]
        durations = []
        for index in range(copy.n_frames):
            copy.seek(index)
            copy.convert("RGB")
            durations.append(copy.info.get("duration"))
    # every frame shown as long as before (lossy WebP may merge the two first, which differ by one grey level)
    assert sum(durations) == 600 and len(frames) == (4 if suffix == ".png" else len(frames)) >= 3
    assert all(navy_columns(f) == set() for f in frames)
    assert report.rescan.frames_analysed >= 1 and report.rescan.media.duration_s == 0.6


def test_an_officer_walking_across_the_frames_is_masked_in_each(tmp_path, profile, officer_only):
    path = animation(tmp_path / "walk.png", [frame(officer_at=x) for x in (10, 20, 30, 40)])
    report = redact(tmp_path, profile, path)
    assert report.status is RedactionStatus.WRITTEN, report.problems
    with Image.open(report.output) as copy:
        assert [navy_columns(f) for f in ImageSequence.Iterator(copy)] == [set()] * 4
    # one report line for the officer, over the four frames
    assert [(r.first_frame, r.last_frame, r.frames) for r in report.obscured] == [(0, 3, 4)]


def test_an_animation_with_nothing_to_mask_is_stripped_losslessly_with_every_frame(tmp_path, profile, officer_only):
    path = animation(tmp_path / "calm.png", [frame(), frame(shade=1), frame(shade=2)])
    report = redact(tmp_path, profile, path)
    assert report.status is RedactionStatus.WRITTEN and report.method.startswith("lossless metadata strip")
    with Image.open(report.output) as copy:
        assert copy.n_frames == 3
