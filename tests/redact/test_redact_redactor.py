"""Rounds of masking and re-scanning (media_screen/redact/redactor.py): what a re-scan still finds is masked,
the copy re-scanned, up to RedactOptions.max_rounds copies; only a clean last copy is kept.

The detectors are the test ones of converge_detectors.py and the inputs tiny pictures and clips made here.
"""

from __future__ import annotations

import json

import av
import numpy as np
import pytest
from converge_detectors import BRIGHT, DULL
from PIL import Image
from typer.testing import CliRunner
from video_support import solid, write_clip

from media_screen import detectors as registry
from media_screen.cli.main import app
from media_screen.model import RedactionStatus
from media_screen.redact import RedactOptions, redact_paths, uncovered_targets
from media_screen.redact.options import TARGET_KINDS, RedactTarget
from media_screen.redact.redactor import detector_names_for
from media_screen.status import ExitStatus

FPS = 12  # the re-scan samples frames 0, 12, 24, 36; the first pass looks at 0, 5, 10, ... 45, 47
APPEARS, BRIGHT_FRAMES, FRAMES = 6, (23, 24), 48


@pytest.fixture
def shade_only(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {"shade": "converge_detectors:ShadeDetector"})


@pytest.fixture
def stubborn_only(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {"stubborn": "converge_detectors:StubbornDetector"})


def turning_face_clip(path):
    """A 'face' that walks in on frame 6 and stays, dull (score 0.3) except on frames 23-24 where it
    turns to the camera (0.9): of the frames the first pass looks at, none shows it bright."""
    frames = []
    for i in range(FRAMES):
        frame = solid(128, 64)
        if i >= APPEARS:
            x = 20 + i
            frame[24:40, x : x + 16] = BRIGHT if i in BRIGHT_FRAMES else DULL
        frames.append(frame)
    return write_clip(path, frames, fps=FPS)


def reddish_pixels(rgb: np.ndarray) -> int:
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return int(((r > 130) & (g < 90) & (b < 90)).sum())


def decoded(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def test_a_face_the_first_pass_missed_is_masked_in_the_second_round_and_the_copy_kept(tmp_path, shade_only, profile):
    # given a clip whose face the first pass misses (dull on every frame it looks at) and the re-scan finds
    source = turning_face_clip(tmp_path / "in" / "walk.mp4")
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(style="fill", detect_every=5))
    # then the second round masks it, its re-scan is clean and the copy is kept after two rounds
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert report.rounds == 2 and report.problems == () and report.frames_unmasked == 0
    assert "found by a re-scan and followed" in report.method
    assert report.rescan.detections == ()


def test_the_missed_face_is_masked_along_its_track_in_both_directions(tmp_path, shade_only, profile):
    # given the same clip: the re-scan sees the face only on frame 24, it is in view from frame 6 to the end
    source = turning_face_clip(tmp_path / "in" / "walk.mp4")
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(style="fill", detect_every=5))
    # then no frame of the copy shows it, before frame 24 (followed backwards) or after (forwards)
    frames = decoded(report.output)
    assert len(frames) == FRAMES
    assert [i for i, frame in enumerate(frames) if reddish_pixels(frame) > 3] == []
    (track,) = report.obscured
    assert track.first_frame <= APPEARS and track.last_frame == FRAMES - 1


def test_a_face_that_no_mask_hides_is_refused_after_the_bound(tmp_path, stubborn_only, profile):
    # given a detector that sees a face in the middle of any picture
    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(folder / "wall.png")
    # when it is redacted with at most 3 rounds
    (report,) = redact_paths([folder], tmp_path / "out", profile, RedactOptions(max_rounds=3))
    # then every round's re-scan still finds it, the copy is refused and no file is left
    assert report.status == RedactionStatus.FAILED and report.output is None
    assert report.rounds == 3
    assert "still found after 3 round(s) of masking and re-scanning" in report.problems
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def test_the_command_line_reports_the_rounds_and_exits_nonzero_when_refused(tmp_path, stubborn_only):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(folder / "wall.png")
    result = CliRunner().invoke(app, ["redact", str(folder), "--out", str(tmp_path / "out"), "--max-rounds", "2",
                                      "--format", "json"])
    assert result.exit_code == ExitStatus.FINDINGS, result.output
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["status"] == "failed" and entry["rounds"] == 2 and entry["output"] is None
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def test_a_redaction_masks_with_the_detectors_a_scan_runs_not_the_opt_in_ones(profile):
    # given every kind of thing a redaction can mask
    kinds = frozenset().union(*TARGET_KINDS.values())
    # when the detectors that find them are chosen
    names = detector_names_for(kinds, profile)
    # then the retired, opt-in YOLO model is not among them (it masked whole frames of people walking as
    # officers), and the model that replaced it is
    assert "yolo" in registry.REGISTRY and "yolo" in registry.OPT_IN
    assert "yolo" not in names
    assert {"faces", "text", "insignia", "police_items"} <= set(names)


def test_every_target_is_covered_by_a_scan_detector(profile):
    # given the built-in detectors; when every target is asked for; then each has a detector that finds it
    assert uncovered_targets(frozenset(RedactTarget), profile) == frozenset()


def test_a_target_only_an_opt_in_detector_finds_is_reported_uncovered(profile, monkeypatch):
    # given police_items made opt-in, so no detector a scan runs finds officers
    monkeypatch.setattr(registry, "OPT_IN", frozenset({"yolo", "police_items"}))
    # when the targets are checked
    missing = uncovered_targets(frozenset({RedactTarget.OFFICERS, RedactTarget.FACES}), profile)
    # then officers are named and faces are not
    assert missing == frozenset({RedactTarget.OFFICERS})
