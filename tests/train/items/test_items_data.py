"""The labelled photos of the police-item head: the police sets and the photos of other sets labelled by eye."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
from labelled_folder import Entry, labelled_folder

from media_screen.train.items.data import EXTRA_LABELS, EXTRA_SETS, ItemClass, load_photos
from media_screen.train.split import Part


def extra_rows() -> list[dict[str, str]]:
    with EXTRA_LABELS.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def eval_folder_with_extras(root: Path) -> Path:
    """police_real with one officer photo, plus a stand-in file at every path extra_labels.csv names."""
    grey = lambda _: np.full((64, 48, 3), 128, np.uint8)  # noqa: E731
    labelled_folder(root, [Entry("officers_uniform", "police_officer", grey, "{index}.jpg")], variants=1, shrink=0.0)
    for row in extra_rows():
        path = root / row["dataset"] / row["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), grey(0))
    return root


def test_the_extra_labels_name_only_background_photos_of_known_sets():
    # given the table shipped with the package
    rows = extra_rows()
    # then every row names a set, a file in it, a category of its own and a finer label, and none is new police
    assert rows
    for row in rows:
        assert row["dataset"] in ("police_real", "faceid")
        assert row["file"] and row["category"] and row["label"]
        assert "police" not in row["category"] and "officer" not in row["label"]
    assert len({(r["dataset"], r["file"]) for r in rows}) == len(rows)


def test_photos_labelled_by_eye_are_background_and_faceid_ones_train_only(tmp_path):
    # given an evaluation folder holding every file the extra labels name
    root = eval_folder_with_extras(tmp_path)
    # when the photos are loaded with and without them
    photos = load_photos(root, EXTRA_SETS)
    without = load_photos(root)
    # then the extras come after the police sets' photos, all background
    extras = photos[len(without) :]
    assert [p.key for p in photos[: len(without)]] == [p.key for p in without]
    assert len(extras) == len(extra_rows())
    assert all(p.truth is ItemClass.BACKGROUND for p in extras)
    # and only the sets asked for
    assert {p.dataset for p in load_photos(root, ("faceid",))[len(without) :]} == {"faceid"}
    # and faceid's close-ups are never held back, while police_real's take the split's part like any photo
    faceid = [p for p in extras if p.dataset == "faceid"]
    assert faceid and all(p.part is Part.TRAIN for p in faceid)
    police_real = [p for p in extras if p.dataset == "police_real"]
    assert {p.part for p in police_real} <= set(Part) and any(p.part is Part.HOLDOUT for p in police_real)
    # and one person's photos fold together, so out-of-fold scores never see the same person in training
    assert len({p.fold_key for p in faceid}) == len({p.path.parent.name for p in faceid})
    assert all(p.fold_key == p.key for p in police_real)


def test_extra_labels_whose_files_are_missing_are_left_out(tmp_path):
    # given a folder with the police sets but none of the other sets' files
    root = tmp_path
    grey = lambda _: np.full((64, 48, 3), 128, np.uint8)  # noqa: E731
    labelled_folder(root, [Entry("officers_uniform", "police_officer", grey, "{index}.jpg")], variants=2, shrink=0.0)
    # when the photos are loaded with the extra labels
    photos = load_photos(root, EXTRA_SETS)
    # then only the police set's photos are there
    assert {p.dataset for p in photos} == {"police_real"} and len(photos) == 2


def test_an_empty_folder_gives_no_photos_even_with_extra_labels(tmp_path):
    # given nothing labelled at all, when loaded, then nothing (training reports a usage error for it)
    assert load_photos(tmp_path, EXTRA_SETS) == []


def test_other_sets_give_every_photo_as_background_in_a_category_of_its_set(tmp_path):
    # given a police set and another set with a category column (as exif_gps has)
    root = tmp_path
    grey = lambda _: np.full((64, 48, 3), 128, np.uint8)  # noqa: E731
    labelled_folder(root, [Entry("officers_uniform", "police_officer", grey, "{index}.jpg")], variants=1, shrink=0.0)
    other = root / "everyday"
    (other / "street").mkdir(parents=True)
    cv2.imwrite(str(other / "street" / "a.jpg"), grey(0))
    (other / "ground_truth.csv").write_text("file,category\nstreet/a.jpg,street\n", encoding="utf-8")
    # when the photos are loaded with and without that set among the other sets
    default = load_photos(root)
    photos = load_photos(root, other_sets=("everyday",))
    # then only the police photo comes by default; asked for, the other set's photo is background, after it
    assert {p.dataset for p in default} == {"police_real"}
    assert [(p.dataset, p.category, p.truth) for p in photos[len(default) :]] == [("everyday", "everyday/street", ItemClass.BACKGROUND)]
