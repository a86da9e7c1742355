"""The fixed split, the composites and the dataset folder that `media-screen train` builds."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from media_screen.config import load_profile
from media_screen.train.composite import Mark, make_composite
from media_screen.train.dataset import build_dataset
from media_screen.train.settings import load_settings
from media_screen.train.split import Part, part_of

SALT = "test-salt"


def test_split_is_deterministic_stable_and_disjoint():
    # given a thousand file keys
    keys = [f"eval/police/officers_uniform/{i:04d}.jpg" for i in range(1000)]
    # when each is assigned twice, and again after half of the files are gone
    first = {k: part_of(k, SALT, 0.35, 0.15) for k in keys}
    second = {k: part_of(k, SALT, 0.35, 0.15) for k in keys}
    subset = {k: part_of(k, SALT, 0.35, 0.15) for k in keys[::2]}
    # then the assignment never changes, the parts do not overlap and their sizes follow the fractions
    assert first == second
    assert all(subset[k] == first[k] for k in subset)
    parts = {p: {k for k, v in first.items() if v == p} for p in Part}
    assert not (parts[Part.TRAIN] & parts[Part.HOLDOUT]) and not (parts[Part.TUNE] & parts[Part.HOLDOUT])
    assert sum(len(v) for v in parts.values()) == len(keys)
    assert 300 <= len(parts[Part.HOLDOUT]) <= 400 and 100 <= len(parts[Part.TUNE]) <= 200


def test_a_different_salt_gives_a_different_split():
    keys = [f"k{i}" for i in range(200)]
    a = [part_of(k, "one", 0.35, 0.15) for k in keys]
    b = [part_of(k, "two", 0.35, 0.15) for k in keys]
    assert a != b


def _mark(class_id: int = 0) -> Mark:
    bgr = np.full((60, 40, 3), (200, 40, 20), np.uint8)
    cv2.putText(bgr, "PD", (4, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
    return Mark("patch", class_id, bgr, np.ones((60, 40), np.float32))


@pytest.mark.parametrize("seed", range(6))
def test_composites_have_valid_yolo_boxes_around_the_pasted_marks(seed):
    # given a plain grey background and one enrolled mark
    background = np.full((300, 400, 3), 128, np.uint8)
    rng = np.random.default_rng(seed)
    # when marks are pasted onto it
    image, boxes = make_composite(background, [_mark(class_id=3)], rng)
    # then every box is a valid YOLO box of the mark's class, inside the image, around changed pixels
    assert boxes
    height, width = image.shape[:2]
    for box in boxes:
        assert box.class_id == 3 and box.is_valid()
        x1, x2 = int((box.cx - box.w / 2) * width), int((box.cx + box.w / 2) * width)
        y1, y2 = int((box.cy - box.h / 2) * height), int((box.cy + box.h / 2) * height)
        assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height
        inside = image[y1:y2, x1:x2].astype(int)
        assert np.abs(inside - 128).max() > 60  # the mark is there, not just noise


def _write_source(root: Path) -> Path:
    """A tiny image-level set: small and large positives, and negatives."""
    rows = []
    for category, count, size in (("officers", 6, 224), ("officers_large", 2, 640), ("others", 6, 224)):
        folder = root / category
        folder.mkdir(parents=True)
        for i in range(count):
            pixels = np.random.default_rng(i).integers(0, 255, (size, size, 3), dtype=np.uint8)
            cv2.imwrite(str(folder / f"{i}.jpg"), pixels)
            rows.append({"file": f"{category}/{i}.jpg", "category": category})
    with (root / "ground_truth.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["file", "category"])
        writer.writeheader()
        writer.writerows(rows)
    return root / "ground_truth.csv"


def _write_config(tmp_path: Path, csv_path: Path) -> Path:
    """A training configuration over the tiny set, with a profile that enrols one drawn patch."""
    mark = _mark()
    cv2.imwrite(str(tmp_path / "patch.png"), np.dstack([mark.bgr, np.full(mark.alpha.shape, 255, np.uint8)]))
    (tmp_path / "profile.toml").write_text(
        '[detectors.insignia]\nreferences = [{name = "patch", path = "patch.png"}]\n', "utf-8"
    )
    config = tmp_path / "train.toml"
    config.write_text(
        f"""
profile = "profile.toml"
[model]
name = "tiny"
output_dir = "out"
classes = ["police_officer", "police_vehicle", "badge", "patch"]
[split]
salt = "{SALT}"
holdout_fraction = 0.3
tune_fraction = 0.2
[[image_labels]]
name = "set"
csv = "{csv_path}"
weak_box_max_side = 320
classes = {{ officers = "police_officer", officers_large = "police_officer" }}
negatives = ["others"]
report = true
[composites]
count = 5
tune_count = 2
classes = {{ patch = "patch" }}
skimage_backgrounds = false
""",
        "utf-8",
    )
    return config


def test_dataset_keeps_holdout_out_and_boxes_only_tight_positives(tmp_path):
    # given a small labelled set and a configuration that splits it
    settings = load_settings(_write_config(tmp_path, _write_source(tmp_path / "set")))
    # when the dataset is built
    dataset = build_dataset(settings, tmp_path / "work", load_profile(settings.profile))
    # then no holdout image is linked into the ultralytics folders
    linked = {p.resolve() for p in (dataset.root / "images").rglob("*") if p.is_symlink()}
    holdout = {i.path.resolve() for i in dataset.part(Part.HOLDOUT)}
    assert holdout and not (linked & holdout)
    # and small positives get one whole-image box, large positives none, negatives an empty label
    for image in dataset.images:
        if image.category == "officers_large":
            assert image.boxes is None and image.path.resolve() not in linked
        elif image.category == "officers":
            assert [b.line() for b in image.boxes] == ["0 0.500000 0.500000 1.000000 1.000000"]
        else:
            assert image.boxes == ()
    # and composites carry patch boxes; data.yaml names our classes
    labels = sorted((dataset.root / "labels" / "train").glob("composite_*.txt"))
    assert len(labels) == 5 and all(line.startswith("3 ") for f in labels for line in f.read_text().splitlines())
    data = yaml.safe_load(dataset.data_yaml.read_text())
    assert data["names"] == {0: "police_officer", 1: "police_vehicle", 2: "badge", 3: "patch"}
    assert dataset.counts["train"]["composites"] == 5 and dataset.counts["val"]["composites"] == 2
