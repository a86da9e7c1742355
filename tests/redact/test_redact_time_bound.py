"""The time bound of a redaction (RedactOptions.file_timeout_s, the profile's limits.redact_timeout_s): every
round, its re-scan and, for video, every frame of every pass spend one bound per file; a file past it gets no
copy and the run exits 3.

The detector is fake_detectors.DawdleDetector: DAWDLE_SECONDS on every picture, nothing found.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from fake_detectors import DAWDLE_SECONDS
from PIL import Image
from typer.testing import CliRunner
from video_support import solid, write_clip

from media_screen import detectors as registry
from media_screen.cli.main import app
from media_screen.config import load_profile
from media_screen.inputs.source import sha256_of
from media_screen.model import RedactionStatus
from media_screen.redact import RedactOptions, redact_paths
from media_screen.status import ExitStatus

FRAMES = 24  # with a detection on every frame: 24 x DAWDLE_SECONDS = 1.2 s for the first pass alone


@pytest.fixture
def dawdle_only(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {"dawdle": "fake_detectors:DawdleDetector"})


def clip(tmp_path):
    return write_clip(tmp_path / "in" / "long.mp4", [solid(64, 48) for _ in range(FRAMES)], fps=12)


def copies(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_a_video_past_the_bound_fails_during_its_first_pass_and_leaves_no_copy(tmp_path, dawdle_only, profile):
    # given a clip whose detectors would take 1.2 s, and a bound of 0.3 s
    source = clip(tmp_path)
    options = RedactOptions(detect_every=1, file_timeout_s=0.3)
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, options)
    # then it fails on a frame of the first pass, with no copy and no temporary file left
    assert report.status == RedactionStatus.FAILED and report.output is None
    (problem,) = report.problems
    assert problem.startswith("redaction exceeded 0.3 s (during first pass, frame "), problem
    assert copies(tmp_path / "out") == []
    assert report.timings["total"] < 1.2


def test_the_same_video_within_the_bound_is_written(tmp_path, dawdle_only, profile):
    # given the same clip and a bound it fits in
    source = clip(tmp_path)
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(detect_every=1, file_timeout_s=60))
    # then the copy is written: the bound, not the clip, failed it above
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert report.timings["total"] >= FRAMES * DAWDLE_SECONDS


def test_a_still_past_the_bound_fails_before_its_next_detector_run(tmp_path, dawdle_only, profile):
    # given a photo, and a bound shorter than one detector run
    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(folder / "wall.png")
    # when it is redacted
    (report,) = redact_paths([folder], tmp_path / "out", profile, RedactOptions(file_timeout_s=DAWDLE_SECONDS / 5))
    # then it fails with the redaction's bound named, and no copy
    assert report.status == RedactionStatus.FAILED and report.output is None
    assert any(p.startswith(f"redaction exceeded {DAWDLE_SECONDS / 5:g} s (during ") for p in report.problems), \
        report.problems
    assert copies(tmp_path / "out") == []


def test_without_an_option_the_profile_bound_applies(tmp_path, dawdle_only, profile):
    # given a profile whose redactions may take 0.3 s, and no bound in the options
    source = clip(tmp_path)
    strict = dataclasses.replace(profile, redact_timeout_s=0.3)
    # when the clip is redacted
    (report,) = redact_paths([source], tmp_path / "out", strict, RedactOptions(detect_every=1))
    # then the profile's bound failed it
    assert report.status == RedactionStatus.FAILED
    assert report.problems[0].startswith("redaction exceeded 0.3 s"), report.problems


def test_the_built_in_profile_bounds_a_redaction_at_half_an_hour():
    assert load_profile().redact_timeout_s == 1800


def test_a_bound_of_zero_or_less_is_refused():
    with pytest.raises(ValueError, match="--file-timeout"):
        RedactOptions(file_timeout_s=0)


def test_the_command_line_exits_3_for_a_file_past_the_bound_and_names_the_bytes_it_read(tmp_path, dawdle_only):
    # given the clip and --file-timeout 0.3
    source = clip(tmp_path)
    # when it is redacted from the command line
    result = CliRunner().invoke(app, ["redact", str(source), "--out", str(tmp_path / "out"), "--detect-every", "1",
                                      "--file-timeout", "0.3", "--format", "json"])
    # then the run exits 3 (a file could not be redacted), and the report gives the bound and the input's sha256
    assert result.exit_code == ExitStatus.ERROR, result.output
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["status"] == "failed" and entry["output"] is None
    assert "redaction exceeded 0.3 s" in entry["problems"][0]
    assert entry["source_sha256"] == sha256_of(source)
