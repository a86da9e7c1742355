"""`media-screen protect enroll / list / remove`, and a scan that finds the enrolled face."""

from __future__ import annotations

import json
import os
import stat

import cv2
import numpy as np
from typer.testing import CliRunner

from media_screen.cli.main import app

runner = CliRunner()


def write_profile(tmp_path):
    from media_screen.config import default_profile_text

    watchlist = tmp_path / "shared" / "team.watchlist"
    profile = tmp_path / "profile.toml"
    profile.write_text(default_profile_text().replace('\nwatchlist = ""\n', '\nwatchlist = "shared/team.watchlist"\n'))
    return profile, watchlist


def test_enrol_list_scan_remove(tmp_path, passphrase, astronaut_path, astronaut, hopper):
    profile, watchlist = write_profile(tmp_path)
    before = astronaut_path.read_bytes()
    # enrol: the photo is read, never written, and the watchlist (relative to the profile) is 0600
    enrolled = runner.invoke(app, ["protect", "enroll", "Officer A", str(astronaut_path), "--profile", str(profile)])
    assert enrolled.exit_code == 0, enrolled.output
    assert "enrolled Officer A: 1 photo(s)" in enrolled.stdout
    assert astronaut_path.read_bytes() == before
    assert stat.S_IMODE(os.stat(watchlist).st_mode) == 0o600
    listed = runner.invoke(app, ["protect", "list", "--profile", str(profile)])
    assert listed.exit_code == 0 and listed.stdout.startswith("Officer A\t1 embedding(s)")
    # scan: a picture with the astronaut (mirrored) and Grace Hopper is DO_NOT_POST for a personal account
    picture = tmp_path / "post.png"
    canvas = np.full((620, 1100, 3), 90, np.uint8)
    canvas[50:562, 20:532] = astronaut[:, ::-1]
    canvas[10:610, 560:1072] = hopper
    cv2.imwrite(str(picture), canvas)
    scanned = runner.invoke(app, ["scan", str(picture), "--detectors", "protected", "--profile", str(profile),
                                  "--format", "json", "--audience", "personal"])
    report = json.loads(scanned.stdout)
    files = report["files"] if isinstance(report, dict) else report
    assert files[0]["verdict"] == "DO_NOT_POST", scanned.stdout
    messages = [f["message"] for f in files[0]["findings"]]
    assert any(m.startswith("protected person recognised: Officer A") for m in messages)
    assert "embedding" not in scanned.stdout
    # remove: the person is gone and the scan is clear again
    removed = runner.invoke(app, ["protect", "remove", "officer a", "--profile", str(profile)])
    assert removed.exit_code == 0 and "0 protected person(s) left" in removed.stdout
    rescanned = runner.invoke(app, ["scan", str(picture), "--detectors", "protected", "--profile", str(profile),
                                    "--format", "json", "--audience", "personal"])  # the cache sees the new watchlist
    assert "protected person recognised" not in rescanned.stdout


def test_enrol_refusal_names_the_photo_and_writes_nothing(tmp_path, passphrase, two_men_path):
    profile, watchlist = write_profile(tmp_path)
    refused = runner.invoke(app, ["protect", "enroll", "Someone", str(two_men_path), "--profile", str(profile)])
    assert refused.exit_code == 2
    assert "zidane.jpg: 2 faces" in " ".join(refused.output.split())
    assert not watchlist.exists()


def test_without_a_passphrase_and_no_terminal_enrolment_stops(tmp_path, astronaut_path, monkeypatch):
    monkeypatch.delenv("MEDIA_SCREEN_WATCHLIST_PASSPHRASE", raising=False)
    profile, watchlist = write_profile(tmp_path)
    result = runner.invoke(app, ["protect", "enroll", "Officer A", str(astronaut_path), "--profile", str(profile)])
    assert result.exit_code == 2 and "MEDIA_SCREEN_WATCHLIST_PASSPHRASE" in result.output
    assert not watchlist.exists()


def test_a_scan_with_a_watchlist_but_no_passphrase_stops_before_any_file(tmp_path, passphrase, astronaut_path,
                                                                          monkeypatch):
    profile, _ = write_profile(tmp_path)
    assert runner.invoke(app, ["protect", "enroll", "Officer A", str(astronaut_path), "--profile", str(profile)]).exit_code == 0
    monkeypatch.delenv("MEDIA_SCREEN_WATCHLIST_PASSPHRASE")
    result = runner.invoke(app, ["scan", str(astronaut_path), "--profile", str(profile), "--detectors", "protected"])
    assert result.exit_code == 3  # fail closed: never a scan without the check
    assert "MEDIA_SCREEN_WATCHLIST_PASSPHRASE" in " ".join(result.output.split())
