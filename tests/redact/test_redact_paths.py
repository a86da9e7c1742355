"""Where copies go (media_screen/redact/paths.py): mirrored under --out, never over or inside an input."""

from __future__ import annotations

import os

import pytest

from media_screen.errors import UsageError
from media_screen.redact.paths import plan_copies, temporary_beside


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "photos" / "day1").mkdir(parents=True)
    (tmp_path / "photos" / "day1" / "a.jpg").write_bytes(b"a")
    (tmp_path / "photos" / "b.png").write_bytes(b"b")
    (tmp_path / "single.jpg").write_bytes(b"s")
    return tmp_path


def test_folders_are_mirrored_and_files_go_to_the_top(tree):
    copies = plan_copies([tree / "photos", tree / "single.jpg"], tree / "out").copies
    assert {(c.source, c.target) for c in copies} == {
        (tree / "photos" / "b.png", tree / "out" / "photos" / "b.png"),
        (tree / "photos" / "day1" / "a.jpg", tree / "out" / "photos" / "day1" / "a.jpg"),
        (tree / "single.jpg", tree / "out" / "single.jpg"),
    }


def test_a_walked_file_that_is_not_media_gets_no_copy_but_a_named_one_does(tree):
    (tree / "photos" / "notes.txt").write_text("not a photo")
    (tree / "named.txt").write_text("not a photo either")
    plan = plan_copies([tree / "photos", tree / "named.txt"], tree / "out")
    assert sorted(c.source.name for c in plan.copies) == ["a.jpg", "b.png", "named.txt"]  # named: fails closed, ERROR
    assert plan.skipped == [tree / "photos" / "notes.txt"]  # set aside by the same walk


@pytest.mark.parametrize("out", ["photos", "photos/day1", "photos/new/deeper"])
def test_out_inside_an_input_folder_is_refused(tree, out):
    with pytest.raises(UsageError, match="outside every input"):
        plan_copies([tree / "photos"], tree / out)


def test_out_inside_an_input_folder_is_refused_through_a_symlink(tree):
    (tree / "link").symlink_to(tree / "photos")
    with pytest.raises(UsageError):
        plan_copies([tree / "photos"], tree / "link" / "out")


def test_a_copy_that_would_overwrite_its_input_is_refused(tree):
    with pytest.raises(UsageError, match="overwrite the input"):
        plan_copies([tree / "single.jpg"], tree)


def test_a_copy_that_is_a_hard_link_to_an_input_is_refused(tree):
    (tree / "out").mkdir()
    os.link(tree / "single.jpg", tree / "out" / "single.jpg")
    with pytest.raises(UsageError, match="same file"):
        plan_copies([tree / "single.jpg"], tree / "out")


def test_out_that_is_a_file_is_refused(tree):
    with pytest.raises(UsageError, match="not a folder"):
        plan_copies([tree / "photos"], tree / "single.jpg")


def test_temporary_files_are_hidden_and_beside_the_target(tree):
    temporary = temporary_beside(tree / "out" / "x" / "a.jpg")
    assert temporary.parent == tree / "out" / "x" and temporary.name.startswith(".a.")
    assert temporary.exists() and temporary.suffix == ".jpg"
