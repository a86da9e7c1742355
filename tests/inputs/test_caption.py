"""What is posted with a file: its name, --caption and the FILE.caption.txt sidecar."""

from __future__ import annotations

from pathlib import Path

from media_screen.inputs.caption import captions_for, posted_texts, sidecar_path
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


def test_the_file_name_is_posted_with_the_file_and_comes_first(tmp_path: Path):
    # given a photo named by its owner, with a sidecar caption
    photo = tmp_path / "Det_Mike_Diaz_narcotics_unit.jpg"
    sidecar_path(photo).write_text("Night shift", "utf-8")
    # when what is posted with it is collected / then its name (underscores as spaces), then its caption
    assert posted_texts(photo, ScanOptions()) == (("file name", "Det Mike Diaz narcotics unit"),
                                                   ("caption (Det_Mike_Diaz_narcotics_unit.jpg.caption.txt)",
                                                    "Night shift"))


def test_camera_file_names_match_no_text_rule(profile):
    from media_screen.model import Audience, Metadata
    from media_screen.policy import evaluate

    # given the names phones, cameras, drones and messengers give their files
    names = ["IMG_1234.JPG", "IMG_20240612_093112.jpg", "PXL_20240612_093112345.MP.jpg", "DSC01234.JPG",
             "20240612_093112.jpg", "Screenshot_2024-06-12-09-31-12.png", "VID_20240612_093112.mp4",
             "WhatsApp Image 2024-06-12 at 09.31.12.jpeg", "MVIMG_20240612_093112.jpg", "GOPR0123.MP4", "GX010123.MP4",
             "DJI_0001.JPG", "P1010001.JPG", "_MG_1234.CR2.jpg", "FB_IMG_1718184672000.jpg", "IMG-20240612-WA0001.jpg"]
    for name in names:
        # when judged for a covert officer / then nothing is found in the name
        assert evaluate(Metadata(), (), Audience.COVERT, profile, posted_texts(Path(name), ScanOptions())) == (), name

