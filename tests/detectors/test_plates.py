"""Plate regions (detectors/plates.py): the acceptance rule as a table, then real OCR on drawn plates."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from media_screen.detectors.plates import plate_regions, plate_string_of
from media_screen.detectors.text import TextDetector
from media_screen.detectors.text_rules import PlateRule
from media_screen.model import DetectionKind, Frame

RULE = PlateRule(not_words=frozenset({"EXIT", "ITEM"}))

# (what the region's close-up reads, character-like blobs counted in the region, plate string or None)
READING_TABLE = [
    ("YG9-X2G", 6, "YG9-X2G"),  # letters and digits: the text rules' plate
    ("GWAGEN", 6, "GWAGEN"),  # letters alone, in a plate-shaped region
    ("G:WAGEN", 5, "GWAGEN"),  # a screw read as a colon; one blob lost
    ("1049338", 7, "1049338"),  # digits alone
    ("ALITTLE", 4, None),  # seven letters read where four blobs are: not the region's characters
    ("OG3C8F", 4, None),
    ("etter", 5, None),  # lower case
    ("URTO", 4, None),  # too short
    ("EXIT", 4, None),
    ("EXIT NOW", 7, None),  # a not_words word
    ("SALE 70%", 6, None),
    ("", 0, None),
]


@pytest.mark.parametrize(("text", "blobs", "plate"), READING_TABLE)
def test_reading_table(text, blobs, plate):
    # given what a plate region reads and how many characters it holds, when judged, then this plate or none
    assert plate_string_of(text, blobs, RULE) == plate


def photo_with_card(text: str, plate_like: bool, size=(720, 480)) -> np.ndarray:
    """A photo-like background (smooth gradient and noise) with a light card holding `text`.

    plate_like: a 4.5:1 card with a dark border and big letters; else the text sits on the background."""
    width, height = size
    rng = np.random.default_rng(7)
    ramp = np.linspace(60, 140, width, dtype=np.float32)[None, :, None]
    background = np.repeat(np.repeat(ramp, height, axis=0), 3, axis=2) + rng.normal(0, 6, (height, width, 3))
    image = Image.fromarray(background.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("DejaVuSans-Bold.ttf", 40) if _has_font() else ImageFont.load_default(40)
    if plate_like:
        box = (200, 260, 200 + 270, 260 + 60)
        draw.rectangle(box, fill=(238, 238, 232), outline=(20, 20, 20), width=3)
        draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), text, font=font, fill=(15, 15, 15), anchor="mm")
    else:
        draw.text((335, 290), text, font=font, fill=(240, 240, 240), anchor="mm")
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def _has_font() -> bool:
    try:
        ImageFont.truetype("DejaVuSans-Bold.ttf", 10)
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def detector(profile) -> TextDetector:
    return TextDetector.from_profile(profile)


def test_a_letters_only_plate_is_read_from_its_region(detector):
    # given a photo with a vanity plate (letters only), which the line rule alone never calls a plate
    frame = Frame(photo_with_card("GWAGEN", plate_like=True))
    # when the text detector reads it
    plates = [d for d in detector.detect(frame) if d.kind == DetectionKind.PLATE]
    # then one plate, read from the plate region, boxed on the card
    assert [d.evidence["matched"] for d in plates] == ["GWAGEN"]
    assert plates[0].evidence["rule"] == "plate region"
    assert 190 <= plates[0].box.x1 < plates[0].box.x2 <= 480 and 250 <= plates[0].box.y1 < plates[0].box.y2 <= 330


def test_the_same_word_without_a_plate_around_it_is_no_plate(detector):
    # given the same word written on the background, with no plate-shaped card
    frame = Frame(photo_with_card("GWAGEN", plate_like=False))
    # when the text detector reads it, then no plate (the word alone is not one)
    assert not [d for d in detector.detect(frame) if d.kind == DetectionKind.PLATE]


def test_a_plate_region_stage_switched_off_reads_no_letters_only_plate(detector):
    # given the detector with the plate-region stage off
    lines_only = TextDetector(detector.engine, detector.rules, plate_regions=0)
    # when it reads the vanity plate, then no plate: the mixed letters-and-digits rule alone decides
    found = lines_only.detect(Frame(photo_with_card("GWAGEN", plate_like=True)))
    assert not [d for d in found if d.kind == DetectionKind.PLATE]


def test_a_blank_frame_has_no_plate_regions():
    assert plate_regions(np.full((200, 300, 3), 128, np.uint8)) == ()
    assert plate_regions(np.zeros((10, 10, 3), np.uint8)) == ()


def test_plate_regions_lie_inside_the_frame():
    pixels = photo_with_card("AB 123 CD", plate_like=True)
    regions = plate_regions(pixels)
    assert regions
    height, width = pixels.shape[:2]
    for region in regions:
        assert 0 <= region.box.x1 < region.box.x2 <= width and 0 <= region.box.y1 < region.box.y2 <= height
        assert region.box.x1 <= region.characters.x1 and region.characters.x2 <= region.box.x2
        assert 4 <= region.blobs <= 10


def test_police_wording_on_a_plate_shaped_patch_is_police_wording_not_a_plate(detector):
    # given a photo with POLICE on a light, plate-shaped patch (a vest's back, a door panel)
    frame = Frame(photo_with_card("POLICE", plate_like=True))
    # when the text detector reads it
    found = detector.detect(frame)
    # then police wording, and no licence plate
    assert [d.kind for d in found if d.kind == DetectionKind.PLATE] == []
    assert [d.evidence["matched"] for d in found if d.kind == DetectionKind.POLICE_TEXT] == ["POLICE"]
