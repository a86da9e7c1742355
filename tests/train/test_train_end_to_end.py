"""`media-screen train` end to end, offline, on a tiny configuration: composites of the enrolled marks only."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from media_screen.cli.main import app

TINY = """
[model]
name = "tiny_police"
output_dir = "out"
classes = ["police_officer", "police_vehicle", "badge", "patch"]
starts = ["nudenet"]

[train]
epochs = 1
imgsz = 64
batch = 4
workers = 0
seed = 0

[split]
salt = "tiny"
holdout_fraction = 0.35
tune_fraction = 0.15

[composites]
count = 8
tune_count = 4
classes = { patch = "patch", badge = "badge" }
skimage_backgrounds = true
seed = 0
"""


def test_a_department_with_only_its_enrolled_marks_can_train_and_ship_a_model(tmp_path):
    # given a configuration with no labelled photos, only composites of the profile's patch and badge
    config = tmp_path / "tiny.train.toml"
    config.write_text(TINY, "utf-8")
    # when `media-screen train` runs it (network blocked inside: an attempt would fail the run)
    result = CliRunner().invoke(app, ["train", "--config", str(config), "--work-dir", str(tmp_path / "work")])
    # then it converts NudeNet, trains, exports and writes the card beside the configuration
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} == {"tiny_police.pt", "tiny_police.onnx", "tiny_police.json", "tiny_police.md"}
    manifest = json.loads((out / "tiny_police.json").read_text("utf-8"))
    assert manifest["classes"] == ["police_officer", "police_vehicle", "badge", "patch"]
    assert manifest["chosen_start"] == "nudenet" and manifest["command"].startswith("media-screen train --config")
    card = (out / "tiny_police.md").read_text("utf-8")
    assert "No held-back images" in card  # and it says so, rather than printing an empty table as figures


def test_a_configuration_with_nothing_to_train_on_is_a_usage_error(tmp_path):
    config = tmp_path / "empty.train.toml"
    config.write_text(TINY.replace("count = 8\ntune_count = 4", "count = 0\ntune_count = 0"), "utf-8")
    result = CliRunner().invoke(app, ["train", "--config", str(config), "--work-dir", str(tmp_path / "work")])
    assert result.exit_code == 2
    assert "no training images" in result.output
