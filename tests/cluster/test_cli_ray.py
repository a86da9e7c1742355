"""`scan --ray [ADDRESS]`: the optional address, and the options that go only with --ray."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from media_screen.cli.main import app, ray_flag_arguments


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["scan", "photos", "--ray"], ["scan", "photos", "--ray="]),
        (["scan", "--ray", "photos"], ["scan", "--ray=", "photos"]),
        (["scan", "--ray", "10.0.0.5:6379", "photos"], ["scan", "--ray=10.0.0.5:6379", "photos"]),
        (["scan", "--ray", "auto", "photos"], ["scan", "--ray=auto", "photos"]),
        (["scan", "--ray", "ray://head:10001", "x"], ["scan", "--ray=ray://head:10001", "x"]),
        (["scan", "--ray", "-q", "photos"], ["scan", "--ray=", "-q", "photos"]),
        (["scan", "--ray=host:1", "photos"], ["scan", "--ray=host:1", "photos"]),
    ],
)
def test_ray_takes_the_next_word_only_when_it_is_an_address(given, expected):
    assert ray_flag_arguments(given) == expected


def test_a_file_named_like_an_address_stays_a_path(tmp_path: Path, monkeypatch):
    # given a file whose name looks like host:port in the current folder
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cam:1234").write_bytes(b"")
    # then it is scanned, not taken for an address
    assert ray_flag_arguments(["scan", "--ray", "cam:1234"]) == ["scan", "--ray=", "cam:1234"]


@pytest.mark.parametrize("extra", [["--ship-bytes"], ["--cpus-per-worker", "2"]])
def test_cluster_options_without_ray_are_a_usage_error(tmp_path: Path, extra):
    result = CliRunner().invoke(app, ["scan", str(tmp_path), *extra])
    assert result.exit_code == 2 and "go with --ray" in result.output


def test_ray_with_jobs_zero_is_a_usage_error(tmp_path: Path):
    result = CliRunner().invoke(app, ["scan", str(tmp_path), "--ray=", "--jobs", "0"])
    assert result.exit_code == 2 and "--jobs 0" in result.output
