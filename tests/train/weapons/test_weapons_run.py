"""`media-screen train --weapons` end to end, offline, on a tiny labelled folder made from the repository's
samples and the revolver scripts/draw_weapon.py draws."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from labelled_folder import Entry, labelled_folder
from repo_scripts import repo_script
from typer.testing import CliRunner

from media_screen.cli.main import app
from media_screen.detectors.weapons import WeaponHead
from media_screen.errors import ModelUnavailableError, UsageError
from media_screen.train.split import Part
from media_screen.train.weapons.card import render_card
from media_screen.train.weapons.run import default_settings, train_weapons

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "sample_media" / "detectors"


def tiny_eval_folder(root: Path) -> Path:
    """police_real with drawn revolvers as weapons, the cat as a look-alike and the marked car as an other category."""
    revolver = repo_script("scripts/draw_weapon.py").revolver_picture
    entries = [
        Entry("weapons", "handgun", lambda i: revolver(seed=i), "{index}.jpg"),
        Entry("negatives_weapons", "remote_control", lambda _: cv2.imread(str(SAMPLES / "clean_cat.jpg")), "{index}.jpg"),
        Entry("police_vehicles", "police_vehicle", lambda _: cv2.imread(str(SAMPLES / "marked_car.jpg")), "{index}.jpg"),
    ]
    return labelled_folder(root, entries, variants=6, shrink=0.08, description="")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("weapons")
    settings = default_settings(root / "work", tiny_eval_folder(root / "eval"), root / "head.npz")
    try:
        return settings, train_weapons(settings)
    except ModelUnavailableError as exc:  # the backbones' package is missing here
        pytest.skip(str(exc))


def test_training_writes_a_head_the_detector_can_load(trained):
    settings, report = trained
    # then the head loads as the detector loads it, with an operating threshold
    head = WeaponHead.load(settings.output)
    assert head.design is report.head.design and 0 < head.threshold <= 1
    assert (head.weights == report.head.weights).all()
    # and no held-back photo was trained on
    assert report.training_photos == sum(p.part is Part.TRAIN for p in report.photos)
    assert 0 < report.training_photos < len(report.photos)


def test_the_card_lists_operating_point_figures_designs_and_data(trained):
    settings, report = trained
    card = render_card(report, settings, "media-screen train --weapons")
    for heading in ("## Operating point", "## Held-back figures", "## Designs compared", "## Data", "## Licences"):
        assert heading in card
    assert "| weapons | recall |" in card and "look-alikes: phones and devices" in card


def test_the_cli_trains_from_the_cached_features(trained, tmp_path):
    settings, _ = trained
    # when the command runs on the same folder (features come from the work folder's cache)
    output = tmp_path / "cli_head.npz"
    result = CliRunner().invoke(app, ["train", "--weapons", "--work-dir", str(settings.work_dir),
                                      "--eval-dir", str(settings.eval_root), "--output", str(output)])  # fmt: skip
    # then it writes the head and its card and prints the held-back figures
    assert result.exit_code == 0, result.output
    assert output.is_file() and output.with_suffix(".md").is_file()
    assert "holdout" in result.stdout


def test_a_folder_without_weapon_photos_is_a_usage_error(tmp_path):
    settings = default_settings(tmp_path / "work", tmp_path / "empty", tmp_path / "head.npz")
    with pytest.raises(UsageError):
        train_weapons(settings)
