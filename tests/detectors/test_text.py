"""The text detector: the profile's text rules as a table, then real OCR on rendered words."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from media_screen.detectors.text import TextDetector
from media_screen.detectors.text_rules import PlateRule, canonical, fuzzy_find, plate_candidates, rules_from_settings
from media_screen.model import DetectionKind, Frame

POLICE = DetectionKind.POLICE_TEXT
IDENT = DetectionKind.IDENTIFYING_TEXT
PLATE = DetectionKind.PLATE
INVEST = DetectionKind.INVESTIGATION_TEXT
CONF = DetectionKind.CONFIDENTIAL_TEXT

# (line as OCR might read it, kinds the default profile's rules must give)
RULE_TABLE = [
    ("POLICE", {POLICE}),
    ("p0l1ce", {POLICE}),  # 0/O and 1/I confusions, lower case
    ("P0LlCE", {POLICE}),  # l for I
    ("POLILE", {POLICE}),  # one more OCR error on a long keyword
    ("F.B.I.POLICE", {POLICE}),  # run together with other letters
    ("SHER1FF", {POLICE}),
    ("K-9 UNIT", {POLICE}),
    ("K9", {POLICE}),
    ("Concord Police Department", {POLICE}),
    ("GARDA", {POLICE}),
    ("Privacy Policy", set()),  # one edit from POLICE, but an ordinary word
    ("Be polite", set()),
    ("XK9A", set()),  # short keywords must stand alone
    ("BADGE #4521", {IDENT}),
    ("UNIT 12", {IDENT}),
    ("SGT. MILLER", {IDENT}),
    ("DETROIT", set()),
    ("EVIDENCE", {INVEST}),
    ("EV1DENCE", {INVEST}),
    ("CRIME SCENE DO NOT CROSS", {INVEST}),
    ("POLICE LINE DO NOT CROSS", {POLICE, INVEST}),
    ("CASE NO. 24-OI2345", {INVEST}),  # O and I in a number read as digits; not a plate
    ("CONFIDENTIAL", {CONF}),
    ("C0NFIDENTIAL", {CONF}),
    ("Law Enforcement Sensitive", {CONF}),
    ("FOUO", {CONF}),
    ("YG9-X2G", {PLATE}),
    ("WA·56660", {PLATE}),
    ("AB 123 CD", {PLATE}),
    ("R8Z0503", {PLATE}),
    ("2014-06-16 06:46:42", set()),  # dates and times are not plates
    ("1-800-555-0199", set()),
    ("ITEM3OF7", set()),  # words run together with numbers are not plates
    ("GoPenske.com", set()),
    ("kp879www", set()),  # lower case is not a plate
    ("EXIT 79B", set()),
    ("SALE 70%", set()),
]


@pytest.fixture(scope="module")
def rules(profile):
    return rules_from_settings(profile.detector_settings("text"), profile.department, profile.city)


@pytest.mark.parametrize(("line", "kinds"), RULE_TABLE)
def test_rule_table(rules, line, kinds):
    # given a line as OCR might read it, when the profile's rules classify it, then exactly these kinds
    assert {match.kind for match in rules.classify(line)} == kinds


def test_canonical_folds_lookalikes_case_and_punctuation():
    assert canonical("P0l1ce-5taT8") == canonical("POLICE STATB") == "POIICESTATB"


def test_fuzzy_find_allows_one_edit_and_reports_the_span():
    assert fuzzy_find("POIICE", "XXPOIIIEYY") == (2, 8)
    assert fuzzy_find("POIICE", "POOOOE") is None


def test_plate_candidates_keep_the_longest_grouping():
    assert plate_candidates("AB 123 CD and more", PlateRule()) == ["AB 123 CD"]


def test_a_bare_number_is_a_unit_number_only_near_police_wording(rules):
    assert rules.unit_numbers("626") == ["626"]
    assert rules.unit_numbers("911") == []  # the emergency number painted on many cars
    assert rules.unit_numbers("2014-06-16") == []


# --- real OCR on rendered words -----------------------------------------------------------------------------


def rendered(text: str, size: int = 64, width: int = 560, height: int = 150) -> np.ndarray:
    """Dark letters on a light, slightly textured card, as a BGR array."""
    image = Image.new("RGB", (width, height), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        font = ImageFont.load_default(size)
    draw.text((width / 2, height / 2), text, font=font, fill=(20, 24, 60), anchor="mm")
    pixels = np.asarray(image, dtype=np.float32)[:, :, ::-1]
    noise = np.random.default_rng(3).normal(0, 4, pixels.shape)
    return np.ascontiguousarray((pixels + noise).clip(0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def detector(profile) -> TextDetector:
    return TextDetector.from_profile(profile)


def test_police_read_on_a_rendered_card_is_police_wording(detector):
    # given a card with POLICE written on it
    frame = Frame(rendered("POLICE"))
    # when the text detector reads it
    found = detector.detect(frame)
    # then one police-wording detection, boxed around the word, with what was read and why
    police = [d for d in found if d.kind == DetectionKind.POLICE_TEXT]
    assert len(police) == 1
    detection = police[0]
    assert detection.evidence["text"] == "POLICE" and detection.evidence["rule"] == "keyword POLICE"
    assert 0.8 <= detection.score <= 1.0
    assert 100 < detection.box.x1 < detection.box.x2 < 460 and 15 < detection.box.y1 < detection.box.y2 < 135
    assert len(detection.evidence["quad"]) == 4


def test_police_seen_in_a_mirror_is_read_mirrored(detector):
    # given the POLICE card as a mirror selfie shows it (every row reversed)
    frame = Frame(np.ascontiguousarray(rendered("POLICE")[:, ::-1]))
    # when the text detector reads it
    police = [d for d in detector.detect(frame) if d.kind == DetectionKind.POLICE_TEXT]
    # then it is police wording, said to be read mirrored
    assert [d.evidence["text"] for d in police] == ["POLICE"]
    assert police[0].evidence["mirrored"] is True and police[0].label.endswith("(read mirrored)")


def test_a_line_read_surely_is_not_read_mirrored(detector, monkeypatch):
    # given a card read with full confidence, and a recogniser that counts the crops it is given
    engine = detector.engine
    calls = []
    real = engine._ocr.text_rec
    monkeypatch.setattr(engine._ocr, "text_rec", lambda crops: calls.append(len(crops)) or real(crops))
    # when the engine reads it
    lines = engine.read(rendered("POLICE"))
    # then the recogniser ran once, and the line is not marked mirrored
    assert [line.text for line in lines] == ["POLICE"] and not lines[0].mirrored
    assert calls == [1]


def test_an_unsure_reading_is_kept_beside_its_surer_mirrored_one(detector, monkeypatch):
    # given a recogniser that reads a line unsurely as a plate, and its mirror image surely as letters
    # (an ambulance's real plate misread at 0.59 as NY02072; its mirror image read at 0.81 as MAOSUNS)
    engine = detector.engine
    answers = iter([[("NY02072", 0.59)], [("MAOSUNS", 0.81)]])
    monkeypatch.setattr(engine._ocr, "text_rec", lambda crops: (next(answers), 0.0))
    # when the engine reads a one-line card
    lines = engine.read(rendered("NY02072"))
    # then both readings are kept, in that order: a plate is not lost to a confident mirror reading
    assert [(line.text, line.mirrored) for line in lines] == [("NY02072", False), ("MAOSUNS", True)]
    assert lines[0].quad == lines[1].quad


def test_a_line_whose_mirror_image_is_wording_gives_no_plate(detector, monkeypatch):
    # given crime-scene tape seen from behind: read as is unsurely as plate-like garbage, mirrored as the tape's words
    answers = iter([[("6OFICE FINE DO KOL CKO22", 0.67)], [("POLICE LINE DO NOT CROSS", 0.94)]])
    monkeypatch.setattr(detector.engine._ocr, "text_rec", lambda crops: (next(answers), 0.0))
    # when the text detector reads it
    found = detector.detect(Frame(rendered("TAPE")))
    # then it is police wording and investigation text, read mirrored, and no plate
    assert sorted(d.kind.value for d in found) == ["investigation_text", "police_text"]
    assert all(d.evidence["mirrored"] for d in found)


def test_a_plate_stays_when_its_mirror_image_reads_as_no_wording(detector, monkeypatch):
    answers = iter([[("NY02072", 0.59)], [("MAOSUNS", 0.81)]])
    monkeypatch.setattr(detector.engine._ocr, "text_rec", lambda crops: (next(answers), 0.0))
    assert [d.kind for d in detector.detect(Frame(rendered("PLATE")))] == [DetectionKind.PLATE]


def test_a_line_whose_mirror_image_is_surely_a_word_gives_no_plate(detector, monkeypatch):
    # given fire-line tape seen from behind: its NOT CROSS read as is as the plate-like 22083T at 0.64, and its
    # mirror image surely as letters alone, though no rule's wording (TCROSS at 0.99)
    answers = iter([[("22083T", 0.64)], [("TCROSS", 0.99)]])
    monkeypatch.setattr(detector.engine._ocr, "text_rec", lambda crops: (next(answers), 0.0))
    # when the text detector reads it, then nothing: a word seen from behind is no plate
    assert detector.detect(Frame(rendered("FIRE LINE"))) == ()


def test_a_sure_plate_like_reading_of_mirrored_letters_gives_way_to_wording(detector, monkeypatch):
    # given a mirrored vest read surely as letters and digits, and its mirror image as surely as POLITIA
    # (a Romanian officer's vest in a mirror: AITIJO9 at 0.84, POLITIA at 0.86)
    answers = iter([[("AITIJO9", 0.84)], [("POLITIA", 0.86)]])
    monkeypatch.setattr(detector.engine._ocr, "text_rec", lambda crops: (next(answers), 0.0))
    # when the text detector reads it, then it is police wording read mirrored, and no plate
    assert [(d.kind, d.evidence["mirrored"]) for d in detector.detect(Frame(rendered("VEST")))] == [
        (DetectionKind.POLICE_TEXT, True)]


def test_evidence_read_on_a_rendered_label_is_investigation_material(detector):
    found = detector.detect(Frame(rendered("EVIDENCE")))
    assert [d.kind for d in found] == [DetectionKind.INVESTIGATION_TEXT]
    assert found[0].evidence["matched"] == "EVIDENCE"


def test_a_blank_card_gives_nothing(detector):
    assert detector.detect(Frame(rendered(""))) == ()


def test_ocr_text_is_sanitized_before_it_is_stored(detector, monkeypatch):
    # given a recogniser that returns a terminal escape and a bidi override inside the word
    engine = detector.engine
    hostile = "POL\x1b[31mICE\u202e"
    monkeypatch.setattr(engine._ocr, "text_rec", lambda crops: ([(hostile, 0.95)] * len(crops), 0.0))
    # when the engine reads a frame
    lines = engine.read(rendered("POLICE"))
    # then the stored text keeps the letters and drops the control characters
    assert lines and all("\x1b" not in line.text and "\u202e" not in line.text for line in lines)
