"""What a copy is re-scanned for (RedactOptions.rescan, `--rescan`): by default everything a scan looks for, so
the copy's report says what it still shows that no redaction target masks; with `targets`, only what was masked.

The detectors are the test ones of fake_detectors.py: an officer wherever navy pixels are (a target of `officers`)
and a long gun when the top-left pixel is pure blue (no target masks weapons).
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from fake_detectors import UNIFORM_RGB, WEAPON_RGB
from PIL import Image
from typer.testing import CliRunner

from media_screen import detectors as registry
from media_screen.cli.main import app
from media_screen.model import RedactionStatus, Verdict
from media_screen.redact import RedactOptions, RedactTarget, Redactor, RescanScope, redact_paths


@pytest.fixture
def officer_and_weapon(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {"officer_stub": "fake_detectors:OfficerDetector",
                                               "weapon_stub": "fake_detectors:WeaponDetector"})


def officer_with_a_gun(folder):
    """A PNG with an officer (navy) on the right and the blue corner that the weapon stub reacts to."""
    rgb = np.full((120, 160, 3), 200, np.uint8)
    rgb[0:4, 0:4] = WEAPON_RGB
    rgb[30:100, 100:140] = UNIFORM_RGB
    folder.mkdir()
    path = folder / "officer.png"
    Image.fromarray(rgb).save(path)
    return path


def redact_one(tmp_path, profile, **options):
    source = officer_with_a_gun(tmp_path / "in")
    return next(redact_paths([source], tmp_path / "out", profile, RedactOptions(targets={RedactTarget.OFFICERS}, **options)))


def test_by_default_the_copy_is_screened_for_everything_and_says_what_it_still_shows(tmp_path, officer_and_weapon, profile):
    # given a photo of an officer holding a gun, when only the officer is redacted, with the default re-scan
    report = redact_one(tmp_path, profile)
    # then the copy is kept (its target is masked) and its own verdict is what a scan gives it: the gun is for review
    assert report.status is RedactionStatus.WRITTEN and report.problems == ()
    assert [r.kind.value for r in report.obscured] == ["police_officer"]
    assert report.rescan.verdict is Verdict.REVIEW
    assert [f.evidence.get("kind") for f in report.rescan.findings if f.section.value == "B.5"] == ["weapon"]
    assert set(report.rescan_detectors) == {"officer_stub", "weapon_stub"} and report.rescan_unchecked == ()


def test_with_targets_only_the_copy_is_checked_for_what_was_masked_and_says_what_it_left(tmp_path, officer_and_weapon,
                                                                                          profile):
    # when the same photo is redacted with --rescan targets
    report = redact_one(tmp_path, profile, rescan=RescanScope.TARGETS)
    # then the copy is kept, its verdict covers only the officer, and the report names what was not checked
    assert report.status is RedactionStatus.WRITTEN
    assert report.rescan.verdict is Verdict.CLEAR
    assert report.rescan_detectors == ("officer_stub",) and report.rescan_unchecked == ("weapon_stub",)


def test_the_redaction_itself_runs_only_the_detectors_of_its_targets(officer_and_weapon, profile):
    # given a redaction of officers whose copies are screened for everything
    redactor = Redactor(profile, RedactOptions(targets={RedactTarget.OFFICERS}))
    # when its detectors are asked for, then only the officer's find what is masked; the re-scan runs both
    assert [d.name for d in redactor.detectors()] == ["officer_stub"]
    assert redactor.screener.detector_names == ("officer_stub", "weapon_stub")


def test_the_table_and_json_show_the_copys_verdict_and_scope(tmp_path, officer_and_weapon):
    source = officer_with_a_gun(tmp_path / "in")
    runner = CliRunner()
    # when redacted from the command line, as a table with the default re-scan and as JSON with targets only
    table = runner.invoke(app, ["redact", str(source), "--out", str(tmp_path / "a"), "--what", "officers"])
    listed = runner.invoke(app, ["redact", str(source), "--out", str(tmp_path / "b"), "--what", "officers",
                                 "--rescan", "targets", "--format", "json"])
    # then the table gives the copy's verdict and the weapon it still shows; the JSON says what was not checked
    assert table.exit_code == 0, table.output
    assert "copy screened: REVIEW" in table.stdout and "still shows [B.5]" in table.stdout
    assert "1 copy still shows what no redaction target masks" in table.stdout
    document = json.loads(listed.stdout)
    entry = document["files"][0]
    assert listed.exit_code == 0 and entry["status"] == "written"
    assert entry["rescan"]["verdict"] == "CLEAR" and entry["rescan_unchecked"] == ["weapon_stub"]


def test_the_csv_has_a_row_with_the_copys_verdict(tmp_path, officer_and_weapon):
    # given the photo redacted as CSV, once screened for everything and once for its targets only
    source = officer_with_a_gun(tmp_path / "in")
    runner = CliRunner()
    full = runner.invoke(app, ["redact", str(source), "--out", str(tmp_path / "a"), "--what", "officers", "--format", "csv"])
    targets = runner.invoke(app, ["redact", str(source), "--out", str(tmp_path / "b"), "--what", "officers",
                                  "--rescan", "targets", "--format", "csv"])
    # then each has one "copy screened" row: the weapon it still shows, or what it was not checked for
    rows = [[r for r in csv.DictReader(io.StringIO(result.stdout)) if r["action"] == "copy screened"] for result in (full, targets)]
    assert [(r["kind"], "weapon visible" in r["detail"]) for r in rows[0]] == [("REVIEW", True)]
    assert [(r["kind"], r["detail"]) for r in rows[1]] == [("CLEAR", "not checked: weapon_stub")]
