"""The caption screened with a file: --caption and the FILE.caption.txt sidecar."""

from __future__ import annotations

from pathlib import Path

from media_screen.inputs.caption import captions_for, sidecar_path
from media_screen.config import ScanOptions


def test_the_option_and_the_sidecar_are_both_screened(tmp_path: Path):
    # given a photo with a sidecar, and a caption given on the command line
    photo = tmp_path / "arrest.jpg"
    sidecar_path(photo).write_text("Jane Doe\nconfessed.\n", "utf-8")
    # when the captions for the photo are collected
    captions = captions_for(photo, ScanOptions(caption="Thanks for the tips"))
    # then both are there, each saying where it came from, control characters and line breaks tidied
    assert captions == (("caption (--caption)", "Thanks for the tips"),
                        ("caption (arrest.jpg.caption.txt)", "Jane Doe confessed."))


def test_no_caption_and_no_sidecar_give_nothing(tmp_path: Path):
    assert captions_for(tmp_path / "plain.jpg", ScanOptions()) == ()
    assert captions_for(tmp_path / "plain.jpg", ScanOptions(caption="   ")) == ()


def test_a_huge_or_binary_sidecar_is_read_in_part_without_error(tmp_path: Path):
    photo = tmp_path / "x.jpg"
    sidecar_path(photo).write_bytes(b"\xff\xfe\x00" * 100_000)
    [(source, text)] = captions_for(photo, ScanOptions())
    assert source == "caption (x.jpg.caption.txt)" and len(text) <= 4000
