import csv
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from media_screen.cli import app
from media_screen.status import ExitStatus

runner = CliRunner()


@pytest.fixture()
def photos(tmp_path: Path) -> Path:
    Image.new("RGB", (64, 48), (90, 120, 150)).save(tmp_path / "clean.jpg", "JPEG")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    return tmp_path


def scan(*args: str):
    return runner.invoke(app, ["scan", *args])


def test_json_output_follows_the_versioned_contract(photos: Path):
    result = scan(str(photos / "clean.jpg"), "--format", "json", "--detectors", "metadata")
    document = json.loads(result.stdout)
    assert result.exit_code == ExitStatus.OK
    assert document["schema"] == "media-screen/1" and document["audience"] == "personal"
    entry = document["files"][0]
    for key in ("path", "sha256", "media_type", "verdict", "error", "location", "findings", "detections"):
        assert key in entry
    assert entry["verdict"] == "CLEAR" and document["summary"]["files"] == 1


def test_a_broken_file_gives_exit_3_and_the_batch_goes_on(photos: Path):
    result = scan(str(photos), "--format", "jsonl", "--detectors", "metadata")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == ExitStatus.ERROR
    assert {line["verdict"] for line in lines} == {"ERROR", "CLEAR"}


def test_csv_has_one_row_per_file_without_findings(photos: Path):
    result = scan(str(photos / "clean.jpg"), "--format", "csv", "--detectors", "metadata")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1 and rows[0]["verdict"] == "CLEAR"


def test_table_lists_the_verdict_and_a_summary(photos: Path):
    result = scan(str(photos), "--detectors", "metadata")
    assert "ERROR" in result.stdout and "2 file(s)" in result.stdout


def test_report_is_written_to_output_file(photos: Path, tmp_path: Path):
    out = tmp_path / "out" / "report.json"
    result = scan(str(photos / "clean.jpg"), "--format", "json", "-o", str(out), "--detectors", "metadata")
    assert result.exit_code == ExitStatus.OK and json.loads(out.read_text())["summary"]["files"] == 1


def test_unknown_detector_is_a_usage_error(photos: Path):
    result = scan(str(photos), "--detectors", "nonsense")
    assert result.exit_code == ExitStatus.USAGE and "unknown detector" in result.stderr


def test_unknown_audience_is_a_usage_error(photos: Path):
    assert scan(str(photos), "--audience", "everyone").exit_code == ExitStatus.USAGE


def test_help_documents_exit_codes():
    assert "3 at least one file could not be analysed" in " ".join(runner.invoke(app, ["scan", "--help"]).stdout.split())


def test_profile_init_writes_an_editable_copy_that_show_accepts(tmp_path: Path):
    path = tmp_path / "profile.toml"
    assert runner.invoke(app, ["profile", "init", str(path)]).exit_code == 0
    shown = runner.invoke(app, ["profile", "show", "--profile", str(path)])
    assert shown.exit_code == 0 and "[rules.location]" in shown.stdout
    assert runner.invoke(app, ["profile", "init", str(path)]).exit_code == ExitStatus.USAGE  # no silent overwrite
