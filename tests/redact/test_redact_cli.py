"""`media-screen redact` on the command line: exit codes, formats, inputs left alone."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from PIL import Image
from redact_builders import dirty_jpeg
from typer.testing import CliRunner

from media_screen import detectors as registry
from media_screen.cli.main import app
from media_screen.status import ExitStatus

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file")


@pytest.fixture
def photos(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {})
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "dirty.jpg").write_bytes(dirty_jpeg())
    Image.new("RGB", (32, 24), (90, 120, 150)).save(folder / "plain.png")
    return folder


def hashes(folder) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def redact(*args: str):
    return runner.invoke(app, ["redact", *args])


def test_what_a_folder_holds_that_is_not_media_gets_no_copy_and_no_error(photos, tmp_path):
    # given a note and an edit sidecar beside the photos
    (photos / "README.txt").write_text("open day\n")
    (photos / "IMG_0001.AAE").write_bytes(b'<?xml version="1.0"?><plist version="1.0"><dict/></plist>')
    # when the folder is redacted / then the photos are copied, the rest is said to be skipped, and all is well
    result = redact(str(photos), "--out", str(tmp_path / "out"), "--format", "json")
    assert result.exit_code == ExitStatus.OK, result.output
    assert json.loads(result.stdout)["summary"]["status"]["written"] == 2
    assert "skipped 2 files that are not photos or videos" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").rglob("*") if p.is_file()) == ["dirty.jpg", "plain.png"]


def test_json_report_lists_copies_and_removed_metadata_and_inputs_stay_identical(photos, tmp_path):
    before = hashes(photos)
    result = redact(str(photos), "--out", str(tmp_path / "out"), "--format", "json")
    assert result.exit_code == ExitStatus.OK, result.output
    document = json.loads(result.stdout)
    assert document["schema"] == "media-screen-redact/1" and document["summary"]["status"]["written"] == 2
    dirty = next(f for f in document["files"] if f["source"].endswith("dirty.jpg"))
    assert dirty["status"] == "written" and dirty["output"].endswith("out/photos/dirty.jpg")
    assert any(m["item"].startswith("APP1 Exif") for m in dirty["removed_metadata"])
    assert dirty["rescan"]["location"] is None and dirty["kept_metadata"] == ["ICC profile"]
    assert hashes(photos) == before


@pytest.mark.parametrize("output_format", ["table", "jsonl", "csv"])
def test_every_output_format_renders(photos, tmp_path, output_format):
    result = redact(str(photos), "--out", str(tmp_path / "out"), "--format", output_format)
    assert result.exit_code == ExitStatus.OK, result.output
    if output_format == "jsonl":
        assert [json.loads(line)["status"] for line in result.stdout.splitlines()] == ["written", "written"]
    elif output_format == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert {"removed", "kept"} <= {row["action"] for row in rows}
    else:
        assert "WRITTEN" in result.stdout and "2 file(s): 2 written" in result.stdout


def test_out_inside_the_input_folder_is_a_usage_error(photos):
    before = hashes(photos)
    result = redact(str(photos), "--out", str(photos / "clean"))
    assert result.exit_code == ExitStatus.USAGE and "outside every input" in result.stderr
    assert hashes(photos) == before and not (photos / "clean").exists()


def test_unknown_target_is_a_usage_error(photos, tmp_path):
    result = redact(str(photos), "--out", str(tmp_path / "out"), "--what", "faces,tattoos")
    assert result.exit_code == ExitStatus.USAGE and "tattoos" in result.stderr


def test_a_copy_that_fails_its_re_scan_exits_1(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {"badge_stub": "fake_detectors:BadgeDetector"})
    Image.new("RGB", (40, 30), (0, 255, 0)).save(tmp_path / "green.png")
    result = redact(str(tmp_path / "green.png"), "--out", str(tmp_path / "out"), "--what", "insignia")
    assert result.exit_code == ExitStatus.FINDINGS
    assert "FAILED" in result.stdout and "still finds badge" in result.stdout


def test_an_unreadable_file_exits_3(photos, tmp_path):
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    result = redact(str(photos), "--out", str(tmp_path / "out"), "--format", "json")
    assert result.exit_code == ExitStatus.ERROR
    assert [f["status"] for f in json.loads(result.stdout)["files"]] == ["failed", "written", "written"]
