"""`media-screen train`: a thin command over media_screen.train.run_training."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from media_screen.cli.main import app
from media_screen.status import ExitStatus


def test_train_with_a_missing_configuration_is_a_usage_error(tmp_path):
    # given a configuration path that does not exist
    missing = tmp_path / "nope.toml"
    # when training is asked for
    result = CliRunner().invoke(app, ["train", "--config", str(missing), "--work-dir", str(tmp_path / "work")])
    # then it stops before any work with a usage error naming the file
    assert result.exit_code == ExitStatus.USAGE
    assert "nope.toml" in result.output
    assert not (tmp_path / "work").exists()


def test_train_rejects_an_unknown_starting_point(tmp_path):
    config = tmp_path / "train.toml"
    config.write_text('[model]\nname = "m"\nclasses = ["badge"]\nstarts = ["imagenet"]\n', "utf-8")
    result = CliRunner().invoke(app, ["train", "--config", str(config), "--work-dir", str(tmp_path / "work")])
    assert result.exit_code == ExitStatus.USAGE
    assert "model.starts" in result.output


def test_train_rejects_an_unknown_start_option(tmp_path):
    result = CliRunner().invoke(app, ["train", "--start", "imagenet", "--work-dir", str(tmp_path / "work")])
    assert result.exit_code == ExitStatus.USAGE
    assert "imagenet" in result.output


@pytest.mark.parametrize(("flag", "message"), [
    ("--items", "no labelled police photos"),
    ("--weapons", "no weapon photos and negatives"),
])
def test_each_head_flag_trains_its_own_head_and_an_empty_eval_folder_is_a_usage_error(tmp_path, flag, message):
    # given a labelled-photo folder with nothing in it
    empty = tmp_path / "eval"
    empty.mkdir()
    # when that head is trained from it
    result = CliRunner().invoke(app, ["train", flag, "--eval-dir", str(empty), "--work-dir", str(tmp_path / "work")])
    # then that head's own check refuses it as a usage error, and nothing is written
    assert result.exit_code == 2
    assert message in result.output
    assert not list((tmp_path / "work").rglob("*.md"))
