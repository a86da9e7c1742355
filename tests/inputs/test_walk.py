"""Which files a scan screens: walked non-media is skipped, everything else fails closed."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from media_screen.inputs.walk import collect_inputs, is_not_media


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 120, 150)).save(out, "JPEG")
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("P", (16, 12)).save(out, "GIF")
    return out.getvalue()


PLIST = b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict></dict></plist>\n'


@pytest.mark.parametrize(
    "name, content, skipped",
    [
        # given a file found in a folder / then it is skipped only when neither name nor content says media
        ("README.txt", b"notes about these photos\n", True),
        ("IMG_0001.AAE", PLIST, True),  # an iPhone edit sidecar
        ("clip.XML", PLIST, True),  # a camera card's clip index
        ("expected.json", b'{"a": 1}', True),
        ("empty-note", b"", True),
        ("no-extension-photo", None, False),  # content is a JPEG: screened
        ("preview.THM", None, False),  # a camera thumbnail is a JPEG: screened
        ("notes.jpg", b"plain text, not a photo", False),  # claims to be a photo: screened, ERROR
        ("empty.JPG", b"", False),  # claims to be a photo, any case
        ("cut.heic", b"\x00\x00", False),
        ("animation", "gif", False),  # a photo format we do not analyse: screened, ERROR
        ("raw.cr2", b"II*\x00 junk", False),
    ],
)
def test_walked_file_is_skipped_only_when_name_and_content_say_not_media(tmp_path: Path, name, content, skipped):
    folder = tmp_path / "card"
    folder.mkdir()
    data = jpeg_bytes() if content is None else gif_bytes() if content == "gif" else content
    (folder / name).write_bytes(data)
    # when the folder is collected
    inputs = collect_inputs([folder])
    # then the file is on exactly one of the two lists
    assert (inputs.skipped, inputs.files) == (([folder / name], []) if skipped else ([], [folder / name]))


def test_a_file_named_on_the_command_line_is_always_screened(tmp_path: Path):
    note = tmp_path / "README.txt"
    note.write_text("not a photo")
    assert collect_inputs([note]).files == [note] and collect_inputs([note]).skipped == []


def test_order_is_kept_and_skipped_files_are_listed_in_walk_order(tmp_path: Path):
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("a")
    (tmp_path / "sub" / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    inputs = collect_inputs([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in inputs.files] == ["a.jpg", "sub/c.png"]
    assert [p.relative_to(tmp_path).as_posix() for p in inputs.skipped] == ["b.txt", "sub/a.txt"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_never_opened_and_not_skipped(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe")
    assert is_not_media(tmp_path / "pipe") is False  # opening it would block; it is reported as ERROR


def test_a_dangling_link_is_not_skipped(tmp_path: Path):
    os.symlink(tmp_path / "gone", tmp_path / "link")
    assert is_not_media(tmp_path / "link") is False
